/**
 * The validation CREATE_ITEM and CREATE_EVENT share: a merchant's priced listing. Both records put the
 * listing id, merchant account, price asset and price at the same offsets (asserted below), and both
 * check them in the same order, so the ladder lives here once:
 *   id 0 (ID_MUST_NOT_BE_ZERO) · id out of range (INTEGER_OUT_OF_RANGE) · id exists (the caller's code) ·
 *   merchant account the caller may act for (ACCOUNT_NOT_FOUND) · id not in a range reserved for
 *   another principal than the merchant's owner (ID_RESERVED; id_ranges.ts) · price asset
 *   (ASSET_NOT_FOUND) · price (PRICE_MUST_BE_POSITIVE).
 * What follows (stock or seat count, quotas, capacity) stays with each command; the last rung (the
 * merchant's balance cell, BALANCES_FULL) and the columns both keep are written by insert().
 */
import { CreateEvent, CreateItem } from '../../codec/records/command_descriptor.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { type ApplyContext, positiveAt } from './apply_context.ts';
import { type IdIndex, INDEX_NOT_FOUND } from './id_index.ts';
import type { Ledger } from './ledger.ts';

export const LISTING_ID = CreateItem.ITEM_ID;
export const LISTING_MERCHANT_ACCOUNT_ID = CreateItem.MERCHANT_ACCOUNT_ID;
export const LISTING_PRICE_ASSET_ID = CreateItem.PRICE_ASSET_ID;
export const LISTING_PRICE = CreateItem.UNIT_PRICE;

/** The columns CREATE_ITEM and CREATE_EVENT both keep per listing (Inventory and Seats have them). */
export interface ListingColumns {
  readonly ids: Float64Array;
  readonly merchantAccount: Int32Array;
  readonly merchantCell: Int32Array;
  readonly priceAsset: Int32Array;
}

export class ListingCheck {
  /** The merchant account's index after a check that returned OK. */
  merchant = INDEX_NOT_FOUND;
  /** The price asset's index after a check that returned OK. */
  asset = INDEX_NOT_FOUND;

  constructor(
    private readonly ledger: Ledger,
    private readonly index: IdIndex,
    private readonly existsCode: number,
    /** The IdKind of the listing's id (id_ranges.ts). */
    private readonly idKind: number,
  ) {}

  /** Returns ResultCode.OK (and sets merchant and asset) or the first rule that fails. Allocates nothing. */
  check(f: Float64Array, b: number, ctx: ApplyContext): number {
    const ledger = this.ledger;
    const idAt = (b + LISTING_ID) >>> 3;
    if (f[idAt] === 0) return ResultCode.ID_MUST_NOT_BE_ZERO;
    if (!positiveAt(f, idAt)) return ResultCode.INTEGER_OUT_OF_RANGE;
    if (this.index.getAt(f, idAt, 0) !== INDEX_NOT_FOUND) return this.existsCode;
    const merchant = ledger.actingAccountAt(f, (b + LISTING_MERCHANT_ACCOUNT_ID) >>> 3, ctx);
    if (merchant === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    const reserved = ledger.idRanges.check(f, idAt, this.idKind, ledger.accountOwner[merchant]);
    if (reserved !== ResultCode.OK) return reserved;
    const asset = ledger.assetAt(f, (b + LISTING_PRICE_ASSET_ID) >>> 3);
    if (asset === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    if (!positiveAt(f, (b + LISTING_PRICE) >>> 3)) return ResultCode.PRICE_MUST_BE_POSITIVE;
    this.merchant = merchant;
    this.asset = asset;
    return ResultCode.OK;
  }

  /**
   * After check() and the command's own rungs: creates the merchant's cell (BALANCES_FULL when none is
   * free), indexes the listing id under `slot` and writes the shared columns and the price. Returns
   * OK or BALANCES_FULL (then nothing changed).
   */
  insert(f: Float64Array, b: number, slot: number, columns: ListingColumns, price: Float64Array): number {
    const cell = this.ledger.ensureCell(this.merchant, this.asset);
    if (cell === INDEX_NOT_FOUND) return ResultCode.BALANCES_FULL;
    const idAt = (b + LISTING_ID) >>> 3;
    this.index.insertAt(f, idAt, 0, slot);
    columns.ids[slot] = f[idAt];
    columns.merchantAccount[slot] = this.merchant;
    columns.merchantCell[slot] = cell;
    columns.priceAsset[slot] = this.asset;
    price[slot] = f[(b + LISTING_PRICE) >>> 3];
    return ResultCode.OK;
  }
}

if (CreateEvent.EVENT_ID !== LISTING_ID || CreateEvent.MERCHANT_ACCOUNT_ID !== LISTING_MERCHANT_ACCOUNT_ID
  || CreateEvent.PRICE_ASSET_ID !== LISTING_PRICE_ASSET_ID || CreateEvent.SEAT_PRICE !== LISTING_PRICE) {
  throw new Error('listing check: CREATE_ITEM and CREATE_EVENT must share the listing offsets');
}

/**
 * Counted items (general admission, a listing of shares): a merchant account sells `stock` units at
 * `unitPrice` of one price asset. BUY moves unitPrice × quantity from the buyer to the merchant and
 * takes the units off the stock, or does nothing. `supplied` (created + restocked) = stock + sold.
 *
 * Validation ladders:
 *   CREATE_ITEM id != 0 · not exists (ITEM_EXISTS) · merchant account the caller may act for (ACCOUNT_NOT_FOUND)
 *               · id not reserved for another principal (ID_RESERVED)
 *               · price asset · unitPrice > 0 (PRICE_MUST_BE_POSITIVE) · stock integer >= 0
 *               (QUANTITY_MUST_BE_POSITIVE) · owner's items quota (ITEM_QUOTA_EXCEEDED, not for an admin)
 *               · capacity (ITEMS_FULL) · merchant cell (BALANCES_FULL)
 *   RESTOCK     item (ITEM_NOT_FOUND) · caller owns the merchant account (NOT_OWNER) · quantity > 0
 *               · created + restocked stays <= 2^53-1 (INTEGER_OUT_OF_RANGE)
 *   BUY         item · buyer account the caller may act for (ACCOUNT_NOT_FOUND) · quantity > 0 · maxUnitPrice 0 or > 0
 *               (PRICE_MUST_BE_POSITIVE) · unitPrice <= maxUnitPrice (PRICE_ABOVE_LIMIT) · stock >= quantity
 *               (INSUFFICIENT_STOCK) · available >= unitPrice × quantity (INSUFFICIENT_FUNDS)
 *   GET_ITEM    item (anyone may look)
 * The merchant's balance cell is created with the item, so a sale never needs a new cell.
 */
import { Buy, CreateItem, GetItem, Restock } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { Quota } from './principal_quotas.ts';
import { type ApplyContext, MAX_EXACT, positiveAt } from './apply_context.ts';
import { IdIndex, INDEX_NOT_FOUND } from './id_index.ts';
import { IdKind } from './id_ranges.ts';
import { ListingCheck } from './listing_check.ts';
import type { Ledger } from './ledger.ts';
import type { StateArena } from './state_arena.ts';

export class Inventory {
  readonly ids: Float64Array;
  readonly merchantAccount: Int32Array;
  readonly merchantCell: Int32Array;
  readonly priceAsset: Int32Array;
  readonly unitPrice: Float64Array;
  readonly stock: Float64Array;
  readonly sold: Float64Array;
  readonly supplied: Float64Array;
  private readonly counts: Int32Array;
  private readonly index: IdIndex;
  private readonly listing: ListingCheck;
  private readonly ledger: Ledger;
  readonly capacity: number;
  /** Scratch: item slot of the last successful command, and [0] the price it charged. */
  lastItem = -1;
  readonly lastTotal = new Float64Array(1);

  constructor(arena: StateArena, ledger: Ledger, maxItems: number) {
    this.ledger = ledger;
    this.capacity = maxItems;
    this.ids = arena.f64('items.ids', maxItems);
    this.merchantAccount = arena.i32('items.merchantAccount', maxItems);
    this.merchantCell = arena.i32('items.merchantCell', maxItems);
    this.priceAsset = arena.i32('items.priceAsset', maxItems);
    this.unitPrice = arena.f64('items.unitPrice', maxItems);
    this.stock = arena.f64('items.stock', maxItems);
    this.sold = arena.f64('items.sold', maxItems);
    this.supplied = arena.f64('items.supplied', maxItems);
    this.counts = arena.i32('items.count', 1);
    this.index = new IdIndex(arena, 'items.index', maxItems);
    this.listing = new ListingCheck(ledger, this.index, ResultCode.ITEM_EXISTS, IdKind.ITEMS);
  }

  get count(): number {
    return this.counts[0];
  }

  /** The item whose id is src[at], or -1. */
  itemAt(src: Float64Array, at: number): number {
    return this.index.findIdAt(src, at);
  }

  create(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const ledger = this.ledger;
    const f = cmd.f64;
    const listed = this.listing.check(f, b, ctx);
    if (listed !== ResultCode.OK) return listed;
    const stockAt = (b + CreateItem.STOCK) >>> 3;
    if (f[stockAt] !== 0 && !positiveAt(f, stockAt)) return ResultCode.QUANTITY_MUST_BE_POSITIVE;
    const owner = ledger.accountOwner[this.listing.merchant];
    const quota = ledger.quotas.check(owner, Quota.ITEMS, 1, ctx.admin);
    if (quota !== ResultCode.OK) return quota;
    const slot = this.counts[0];
    if (slot >= this.capacity) return ResultCode.ITEMS_FULL;
    const inserted = this.listing.insert(f, b, slot, this, this.unitPrice);
    if (inserted !== ResultCode.OK) return inserted;
    this.stock[slot] = f[stockAt];
    this.sold[slot] = 0;
    this.supplied[slot] = f[stockAt];
    this.counts[0] = slot + 1;
    ledger.quotas.charge(owner, Quota.ITEMS, 1);
    this.lastItem = slot;
    this.lastTotal[0] = 0;
    return ResultCode.OK;
  }

  restock(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const f = cmd.f64;
    const slot = this.itemAt(f, (b + Restock.ITEM_ID) >>> 3);
    if (slot === INDEX_NOT_FOUND) return ResultCode.ITEM_NOT_FOUND;
    if (!this.ledger.mayAct(this.merchantAccount[slot], ctx)) return ResultCode.NOT_OWNER;
    const quantityAt = (b + Restock.QUANTITY) >>> 3;
    if (!positiveAt(f, quantityAt)) return ResultCode.QUANTITY_MUST_BE_POSITIVE;
    const quantity = f[quantityAt];
    if (this.supplied[slot] + quantity > MAX_EXACT) return ResultCode.INTEGER_OUT_OF_RANGE;
    this.stock[slot] += quantity;
    this.supplied[slot] += quantity;
    this.lastItem = slot;
    this.lastTotal[0] = 0;
    return ResultCode.OK;
  }

  buy(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const ledger = this.ledger;
    const f = cmd.f64;
    const found = ledger.acting.find(this.index, ResultCode.ITEM_NOT_FOUND, f, b, ctx);
    if (found !== ResultCode.OK) return found;
    const slot = ledger.acting.slot;
    const buyer = ledger.acting.account;
    const quantityAt = (b + Buy.QUANTITY) >>> 3;
    if (!positiveAt(f, quantityAt)) return ResultCode.QUANTITY_MUST_BE_POSITIVE;
    const maxAt = (b + Buy.MAX_UNIT_PRICE) >>> 3;
    const maxUnitPrice = f[maxAt];
    if (maxUnitPrice !== 0 && !positiveAt(f, maxAt)) return ResultCode.PRICE_MUST_BE_POSITIVE;
    const unitPrice = this.unitPrice[slot];
    if (maxUnitPrice !== 0 && unitPrice > maxUnitPrice) return ResultCode.PRICE_ABOVE_LIMIT;
    const quantity = f[quantityAt];
    if (this.stock[slot] < quantity) return ResultCode.INSUFFICIENT_STOCK;
    const total = unitPrice * quantity;
    const cell = ledger.cell(buyer, this.priceAsset[slot]);
    // A total beyond 2^53-1 exceeds every possible balance, so the comparison stays exact enough.
    if (cell === INDEX_NOT_FOUND || ledger.available[cell] < total) return ResultCode.INSUFFICIENT_FUNDS;
    ledger.available[cell] -= total;
    ledger.available[this.merchantCell[slot]] += total;
    this.stock[slot] -= quantity;
    this.sold[slot] += quantity;
    this.lastItem = slot;
    this.lastTotal[0] = total;
    return ResultCode.OK;
  }

  get(cmd: RecordBuffer, b: number): number {
    const slot = this.itemAt(cmd.f64, (b + GetItem.ITEM_ID) >>> 3);
    if (slot === INDEX_NOT_FOUND) return ResultCode.ITEM_NOT_FOUND;
    this.lastItem = slot;
    this.lastTotal[0] = 0;
    return ResultCode.OK;
  }
}

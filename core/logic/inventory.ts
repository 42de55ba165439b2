/**
 * Counted items (general admission, a listing of shares): a merchant account sells `stock` units at
 * `unitPrice` of one price asset. BUY moves unitPrice × quantity from the buyer to the merchant and
 * takes the units off the stock, or does nothing. `supplied` (created + restocked) = stock + sold.
 *
 * Validation ladders:
 *   CREATE_ITEM id != 0 · not exists (ITEM_EXISTS) · merchant account · caller owns it (NOT_OWNER)
 *               · price asset · unitPrice > 0 (PRICE_MUST_BE_POSITIVE) · stock integer >= 0
 *               (QUANTITY_MUST_BE_POSITIVE) · capacity (ITEMS_FULL) · merchant cell (BALANCES_FULL)
 *   RESTOCK     item (ITEM_NOT_FOUND) · caller owns the merchant account (NOT_OWNER) · quantity > 0
 *               · created + restocked stays <= 2^53-1 (INTEGER_OUT_OF_RANGE)
 *   BUY         item · buyer account · caller owns it (NOT_OWNER) · quantity > 0 · maxUnitPrice 0 or > 0
 *               (PRICE_MUST_BE_POSITIVE) · unitPrice <= maxUnitPrice (PRICE_ABOVE_LIMIT) · stock >= quantity
 *               (INSUFFICIENT_STOCK) · available >= unitPrice × quantity (INSUFFICIENT_FUNDS)
 *   GET_ITEM    item (anyone may look)
 * The merchant's balance cell is created with the item, so a sale never needs a new cell.
 */
import { ResultCode } from '../../codec/result_codes.ts';
import { type ApplyContext, isPositiveExact, MAX_EXACT } from './apply_context.ts';
import { IdIndex, INDEX_NOT_FOUND } from './id_index.ts';
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
  private readonly ledger: Ledger;
  readonly capacity: number;
  /** Scratch: item slot and price charged by the last successful command. */
  lastItem = -1;
  lastTotal = 0;

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
  }

  get count(): number {
    return this.counts[0];
  }

  item(itemId: number): number {
    return itemId === 0 ? INDEX_NOT_FOUND : this.index.get(itemId, 0);
  }

  create(itemId: number, merchantId: number, priceAssetId: number, unitPrice: number, stock: number, ctx: ApplyContext): number {
    const ledger = this.ledger;
    if (itemId === 0) return ResultCode.ID_MUST_NOT_BE_ZERO;
    if (this.index.get(itemId, 0) !== INDEX_NOT_FOUND) return ResultCode.ITEM_EXISTS;
    const merchant = ledger.account(merchantId);
    if (merchant === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    if (!ledger.mayAct(merchant, ctx)) return ResultCode.NOT_OWNER;
    const asset = ledger.asset(priceAssetId);
    if (asset === INDEX_NOT_FOUND) return ResultCode.ASSET_NOT_FOUND;
    if (!isPositiveExact(unitPrice)) return ResultCode.PRICE_MUST_BE_POSITIVE;
    if (stock !== 0 && !isPositiveExact(stock)) return ResultCode.QUANTITY_MUST_BE_POSITIVE;
    const slot = this.counts[0];
    if (slot >= this.capacity) return ResultCode.ITEMS_FULL;
    const cell = ledger.ensureCell(merchant, asset);
    if (cell === INDEX_NOT_FOUND) return ResultCode.BALANCES_FULL;
    this.index.insert(itemId, 0, slot);
    this.ids[slot] = itemId;
    this.merchantAccount[slot] = merchant;
    this.merchantCell[slot] = cell;
    this.priceAsset[slot] = asset;
    this.unitPrice[slot] = unitPrice;
    this.stock[slot] = stock;
    this.sold[slot] = 0;
    this.supplied[slot] = stock;
    this.counts[0] = slot + 1;
    this.lastItem = slot;
    this.lastTotal = 0;
    return ResultCode.OK;
  }

  restock(itemId: number, quantity: number, ctx: ApplyContext): number {
    const slot = this.item(itemId);
    if (slot === INDEX_NOT_FOUND) return ResultCode.ITEM_NOT_FOUND;
    if (!this.ledger.mayAct(this.merchantAccount[slot], ctx)) return ResultCode.NOT_OWNER;
    if (!isPositiveExact(quantity)) return ResultCode.QUANTITY_MUST_BE_POSITIVE;
    if (this.supplied[slot] + quantity > MAX_EXACT) return ResultCode.INTEGER_OUT_OF_RANGE;
    this.stock[slot] += quantity;
    this.supplied[slot] += quantity;
    this.lastItem = slot;
    this.lastTotal = 0;
    return ResultCode.OK;
  }

  buy(itemId: number, buyerId: number, quantity: number, maxUnitPrice: number, ctx: ApplyContext): number {
    const ledger = this.ledger;
    const slot = this.item(itemId);
    if (slot === INDEX_NOT_FOUND) return ResultCode.ITEM_NOT_FOUND;
    const buyer = ledger.account(buyerId);
    if (buyer === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    if (!ledger.mayAct(buyer, ctx)) return ResultCode.NOT_OWNER;
    if (!isPositiveExact(quantity)) return ResultCode.QUANTITY_MUST_BE_POSITIVE;
    if (maxUnitPrice !== 0 && !isPositiveExact(maxUnitPrice)) return ResultCode.PRICE_MUST_BE_POSITIVE;
    const unitPrice = this.unitPrice[slot];
    if (maxUnitPrice !== 0 && unitPrice > maxUnitPrice) return ResultCode.PRICE_ABOVE_LIMIT;
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
    this.lastTotal = total;
    return ResultCode.OK;
  }

  get(itemId: number): number {
    const slot = this.item(itemId);
    if (slot === INDEX_NOT_FOUND) return ResultCode.ITEM_NOT_FOUND;
    this.lastItem = slot;
    this.lastTotal = 0;
    return ResultCode.OK;
  }
}

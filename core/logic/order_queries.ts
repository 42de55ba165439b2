/**
 * Order-book lookups (read-only):
 *   GET_ORDER  symbol (SYMBOL_NOT_FOUND) · order resting in it, waiting as a stop, or among the last
 *              doneOrderWindow orders that ended (ORDER_NOT_FOUND) · someone else's: ORDER_NOT_FOUND too (not disclosed)
 *   GET_DEPTH  symbol · levels >= 1 (INVALID_FIELD_VALUE); at most MAX_DEPTH_LEVELS_PER_SIDE per side
 * A resting order reports RESTING with its remaining quantity; a waiting stop PENDING with its
 * quantity as resting and its limit price (0 for stop-market); an ended order FILLED or CANCELLED with
 * resting 0. An OCO id reports its limit leg while that rests. A triggered stop reports STOP_LIMIT or
 * STOP_MARKET as its type.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { ApplyContext } from './apply_context.ts';
import { DoneOrders } from './done_orders.ts';
import type { Ledger } from './ledger.ts';
import type { OrderBook } from './order_book.ts';
import type { StopBook } from './stop_book.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as resultDescriptorModule from '../../codec/records/result_descriptor.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as applyContextModule from './apply_context.ts';
import * as doneOrdersModule from './done_orders.ts';
import * as idIndexModule from './id_index.ts';
import * as orderLayoutModule from './order_layout.ts';
import * as stopLayoutModule from './stop_layout.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { GetDepth, GetOrder, OrderType, Side } = commandDescriptorModule;
const { DepthResult, MAX_DEPTH_LEVELS_PER_SIDE, OrderInfoResult, OrderStatus } = resultDescriptorModule;
const { ResultCode } = resultCodesModule;
const { positiveAt } = applyContextModule;
const { D_ACCOUNT, D_FILLED, D_FLAGS, D_ID, D_PRICE, D_STATUS, D_SYMBOL } = doneOrdersModule;
const { INDEX_NOT_FOUND } = idIndexModule;
const { L_NEXT, L_PRICE, L_QUANTITY, LEVEL_F64, LEVEL_I32, NONE, O_FILLED, O_FLAGS, O_ID, O_PRICE, O_REMAINING, ORDER_F64, ORDER_I32, FLAG_STOP } = orderLayoutModule;
const { S_ACCOUNT, S_FLAGS, S_ID, S_PRICE, S_QUANTITY, S_STATE, S_STATE_WAITING, S_SYMBOL, STOP_F64, STOP_I32 } = stopLayoutModule;

const BUY = Side.BUY;
const SELL = Side.SELL;

export class OrderQueries {
  constructor(private readonly ledger: Ledger, private readonly book: OrderBook, private readonly stops: StopBook,
    private readonly done: DoneOrders) {}

  getOrder(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const acting = this.ledger.acting;
    const f = cmd.f64;
    const found = acting.findOrder(book, f, b, ctx);
    if (found !== ResultCode.OK) return found; // someone else's order: not disclosed
    const symbol = acting.slot;
    const order = acting.order;
    if (order !== NONE) {
      this.writeInfo(out, o, book.orderF, order * ORDER_F64, O_ID, O_PRICE, O_REMAINING, acting.account,
        book.orderI[order * ORDER_I32 + O_FLAGS], OrderStatus.RESTING);
      out.f64[(o + OrderInfoResult.FILLED_QUANTITY) >>> 3] = book.orderF[order * ORDER_F64 + O_FILLED];
      ctx.resultBytes = OrderInfoResult.BYTES;
      return ResultCode.OK;
    }
    const idAt = (b + GetOrder.ORDER_ID) >>> 3;
    const stops = this.stops;
    const stop = stops.findAt(f, idAt);
    if (stop !== NONE && stops.stopI[stop * STOP_I32 + S_STATE] === S_STATE_WAITING) {
      const account = stops.stopI[stop * STOP_I32 + S_ACCOUNT];
      if (!acting.owns(stops.stopI[stop * STOP_I32 + S_SYMBOL], symbol, account, ctx)) return ResultCode.ORDER_NOT_FOUND;
      this.writeInfo(out, o, stops.stopF, stop * STOP_F64, S_ID, S_PRICE, S_QUANTITY, account,
        stops.stopI[stop * STOP_I32 + S_FLAGS] | FLAG_STOP, OrderStatus.PENDING);
      out.f64[(o + OrderInfoResult.FILLED_QUANTITY) >>> 3] = 0;
      ctx.resultBytes = OrderInfoResult.BYTES;
      return ResultCode.OK;
    }
    const record = this.done.findAt(f, idAt);
    if (record === INDEX_NOT_FOUND) return ResultCode.ORDER_NOT_FOUND;
    const at = DoneOrders.base(record);
    const di = this.done.doneI;
    const account = di[at + D_ACCOUNT];
    if (!acting.owns(di[at + D_SYMBOL], symbol, account, ctx)) return ResultCode.ORDER_NOT_FOUND;
    // D_FILLED as the "remaining" field would be wrong: an ended order rests nothing.
    this.writeInfo(out, o, this.done.doneF, at, D_ID, D_PRICE, D_ID, account, di[at + D_FLAGS], di[at + D_STATUS]);
    out.f64[(o + OrderInfoResult.RESTING_QUANTITY) >>> 3] = 0;
    out.f64[(o + OrderInfoResult.FILLED_QUANTITY) >>> 3] = this.done.doneF[at + D_FILLED];
    ctx.resultBytes = OrderInfoResult.BYTES;
    return ResultCode.OK;
  }

  /** Writes an order info body from a record at src[base + ...]; the caller writes FILLED_QUANTITY. */
  private writeInfo(out: RecordBuffer, o: number, src: Float64Array, base: number, idField: number, priceField: number,
    restingField: number, account: number, flags: number, status: number): void {
    const of = out.f64;
    of[(o + OrderInfoResult.ORDER_ID) >>> 3] = src[base + idField];
    of[(o + OrderInfoResult.ACCOUNT_ID) >>> 3] = this.ledger.accountIds[account];
    of[(o + OrderInfoResult.PRICE) >>> 3] = src[base + priceField];
    of[(o + OrderInfoResult.RESTING_QUANTITY) >>> 3] = src[base + restingField];
    const type = (flags >>> 2) & 3;
    out.bytes[o + OrderInfoResult.SIDE_U8] = flags & 3;
    out.bytes[o + OrderInfoResult.ORDER_TYPE_U8] = (flags & FLAG_STOP) === 0 ? type
      : type === OrderType.LIMIT ? OrderType.STOP_LIMIT : OrderType.STOP_MARKET;
    out.bytes[o + OrderInfoResult.TIME_IN_FORCE_U8] = (flags >>> 4) & 3;
    out.bytes[o + OrderInfoResult.TIME_IN_FORCE_U8 + 1] = 0;
    out.u32[(o + OrderInfoResult.ORDER_STATUS_U32) >>> 2] = status;
  }

  getDepth(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const f = cmd.f64;
    const symbol = book.symbolAt(f, (b + GetDepth.SYMBOL_ID) >>> 3);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    const levelsAt = (b + GetDepth.LEVELS) >>> 3;
    if (!positiveAt(f, levelsAt)) return ResultCode.INVALID_FIELD_VALUE;
    const limit = f[levelsAt] < MAX_DEPTH_LEVELS_PER_SIDE ? f[levelsAt] : MAX_DEPTH_LEVELS_PER_SIDE;
    const bids = this.writeLevels(symbol, BUY, limit, out.f64, o + DepthResult.LEVELS);
    const asks = this.writeLevels(symbol, SELL, limit, out.f64, o + DepthResult.LEVELS + bids * DepthResult.LEVEL_BYTES);
    out.u32[(o + DepthResult.BID_LEVELS_U32) >>> 2] = bids;
    out.u32[(o + DepthResult.ASK_LEVELS_U32) >>> 2] = asks;
    ctx.resultBytes = DepthResult.LEVELS + (bids + asks) * DepthResult.LEVEL_BYTES;
    return ResultCode.OK;
  }

  /** Writes up to `limit` levels of one side of `symbol`, best first, as result levels from byte `at`; returns how many. */
  private writeLevels(symbol: number, side: number, limit: number, of: Float64Array, at: number): number {
    const book = this.book;
    let written = 0;
    for (let l = book.bestLevel[symbol * 2 + side - 1]; l !== NONE && written < limit; l = book.levelI[l * LEVEL_I32 + L_NEXT]) {
      of[(at + DepthResult.LEVEL_PRICE) >>> 3] = book.levelF[l * LEVEL_F64 + L_PRICE];
      of[(at + DepthResult.LEVEL_QUANTITY) >>> 3] = book.levelF[l * LEVEL_F64 + L_QUANTITY];
      at += DepthResult.LEVEL_BYTES;
      written++;
    }
    return written;
  }
}

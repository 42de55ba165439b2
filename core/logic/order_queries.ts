/**
 * Order-book lookups (read-only):
 *   GET_ORDER  symbol (SYMBOL_NOT_FOUND) · order resting in it and the caller's (ORDER_NOT_FOUND)
 *   GET_DEPTH  symbol · levels >= 1 (INVALID_FIELD_VALUE); at most MAX_DEPTH_LEVELS_PER_SIDE per side
 * Only resting orders can be looked up: a filled or cancelled order's slot is reused.
 */
import { GetDepth, GetOrder, Side } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { DepthResult, MAX_DEPTH_LEVELS_PER_SIDE, OrderInfoResult, OrderStatus } from '../../codec/records/result_descriptor.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { type ApplyContext, positiveAt } from './apply_context.ts';
import { INDEX_NOT_FOUND } from './id_index.ts';
import type { Ledger } from './ledger.ts';
import {
  L_NEXT, L_PRICE, L_QUANTITY, LEVEL_F64, LEVEL_I32, NONE, O_ACCOUNT, O_FILLED, O_FLAGS, O_ID, O_PRICE, O_REMAINING,
  O_SYMBOL, ORDER_F64, ORDER_I32, type OrderBook,
} from './order_book.ts';

const BUY = Side.BUY;
const SELL = Side.SELL;

export class OrderQueries {
  constructor(private readonly ledger: Ledger, private readonly book: OrderBook) {}

  getOrder(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const f = cmd.f64;
    const symbol = book.symbolAt(f, (b + GetOrder.SYMBOL_ID) >>> 3);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    const order = book.orderAt(f, (b + GetOrder.ORDER_ID) >>> 3);
    if (order === NONE || book.orderI[order * ORDER_I32 + O_SYMBOL] !== symbol) return ResultCode.ORDER_NOT_FOUND;
    const account = book.orderI[order * ORDER_I32 + O_ACCOUNT];
    if (!this.ledger.mayAct(account, ctx)) return ResultCode.ORDER_NOT_FOUND; // someone else's order: not disclosed
    const of = out.f64;
    const flags = book.orderI[order * ORDER_I32 + O_FLAGS];
    of[(o + OrderInfoResult.ORDER_ID) >>> 3] = book.orderF[order * ORDER_F64 + O_ID];
    of[(o + OrderInfoResult.ACCOUNT_ID) >>> 3] = this.ledger.accountIds[account];
    of[(o + OrderInfoResult.PRICE) >>> 3] = book.orderF[order * ORDER_F64 + O_PRICE];
    of[(o + OrderInfoResult.RESTING_QUANTITY) >>> 3] = book.orderF[order * ORDER_F64 + O_REMAINING];
    of[(o + OrderInfoResult.FILLED_QUANTITY) >>> 3] = book.orderF[order * ORDER_F64 + O_FILLED];
    out.bytes[o + OrderInfoResult.SIDE_U8] = flags & 3;
    out.bytes[o + OrderInfoResult.ORDER_TYPE_U8] = (flags >>> 2) & 3;
    out.bytes[o + OrderInfoResult.TIME_IN_FORCE_U8] = (flags >>> 4) & 3;
    out.bytes[o + OrderInfoResult.TIME_IN_FORCE_U8 + 1] = 0;
    out.u32[(o + OrderInfoResult.ORDER_STATUS_U32) >>> 2] = OrderStatus.RESTING;
    ctx.resultBytes = OrderInfoResult.BYTES;
    return ResultCode.OK;
  }

  getDepth(cmd: RecordBuffer, b: number, ctx: ApplyContext, out: RecordBuffer, o: number): number {
    const book = this.book;
    const f = cmd.f64;
    const symbol = book.symbolAt(f, (b + GetDepth.SYMBOL_ID) >>> 3);
    if (symbol === INDEX_NOT_FOUND) return ResultCode.SYMBOL_NOT_FOUND;
    const levelsAt = (b + GetDepth.LEVELS) >>> 3;
    if (!positiveAt(f, levelsAt)) return ResultCode.INVALID_FIELD_VALUE;
    const limit = f[levelsAt] < MAX_DEPTH_LEVELS_PER_SIDE ? f[levelsAt] : MAX_DEPTH_LEVELS_PER_SIDE;
    let at = o + DepthResult.LEVELS;
    const of = out.f64;
    let bids = 0;
    for (let l = book.bestLevel[symbol * 2 + BUY - 1]; l !== NONE && bids < limit; l = book.levelI[l * LEVEL_I32 + L_NEXT]) {
      of[(at + DepthResult.LEVEL_PRICE) >>> 3] = book.levelF[l * LEVEL_F64 + L_PRICE];
      of[(at + DepthResult.LEVEL_QUANTITY) >>> 3] = book.levelF[l * LEVEL_F64 + L_QUANTITY];
      at += DepthResult.LEVEL_BYTES;
      bids++;
    }
    let asks = 0;
    for (let l = book.bestLevel[symbol * 2 + SELL - 1]; l !== NONE && asks < limit; l = book.levelI[l * LEVEL_I32 + L_NEXT]) {
      of[(at + DepthResult.LEVEL_PRICE) >>> 3] = book.levelF[l * LEVEL_F64 + L_PRICE];
      of[(at + DepthResult.LEVEL_QUANTITY) >>> 3] = book.levelF[l * LEVEL_F64 + L_QUANTITY];
      at += DepthResult.LEVEL_BYTES;
      asks++;
    }
    out.u32[(o + DepthResult.BID_LEVELS_U32) >>> 2] = bids;
    out.u32[(o + DepthResult.ASK_LEVELS_U32) >>> 2] = asks;
    ctx.resultBytes = at - o;
    return ResultCode.OK;
  }
}

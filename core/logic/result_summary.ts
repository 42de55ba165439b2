/**
 * Reduces a real result record to the Outcome shape the reference model produces, so the two can be
 * compared value by value (test and tool helper; allocates).
 */
import {
  AmountResult, BalanceResult, CancelResult, DepthResult, ItemResult, OrderInfoResult, OrderResult, PriceResult,
  RESULT_FLAG_DUPLICATE, RESULT_FLAG_FILLS_TRUNCATED, SeatResult, SnapshotResult,
} from '../../codec/records/result_descriptor.ts';
import { COMMAND_TYPE_OF_KIND, type CommandSpec } from './command_writer.ts';
import type { Outcome } from './reference_model.ts';
import type { ResultView } from './result_reader.ts';

const KIND_OF_TYPE = new Map<number, CommandSpec['kind']>(
  Object.entries(COMMAND_TYPE_OF_KIND).map(([kind, type]) => [type, kind as CommandSpec['kind']]),
);

/**
 * `kind` is the command that was sent; the body is read by the result's own command type, which
 * differs only when a repeated idempotency id returned the stored result of another command.
 */
export function summarizeResult(kind: CommandSpec['kind'], r: ResultView): Outcome {
  const outcome: Outcome = {
    code: r.code,
    failedLeg: r.failedLegIndex,
    duplicate: (r.flags & RESULT_FLAG_DUPLICATE) !== 0,
    fillsTruncated: (r.flags & RESULT_FLAG_FILLS_TRUNCATED) !== 0,
    values: [],
    fills: [],
  };
  if (r.code !== 0) return outcome;
  kind = KIND_OF_TYPE.get(r.commandType) ?? kind;
  const f = (offset: number): number => r.f64(offset);
  switch (kind) {
    case 'deposit':
    case 'withdraw':
    case 'transfer':
    case 'getBalance':
      outcome.values = [f(BalanceResult.AVAILABLE), f(BalanceResult.RESERVED)];
      break;
    case 'transferReserve':
    case 'transferPost':
    case 'transferVoid':
      outcome.values = [f(AmountResult.AMOUNT)];
      break;
    case 'createItem':
    case 'restock':
    case 'buy':
    case 'getItem':
      outcome.values = [f(ItemResult.STOCK), f(ItemResult.SOLD), f(ItemResult.UNIT_PRICE), f(ItemResult.TOTAL_PRICE)];
      break;
    case 'bookSeats':
    case 'releaseSeats':
    case 'checkout':
      outcome.values = [f(PriceResult.TOTAL_PRICE)];
      break;
    case 'getSeat':
      outcome.values = [f(SeatResult.HOLDER_ACCOUNT_ID)];
      break;
    case 'placeOrder':
    case 'amendOrder': {
      const fillCount = r.u32(OrderResult.FILL_COUNT_U32);
      outcome.values = [f(OrderResult.ORDER_ID), f(OrderResult.FILLED_QUANTITY), f(OrderResult.RESTING_QUANTITY),
        r.u32(OrderResult.ORDER_STATUS_U32), fillCount];
      const listed = (r.length - OrderResult.FIXED_BYTES) / OrderResult.FILL_BYTES;
      for (let k = 0; k < listed; k++) {
        const at = OrderResult.FILLS + OrderResult.FILL_BYTES * k;
        outcome.fills.push([f(at + OrderResult.FILL_MAKER_ORDER_ID), f(at + OrderResult.FILL_PRICE), f(at + OrderResult.FILL_QUANTITY)]);
      }
      break;
    }
    case 'cancelOrder':
      outcome.values = [f(CancelResult.ORDER_ID), f(CancelResult.CANCELLED_QUANTITY)];
      break;
    case 'getOrder':
      outcome.values = [f(OrderInfoResult.ORDER_ID), f(OrderInfoResult.ACCOUNT_ID), f(OrderInfoResult.PRICE),
        f(OrderInfoResult.RESTING_QUANTITY), f(OrderInfoResult.FILLED_QUANTITY), r.u8(OrderInfoResult.SIDE_U8),
        r.u8(OrderInfoResult.ORDER_TYPE_U8), r.u8(OrderInfoResult.TIME_IN_FORCE_U8), r.u32(OrderInfoResult.ORDER_STATUS_U32)];
      break;
    case 'getDepth': {
      const bids = r.u32(DepthResult.BID_LEVELS_U32);
      const asks = r.u32(DepthResult.ASK_LEVELS_U32);
      outcome.values = [bids, asks];
      for (let i = 0; i < bids + asks; i++) {
        const at = DepthResult.LEVELS + DepthResult.LEVEL_BYTES * i;
        outcome.values.push(f(at + DepthResult.LEVEL_PRICE), f(at + DepthResult.LEVEL_QUANTITY));
      }
      break;
    }
    case 'snapshot':
      outcome.values = [f(SnapshotResult.SNAPSHOT_SEQUENCE)];
      break;
    default:
      break;
  }
  return outcome;
}

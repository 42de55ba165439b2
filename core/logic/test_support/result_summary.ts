/**
 * Reduces a real result record to the Outcome shape the reference model produces, so the two can be
 * compared value by value (test and tool helper; allocates). Derived from the result specs: the body's
 * scalar fields in spec order, then its list (fills apart; depth levels appended as price, quantity).
 * A command the registry does not know fails loudly; there is no default that lets one pass.
 */
import {
  DepthResult, OrderResult, RESULT_FLAG_DUPLICATE, RESULT_FLAG_FILLS_TRUNCATED,
} from '../../../codec/records/result_descriptor.ts';
import { COMMAND_SPEC_BY_TYPE } from '../../../codec/spec/command_spec.ts';
import { FieldKind } from '../../../codec/spec/field_spec.ts';
import { RESULT_SPEC_BY_COMMAND, ResultListKind, STATE_HASH_RESULT } from '../../../codec/spec/result_spec.ts';
import type { Outcome } from './reference_model.ts';
import type { ResultView } from './result_reader.ts';

/**
 * The body is read by the result's own command type, which differs from the command sent only when a
 * repeated idempotency id returned the stored result of another command.
 */
export function summarizeResult(r: ResultView): Outcome {
  const outcome: Outcome = {
    code: r.code,
    failedLeg: r.failedLegIndex,
    duplicate: (r.flags & RESULT_FLAG_DUPLICATE) !== 0,
    fillsTruncated: (r.flags & RESULT_FLAG_FILLS_TRUNCATED) !== 0,
    values: [],
    fills: [],
  };
  if (r.code !== 0) return outcome;
  if (COMMAND_SPEC_BY_TYPE[r.commandType] === undefined) throw new Error(`summarizeResult: unknown command type ${r.commandType}`);
  const spec = RESULT_SPEC_BY_COMMAND[r.commandType];
  // No body; and the reference model does not compute the state hash (the tests compare hashes directly).
  if (spec === undefined || spec === STATE_HASH_RESULT) return outcome;
  for (const field of spec.fields) {
    const at = field.recordOffset;
    outcome.values.push(field.kind === FieldKind.U64 ? r.f64(at) : field.kind === FieldKind.ENUM_U8 ? r.u8(at) : r.u32(at));
  }
  if (spec.list === ResultListKind.FILLS) {
    const listed = (r.length - OrderResult.FIXED_BYTES) / OrderResult.FILL_BYTES;
    for (let k = 0; k < listed; k++) {
      const at = OrderResult.FILLS + OrderResult.FILL_BYTES * k;
      outcome.fills.push([r.f64(at + OrderResult.FILL_MAKER_ORDER_ID), r.f64(at + OrderResult.FILL_PRICE),
        r.f64(at + OrderResult.FILL_QUANTITY)]);
    }
  } else if (spec.list === ResultListKind.LEVELS) {
    const bids = r.u32(DepthResult.BID_LEVELS_U32);
    const asks = r.u32(DepthResult.ASK_LEVELS_U32);
    outcome.values.push(bids, asks);
    for (let i = 0; i < bids + asks; i++) {
      const at = DepthResult.LEVELS + DepthResult.LEVEL_BYTES * i;
      outcome.values.push(r.f64(at + DepthResult.LEVEL_PRICE), r.f64(at + DepthResult.LEVEL_QUANTITY));
    }
  }
  return outcome;
}

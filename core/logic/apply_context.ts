/**
 * The per-command facts every handler needs, in one reused object (no allocation per command):
 * who is asking, the command's sequence and timestamp, and where the handler reports the size of
 * the result body it wrote and (for checkout) the leg that failed.
 */
import { ResHeader } from '../../codec/records/result_descriptor.ts';

export class ApplyContext {
  principal = 0;
  admin = false;
  /**
   * [0] the command's sequence, [1] its timestampUs. Kept in a Float64Array, not fields or arguments:
   * both exceed the small-integer range, and V8 boxes such values when they cross a call.
   */
  readonly numbers = new Float64Array(2);
  /** Total result record bytes (header + body) the handler wrote; header-only by default. */
  resultBytes = ResHeader.BYTES;
  /** Checkout leg that failed, -1 = none. */
  failedLeg = -1;
  /** Extra result flags (RESULT_FLAG_*) the handler wants set. */
  resultFlags = 0;

  /** Starts a command; the caller fills `numbers` from the record. */
  reset(principal: number, admin: boolean): void {
    this.principal = principal;
    this.admin = admin;
    this.resultBytes = ResHeader.BYTES;
    this.failedLeg = -1;
    this.resultFlags = 0;
  }
}

/** The largest exact integer; no balance, price or quantity may exceed it. */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** True for an integer in 1..2^53-1 (rejects NaN, fractions, zero and negatives without allocating). */
export function isPositiveExact(x: number): boolean {
  return x > 0 && x <= Number.MAX_SAFE_INTEGER && Math.floor(x) === x;
}

/**
 * isPositiveExact(src[at]): the value is read inside, so a large amount is never passed as an argument
 * (a float64 argument outside the small-integer range is boxed, i.e. allocates, when V8 does not inline).
 */
export function positiveAt(src: Float64Array, at: number): boolean {
  const x = src[at];
  return x > 0 && x <= Number.MAX_SAFE_INTEGER && Math.floor(x) === x;
}

/**
 * Whether src[at] is a multiple of steps[s] (a tick or lot size), both positive safe integers (the
 * caller checked src[at] with positiveAt): exactly `src[at] % steps[s] === 0` without the float modulo,
 * which V8 compiles to a call into C. Exact: a multiple k × m divides to k and multiplies back; for
 * x = k × m + r (0 < r < m) the quotient rounds to k or k + 1, and neither times m is x.
 */
export function multipleAt(src: Float64Array, at: number, steps: Float64Array, s: number): boolean {
  const x = src[at];
  const m = steps[s];
  return Math.floor(x / m) * m === x;
}

/**
 * The per-command facts every handler needs, in one reused object (no allocation per command):
 * who is asking, the command's sequence and timestamp, and where the handler reports the size of
 * the result body it wrote and (for checkout) the leg that failed.
 */
import { RES_HEADER_BYTES } from '../../codec/records/result_descriptor.ts';

export class ApplyContext {
  principal = 0;
  admin = false;
  sequence = 0;
  timestampUs = 0;
  /** Total result record bytes (header + body) the handler wrote; header-only by default. */
  resultBytes = RES_HEADER_BYTES;
  /** Checkout leg that failed, -1 = none. */
  failedLeg = -1;
  /** Extra result flags (RESULT_FLAG_*) the handler wants set. */
  resultFlags = 0;

  reset(principal: number, admin: boolean, sequence: number, timestampUs: number): void {
    this.principal = principal;
    this.admin = admin;
    this.sequence = sequence;
    this.timestampUs = timestampUs;
    this.resultBytes = RES_HEADER_BYTES;
    this.failedLeg = -1;
    this.resultFlags = 0;
  }
}

/** The largest exact integer; no balance, price or quantity may exceed it. */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

/** True for an integer in 1..2^53-1 (rejects NaN, fractions, zero and negatives without allocating). */
export function isPositiveExact(x: number): boolean {
  return x > 0 && x <= MAX_EXACT && Math.floor(x) === x;
}

/**
 * Idempotency ids a client gives its mutating commands: a random base (one of 2^25, aligned to 2^28)
 * plus a counter. Two clients of the same principal collide with probability 2^-25, and the base is
 * re-rolled every 2^28 commands; all ids stay below 2^53.
 */
import { randomInt } from 'node:crypto';

const COUNTER_SPAN = 2 ** 28;

export class IdempotencyIds {
  private base = 0;
  private counter = COUNTER_SPAN;

  next(): number {
    if (this.counter >= COUNTER_SPAN) {
      this.base = randomInt(1, 2 ** 25) * COUNTER_SPAN;
      this.counter = 1;
    }
    return this.base + this.counter++;
  }
}

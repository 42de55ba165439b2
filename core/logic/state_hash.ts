/**
 * A 64-bit hash of the whole domain state (sections marked unhashed, i.e. the last applied sequence,
 * are left out so a replay that skips read-only records still agrees), computed as two independent 32-bit lanes over every section's
 * bytes in registration order (section lengths are mixed in too, so moving bytes between sections
 * changes the hash). Deterministic across runs and machines of the same endianness; allocation-free
 * so the GET_STATE_HASH command can run it inside apply(). Not cryptographic: it detects divergence
 * between replays, it does not resist an adversary.
 */
import type { ArenaSection } from './state_arena.ts';

/** The last hash computed, as two u32 halves (module scratch: no allocation per call). */
export const stateHashOut = { high: 0, low: 0 };

export function computeStateHash(sections: readonly ArenaSection[]): void {
  let h1 = 0x9e3779b9 | 0;
  let h2 = 0x85ebca6b | 0;
  for (let s = 0; s < sections.length; s++) {
    if (!sections[s].hashed) continue;
    const words = sections[s].words;
    const count = words.length;
    h1 = mix(h1, count, 0xcc9e2d51);
    h2 = mix(h2, count, 0x1b873593);
    for (let i = 0; i < count; i++) {
      const w = words[i];
      h1 = mix(h1, w, 0xcc9e2d51);
      h2 = mix(h2, w ^ i, 0x1b873593);
    }
  }
  stateHashOut.high = fmix(h1 ^ h2) >>> 0;
  stateHashOut.low = fmix(h2 + Math.imul(h1, 5)) >>> 0;
}

export function stateHashHex(high: number, low: number): string {
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

function mix(h: number, word: number, c: number): number {
  let k = Math.imul(word | 0, c);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * An id → slot map in typed arrays: open addressing with linear probing and backward-shift deletion
 * (no tombstones, so lookups never degrade). A key is a float64 holding a non-zero safe integer plus
 * a u32 tag (e.g. an asset index for balance cells, a principal for idempotency ids); key 0 marks an
 * empty bucket. The table has at least twice as many buckets as entries, a power of two, so probes
 * stay short and a probe loop is bounded by the bucket count.
 *
 * Allocation-free after construction; deterministic (the layout depends only on the insert/remove
 * sequence).
 */
import type { StateArena } from './state_arena.ts';

export const INDEX_NOT_FOUND = -1;

export class IdIndex {
  private readonly keys: Float64Array;
  private readonly tags: Uint32Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  private readonly counter: Int32Array;
  readonly maxEntries: number;

  constructor(arena: StateArena, name: string, maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`${name}: maxEntries must be >= 1`);
    let buckets = 2;
    while (buckets < maxEntries * 2) buckets *= 2;
    this.maxEntries = maxEntries;
    this.mask = buckets - 1;
    this.keys = arena.f64(`${name}.keys`, buckets);
    this.tags = arena.u32(`${name}.tags`, buckets);
    this.values = arena.i32(`${name}.values`, buckets);
    this.counter = arena.i32(`${name}.count`, 1);
  }

  get size(): number {
    return this.counter[0];
  }

  get(key: number, tag: number): number {
    const keys = this.keys;
    let b = bucketOf(key, tag) & this.mask;
    for (let probes = 0; probes <= this.mask; probes++) {
      const k = keys[b];
      if (k === 0) return INDEX_NOT_FOUND;
      if (k === key && this.tags[b] === tag) return this.values[b];
      b = (b + 1) & this.mask;
    }
    return INDEX_NOT_FOUND;
  }

  /** Inserts a key that is not present. Returns false when maxEntries are already stored. */
  insert(key: number, tag: number, value: number): boolean {
    if (key === 0) throw new Error('IdIndex: key 0 is reserved for empty buckets');
    if (this.counter[0] >= this.maxEntries) return false;
    const keys = this.keys;
    let b = bucketOf(key, tag) & this.mask;
    while (keys[b] !== 0) {
      if (keys[b] === key && this.tags[b] === tag) throw new Error(`IdIndex: key ${key}/${tag} inserted twice`);
      b = (b + 1) & this.mask;
    }
    keys[b] = key;
    this.tags[b] = tag;
    this.values[b] = value;
    this.counter[0]++;
    return true;
  }

  /** Removes a key; returns its value or INDEX_NOT_FOUND. */
  remove(key: number, tag: number): number {
    const keys = this.keys;
    const tags = this.tags;
    const values = this.values;
    const mask = this.mask;
    let b = bucketOf(key, tag) & mask;
    for (let probes = 0; ; probes++) {
      if (probes > mask || keys[b] === 0) return INDEX_NOT_FOUND;
      if (keys[b] === key && tags[b] === tag) break;
      b = (b + 1) & mask;
    }
    const removed = values[b];
    // Backward-shift: move later members of the probe run into the hole when their home allows it.
    let hole = b;
    let next = (b + 1) & mask;
    while (keys[next] !== 0) {
      const home = bucketOf(keys[next], tags[next]) & mask;
      // The entry at `next` may move to `hole` if its home is not cyclically within (hole, next].
      const distNext = (next - home) & mask;
      const distHole = (hole - home) & mask;
      if (distHole < distNext) {
        keys[hole] = keys[next];
        tags[hole] = tags[next];
        values[hole] = values[next];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    keys[hole] = 0;
    tags[hole] = 0;
    values[hole] = 0;
    this.counter[0]--;
    return removed;
  }
}

/**
 * The home bucket before masking. The result keeps 30 bits so it is always a small integer (Smi):
 * a wider return value would be boxed into a heap number on every call, i.e. allocate per lookup.
 */
function bucketOf(key: number, tag: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(tag, 0x27d4eb2f), 0x9e3779b1);
  h ^= Math.imul(hi + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & 0x3fffffff;
}

/**
 * An id → slot map in typed arrays: open addressing with linear probing and backward-shift deletion
 * (no tombstones, so lookups never degrade). A key is a float64 holding a non-zero safe integer plus
 * a u32 tag (e.g. an asset index for balance cells, a principal for idempotency ids); key 0 marks an
 * empty bucket. The table has at least twice as many buckets as entries, a power of two, so probes
 * stay short and a probe loop is bounded by the bucket count.
 *
 * Keys are passed by location (`src[at]`), not by value: a float64 beyond the small-integer range
 * passed as an argument to a call V8 does not inline is boxed into a new heap number, i.e. one
 * allocation per lookup. Reading the key inside keeps lookups allocation-free for any id.
 *
 * A bucket is 16 bytes in one buffer — key (f64), tag (u32), value (i32) — so a probe touches one
 * cache line, not three arrays.
 *
 * Allocation-free after construction; deterministic (the layout depends only on the insert/remove
 * sequence).
 */
import type { StateArena } from './state_arena.ts';
import * as idHash from './id_hash.ts';

/** Not in the index. */
export const INDEX_NOT_FOUND = -1;
// Module-local copies: V8 folds them into optimized code; an exported or imported binding is read from its
// module cell at every use (order_layout.ts).
const NOT_FOUND = INDEX_NOT_FOUND;
const { bucketAt } = idHash;

export class IdIndex {
  /** Bucket b: key at keys[2b]; tag at tags[4b + 2]; value at values[4b + 3] (three views, one buffer). */
  private readonly keys: Float64Array;
  private readonly tags: Uint32Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  private readonly counter: Int32Array;
  /** For the by-value convenience methods (tests, start-up, small keys). */
  private readonly scratch = new Float64Array(1);
  readonly maxEntries: number;

  constructor(arena: StateArena, name: string, maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`${name}: maxEntries must be >= 1`);
    let buckets = 2;
    while (buckets < maxEntries * 2) buckets *= 2;
    this.maxEntries = maxEntries;
    this.mask = buckets - 1;
    this.keys = arena.f64(`${name}.buckets`, buckets * 2);
    this.tags = new Uint32Array(this.keys.buffer, 0, buckets * 4);
    this.values = new Int32Array(this.keys.buffer, 0, buckets * 4);
    this.counter = arena.i32(`${name}.count`, 1);
  }

  get size(): number {
    return this.counter[0];
  }

  /** Empties the table (every bucket zero, as constructed). */
  clear(): void {
    this.keys.fill(0);
    this.counter[0] = 0;
  }

  /** The value stored under (src[at], tag), or INDEX_NOT_FOUND. */
  getAt(src: Float64Array, at: number, tag: number): number {
    const keys = this.keys;
    const mask = this.mask;
    const key = src[at];
    let b = bucketAt(src, at, tag) & mask;
    for (let probes = 0; probes <= mask; probes++) {
      const k = keys[2 * b];
      if (k === 0) return NOT_FOUND;
      if (k === key && this.tags[4 * b + 2] === tag) return this.values[4 * b + 3];
      b = (b + 1) & mask;
    }
    return NOT_FOUND;
  }

  /** Inserts (src[at], tag), which must not be present. Returns false when maxEntries are already stored. */
  insertAt(src: Float64Array, at: number, tag: number, value: number): boolean {
    const key = src[at];
    if (key === 0) throw new Error('IdIndex: key 0 is reserved for empty buckets');
    if (this.counter[0] >= this.maxEntries) return false;
    const keys = this.keys;
    const mask = this.mask;
    let b = bucketAt(src, at, tag) & mask;
    while (keys[2 * b] !== 0) {
      if (keys[2 * b] === key && this.tags[4 * b + 2] === tag) throw new Error(`IdIndex: key ${key}/${tag} inserted twice`);
      b = (b + 1) & mask;
    }
    keys[2 * b] = key;
    this.tags[4 * b + 2] = tag;
    this.values[4 * b + 3] = value;
    this.counter[0]++;
    return true;
  }

  /** Removes (src[at], tag); returns its value or INDEX_NOT_FOUND. */
  removeAt(src: Float64Array, at: number, tag: number): number {
    const keys = this.keys;
    const tags = this.tags;
    const values = this.values;
    const mask = this.mask;
    const key = src[at];
    let b = bucketAt(src, at, tag) & mask;
    for (let probes = 0; ; probes++) {
      if (probes > mask || keys[2 * b] === 0) return NOT_FOUND;
      if (keys[2 * b] === key && tags[4 * b + 2] === tag) break;
      b = (b + 1) & mask;
    }
    const removed = values[4 * b + 3];
    // Backward-shift: move later members of the probe run into the hole when their home allows it.
    let hole = b;
    let next = (b + 1) & mask;
    while (keys[2 * next] !== 0) {
      const home = bucketAt(keys, 2 * next, tags[4 * next + 2]) & mask;
      // The entry at `next` may move to `hole` if `hole` lies on its probe path (home ... next).
      if (((hole - home) & mask) < ((next - home) & mask)) {
        keys[2 * hole] = keys[2 * next];
        tags[4 * hole + 2] = tags[4 * next + 2];
        values[4 * hole + 3] = values[4 * next + 3];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    keys[2 * hole] = 0;
    tags[4 * hole + 2] = 0;
    values[4 * hole + 3] = 0;
    this.counter[0]--;
    return removed;
  }

  /**
   * The value stored under id src[at] (tag 0), or INDEX_NOT_FOUND. Id 0 means "none" everywhere in the
   * domain and is never stored, so it is not found without probing.
   */
  findIdAt(src: Float64Array, at: number): number {
    return src[at] === 0 ? NOT_FOUND : this.getAt(src, at, 0);
  }

  /** By-value form of findIdAt, for tests and tools. */
  findId(id: number): number {
    return id === 0 ? NOT_FOUND : this.get(id, 0);
  }

  /** By-value lookup: fine for keys that fit a small integer (indices + 1) and off the hot path. */
  get(key: number, tag: number): number {
    this.scratch[0] = key;
    return this.getAt(this.scratch, 0, tag);
  }

  insert(key: number, tag: number, value: number): boolean {
    this.scratch[0] = key;
    return this.insertAt(this.scratch, 0, tag, value);
  }

  remove(key: number, tag: number): number {
    this.scratch[0] = key;
    return this.removeAt(this.scratch, 0, tag);
  }
}

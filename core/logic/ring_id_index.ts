/**
 * An id → slot index over a ring of `window` records that are written in order and overwritten oldest
 * first (done_orders.ts): it answers which slot holds an id without ever removing the id of a record
 * the ring overwrites. An IdIndex (id_index.ts) would pay a remove (a random probe and a backward shift
 * in a table of 2 × window buckets) plus an insert per record; here a record costs one insert into a
 * table an eighth of that size and the clearing of two buckets that follow each other in memory.
 *
 * The inserts are cut into generations of `generation` = ceil(window / 8) records, each in its own hash
 * table (open addressing, linear probing, key 0 = empty, at least 2 buckets per insert). A window of
 * records spans at most ceil(window / generation) + 1 generations, so with one table more than that the
 * table the next generation will fill holds only records that left the window: while the current
 * generation fills, that table is cleared a few buckets per insert, and it is empty when its turn comes.
 *
 * An entry outlives its record until its table is cleared: getAt may return the slot of a record the
 * ring has since overwritten. The caller checks that the slot still holds the id (each id is inserted
 * once, so no other entry can name it). Lookups probe every table but the one being cleared.
 *
 *   buckets of table t, bucket i: key (f64) keys[2 × (t × buckets + i)], value (i32) values[4 × (t × buckets + i) + 2]
 *   counts: [0] the table being filled, [1] inserts into it so far, [2] buckets of the next table cleared
 * Allocation-free after construction; deterministic (the layout depends only on the insert sequence).
 */
import type { StateArena } from './state_arena.ts';
import * as idHashModule from './id_hash.ts';
import * as idIndexModule from './id_index.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { bucketAt } = idHashModule;
const { INDEX_NOT_FOUND } = idIndexModule;

/** Generations a window is cut into: more means smaller tables to insert into and more tables to probe per lookup. */
export const RING_INDEX_GENERATIONS = 8;

export class RingIdIndex {
  private readonly keys: Float64Array;
  private readonly values: Int32Array;
  private readonly counts: Int32Array;
  /** Inserts per table. */
  readonly generation: number;
  readonly tables: number;
  /** Buckets per table (a power of two, at least 2 × generation). */
  readonly buckets: number;
  private readonly mask: number;
  /** Buckets of the next table cleared per insert: the whole table within one generation. */
  private readonly clearPerInsert: number;

  constructor(arena: StateArena, name: string, readonly window: number) {
    if (!Number.isInteger(window) || window < 1) throw new Error(`${name}: window must be an integer >= 1`);
    this.generation = Math.ceil(window / RING_INDEX_GENERATIONS);
    let buckets = 2;
    while (buckets < this.generation * 2) buckets *= 2;
    this.buckets = buckets;
    this.mask = buckets - 1;
    this.tables = Math.ceil(window / this.generation) + 2;
    this.clearPerInsert = Math.ceil(buckets / this.generation);
    this.keys = arena.f64(`${name}.buckets`, this.tables * buckets * 2);
    this.values = new Int32Array(this.keys.buffer, 0, this.tables * buckets * 4);
    this.counts = arena.i32(`${name}.counts`, 3);
  }

  /** Indexes the record just written to ring slot `value` under the id src[at] (non-zero, never inserted before). */
  insertAt(src: Float64Array, at: number, value: number): void {
    const key = src[at];
    if (key === 0) throw new Error('RingIdIndex: key 0 is reserved for empty buckets');
    const keys = this.keys;
    const values = this.values;
    const counts = this.counts;
    const mask = this.mask;
    const table = counts[0];
    const base = table * this.buckets;
    let b = bucketAt(src, at, 0) & mask;
    // At most `generation` keys in 2 × generation buckets: an empty bucket is always found.
    while (keys[2 * (base + b)] !== 0) {
      if (keys[2 * (base + b)] === key) throw new Error(`RingIdIndex: key ${key} inserted twice`);
      b = (b + 1) & mask;
    }
    keys[2 * (base + b)] = key;
    values[4 * (base + b) + 2] = value;
    // Clear the next table's share: it held only records older than the window.
    const next = table + 1 === this.tables ? 0 : table + 1;
    const from = counts[2];
    const to = from + this.clearPerInsert < this.buckets ? from + this.clearPerInsert : this.buckets;
    for (let i = next * this.buckets + from, end = next * this.buckets + to; i < end; i++) {
      keys[2 * i] = 0;
      values[4 * i + 2] = 0;
    }
    counts[2] = to;
    if (++counts[1] === this.generation) {
      counts[0] = next;
      counts[1] = 0;
      counts[2] = 0;
    }
  }

  /**
   * The value inserted under the id src[at], or INDEX_NOT_FOUND. It may name a slot the ring has since
   * overwritten (see the top): the caller checks the slot still holds the id.
   */
  getAt(src: Float64Array, at: number): number {
    const key = src[at];
    if (key === 0) return INDEX_NOT_FOUND;
    const keys = this.keys;
    const mask = this.mask;
    const home = bucketAt(src, at, 0) & mask;
    const clearing = this.counts[0] + 1 === this.tables ? 0 : this.counts[0] + 1;
    for (let t = 0; t < this.tables; t++) {
      if (t === clearing) continue;
      const base = t * this.buckets;
      let b = home;
      for (let probes = 0; probes <= mask; probes++) {
        const k = keys[2 * (base + b)];
        if (k === 0) break;
        if (k === key) return this.values[4 * (base + b) + 2];
        b = (b + 1) & mask;
      }
    }
    return INDEX_NOT_FOUND;
  }
}

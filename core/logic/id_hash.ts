/**
 * The hash of an id key (a float64 holding a non-zero safe integer) plus a u32 tag, for the open
 * addressing tables (id_index.ts, ring_id_index.ts). A module of its own so both copy it into a
 * module-local constant (V8 then inlines it without a check: order_layout.ts).
 *
 * The home bucket of (src[at], tag) before masking. The result keeps 30 bits so it is always a small
 * integer (Smi): a wider return value would be boxed into a heap number on every call.
 */
export function bucketAt(src: Float64Array, at: number, tag: number): number {
  const key = src[at];
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(tag, 0x27d4eb2f), 0x9e3779b1);
  h ^= Math.imul(hi + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & 0x3fffffff;
}

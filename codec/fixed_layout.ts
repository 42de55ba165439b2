/**
 * The offsets of a fixed binary header, computed from its fields' widths in order, so that a layout is
 * written once (name, width) and no offset is typed by hand. Every *_descriptor.ts builds its headers
 * here and keeps its RFC-style diagram beside them; the diagram is what a reader checks, the layout
 * is what the code uses, and the descriptor's load-time asserts tie the two together.
 *
 * Rules, checked when the layout is built (at import, like every layout assertion):
 * - fields follow each other without gaps: padding and reserved space are named fields;
 * - a field of width w starts at a multiple of min(w, 8) (u16 at even, u32 at 4, f64 at 8 bytes);
 *   a blob (bytes(n)) aligns to the largest power of two dividing n, up to 8;
 * - a TAIL field (width 0) marks where variable data begins: last, 8-aligned.
 * The result is a frozen object: `CommandHeader.SEQUENCE` reads like a constant and costs no more
 * than one on the hot path (docs/performance.md, "Layout objects").
 */

/** Field widths in bytes. */
export const U8 = 1;
export const U16 = 2;
export const U32 = 4;
export const I32 = 4;
export const F64 = 8;
/** Variable-length data from here on (the field's offset is the header's BYTES). */
export const TAIL = 0;

/** A fixed-size blob: a nonce, a MAC, reserved space. */
export function bytes(count: number): number {
  if (!Number.isInteger(count) || count <= 0) throw new Error(`fixed layout: blob of ${count} bytes`);
  return count;
}

/** Each field's offset by name, and BYTES: the header's size (where a TAIL, if any, begins). */
export type FixedLayout<F extends Readonly<Record<string, number>>> =
  { readonly [K in keyof F]: number } & { readonly BYTES: number };

/**
 * Lays `fields` out in order from offset `from` (a message body after a shared header starts there).
 * Throws `<name>: ...` on a misaligned field, a misplaced TAIL or a field named BYTES.
 */
export function fixedLayout<const F extends Readonly<Record<string, number>>>(name: string, fields: F, from = 0): FixedLayout<F> {
  const offsets: Record<string, number> = {};
  let at = from;
  let tail = '';
  for (const [field, width] of Object.entries(fields)) {
    if (field === 'BYTES') throw new Error(`${name}: BYTES is the layout's size, not a field name`);
    if (tail !== '') throw new Error(`${name}: ${field} follows the TAIL ${tail}`);
    const alignment = width === TAIL ? 8 : Math.min(8, width & -width);
    if (at % alignment !== 0) throw new Error(`${name}: ${field} at ${at} is not ${alignment}-byte aligned`);
    offsets[field] = at;
    if (width === TAIL) tail = field;
    at += width;
  }
  offsets.BYTES = at;
  return Object.freeze(offsets) as FixedLayout<F>;
}

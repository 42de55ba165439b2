/**
 * The load-time check of every *_descriptor.ts module: each asserts its byte layout (alignment, fields
 * that must not overlap, sizes that must agree) when it is first imported, so an offset edited wrong
 * stops the process at start, naming the layout, instead of corrupting records later.
 */

/** Throws `<layout>: <what>` unless `condition` holds. */
export type LayoutAssertion = (condition: boolean, what: string) => void;

/** The assertion of one layout; `layout` opens each message (e.g. 'journal layout'). */
export function layoutAssertion(layout: string): LayoutAssertion {
  return (condition, what) => {
    if (!condition) throw new Error(`${layout}: ${what}`);
  };
}

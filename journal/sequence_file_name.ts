/**
 * The names of the files a data directory keeps per sequence (journal segments, snapshots): the
 * sequence as 20 zero-padded digits, then the kind's suffix, so names sort in sequence order.
 */

export const SEQUENCE_NAME_DIGITS = 20;

export function sequenceFileName(sequence: number, suffix: string): string {
  return String(sequence).padStart(SEQUENCE_NAME_DIGITS, '0') + suffix;
}

/** The sequence a `<digits><suffix>` file name encodes, or -1 when the name is not one. */
export function parseSequenceFileName(name: string, suffix: string): number {
  if (!name.endsWith(suffix)) return -1;
  const digits = name.slice(0, -suffix.length);
  if (digits.length !== SEQUENCE_NAME_DIGITS || !/^[0-9]+$/.test(digits)) return -1;
  const sequence = Number(digits);
  return Number.isSafeInteger(sequence) ? sequence : -1;
}

/**
 * The start-up log line about business-logic memory: bytes preallocated per area (the part of each
 * section name before the first dot), largest first.
 *
 *   logic memory: 74.6 MiB (ledger 40.0, book 20.1, idempotency 9.0, ...)
 */
export function formatMemoryReport(report: readonly { name: string; bytes: number }[]): string {
  const areas = new Map<string, number>();
  let total = 0;
  for (const { name, bytes } of report) {
    const area = name.split('.')[0];
    areas.set(area, (areas.get(area) ?? 0) + bytes);
    total += bytes;
  }
  const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
  const parts = [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, bytes]) => `${area} ${mib(bytes)}`);
  return `logic memory: ${mib(total)} MiB (${parts.join(', ')})`;
}

/**
 * Ringline's end-to-end figures measured earlier in this bench invocation, so the peers scenario can
 * report ratios against the run made in the same invocation instead of measuring again.
 */
const figures = new Map<string, number>();

function key(transport: string, mix: string, durability: string): string {
  return `${transport}/${mix}/${durability}`;
}

export function rememberRinglineThroughput(transport: string, mix: string, durability: string, perSecond: number): void {
  figures.set(key(transport, mix, durability), perSecond);
}

export function ringlineThroughput(transport: string, mix: string, durability: string): number | undefined {
  return figures.get(key(transport, mix, durability));
}

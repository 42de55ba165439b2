import { describe, expect, it } from 'vitest';
import { startPacingTicker } from './pacing_ticker.ts';

describe('startPacingTicker', () => {
  it('calls back once per armed tick, from the event loop, until stopped', async () => {
    const ticker = await startPacingTicker(100);
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        ticks++;
        if (ticks === 20) resolve();
        else ticker.onTick(tick);
      };
      ticker.onTick(tick);
    });
    await ticker.stop();
    expect(ticks).toBe(20);
  });

  it('refuses a period that is not above 0', async () => {
    await expect(startPacingTicker(0)).rejects.toThrow(/pacing period must be above 0 µs: got 0/);
  });
});

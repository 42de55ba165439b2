/** Helpers for event subscription tests: poll for a condition, collect a subscription's events. */
import type { EventSubscription } from '../../client/event_subscription.ts';
import type { RinglineEvent } from '../../codec/records/event_decoder.ts';

/** Polls until `condition` holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Iterates the subscription in the background into the returned array (an ending error is left to sub.lastClosing). */
export function collect(sub: EventSubscription): RinglineEvent[] {
  const events: RinglineEvent[] = [];
  void (async () => {
    try {
      for await (const event of sub) events.push(event);
    } catch { /* the test looks at sub.lastClosing */ }
  })();
  return events;
}

/** An event's position as a string key. */
export const positionKey = (e: RinglineEvent): string => `${e.sequence}:${e.index}`;

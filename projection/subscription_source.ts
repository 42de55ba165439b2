/**
 * The projector's event source: the engine's `all` stream (admin key) through ringline/client's
 * EventSubscription (docs/events.md), from the position PostgreSQL holds. The subscription resumes by
 * itself across dropped connections and engine restarts; a refused key or stream ends it with the
 * reason. Nothing is acknowledged to the engine: the position that counts is the one committed.
 * Records are handed on undecoded (the projector decodes them in batches, off its main thread).
 */
import { EventSubscription } from '../client/event_subscription.ts';
import type { ClientTlsOptions } from '../client/client_transport.ts';
import type { EventSource } from './projector.ts';

export interface SubscriptionSourceOptions {
  /** ws://host:wsPort or tcp://host:eventsTcpPort (wss:// / tls:// with TLS). */
  readonly url: string;
  /** An admin principal's key: the `all` stream is for admins only. */
  readonly apiKey: string;
  readonly tls?: ClientTlsOptions;
}

export function subscriptionSource(options: SubscriptionSourceOptions): EventSource {
  return {
    async stream(after, onRecords, signal): Promise<void> {
      if (signal.aborted) return;
      const subscription = EventSubscription.open({
        url: options.url, apiKey: options.apiKey, stream: 'all', ...(options.tls === undefined ? {} : { tls: options.tls }),
        // index -1: nothing projected yet, so every event since the first command.
        from: after.index < 0 ? 'start' : { sequence: after.sequence, index: after.index },
        // A copy: the frame's bytes may be reused once the call returns.
        onRecords: (records) => { if (!signal.aborted) onRecords(records.slice()); },
      });
      const stop = (): void => subscription.close();
      signal.addEventListener('abort', stop, { once: true });
      try {
        // Nothing is queued for iteration with onRecords: this only waits for the end or the failure.
        for await (const event of subscription) void event;
      } finally {
        signal.removeEventListener('abort', stop);
        subscription.close();
      }
    },
  };
}

/**
 * Drives one RinglineClient over one TCP connection: `commands` deposits with `maxInFlight` of them
 * always outstanding (each answer sends the next), timed from the first send to the last answer.
 * Posts { ns, count, errors, gc } and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RinglineClient } from '../../client/ringline_client.ts';
import { nowNs } from '../clock.ts';
import { startGcCounter } from '../gc_counter.ts';

export interface ClientBenchRequest {
  readonly url: string;
  readonly commands: number;
  readonly maxInFlight: number;
}

export interface ClientBenchReply {
  readonly ns: number;
  readonly count: number;
  readonly errors: number;
  readonly gc: number;
}

const request = workerData as ClientBenchRequest;
const client = await RinglineClient.connect({ url: request.url, apiKey: 'bench', maxInFlight: request.maxInFlight, reconnect: false });

/** Keeps `window` commands in flight: each answer sends the next, as a pipelining application does. */
function round(count: number, window: number): Promise<{ ns: number; errors: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = 0;
    let errors = 0;
    const start = nowNs();
    const onAnswer = (r: { code: number }): void => {
      if (r.code !== 0) errors++;
      if (++answered === count) resolve({ ns: nowNs() - start, errors });
      else if (sent < count) next();
    };
    const next = (): void => {
      const i = sent++;
      client.send({ type: 'deposit', accountId: 1 + (i & 1023), assetId: 1, amount: 1 }).then(onAnswer, reject);
    };
    while (sent < Math.min(window, count)) next();
  });
}

await round(Math.min(request.commands, 50_000), request.maxInFlight); // warm-up: the optimizing compiler and the socket
const gcCounter = startGcCounter();
const measured = await round(request.commands, request.maxInFlight);
const reply: ClientBenchReply = { ns: measured.ns, count: request.commands, errors: measured.errors, gc: (await gcCounter.stop()).events };
await client.close();
parentPort?.postMessage(reply);

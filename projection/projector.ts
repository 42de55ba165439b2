/**
 * The projector: reads the engine's event stream from the position stored in PostgreSQL and writes
 * it in batched transactions (projection_writer.ts) until stopped.
 *
 *   loop: connect to PostgreSQL, apply migrations, read the stored position, subscribe to the
 *         events after it; the subscription fills a bounded queue while the writer drains it, one
 *         transaction per batch of up to maxBatchEvents (a batch closes when the queue is empty, so
 *         a quiet stream is written at once and a busy one in large batches). The queue holds the
 *         event records as they came (bytes, not objects: nothing for the garbage collector to
 *         promote while PostgreSQL is behind). Two batches overlap: while PostgreSQL commits one,
 *         the next is decoded, folded and encoded (prepareBatch) in a piscina thread
 *         (prepare_batch_worker.ts; prepareThreads 0 = on the main thread); transactions stay one
 *         after the other on one connection, in position order.
 *   any failure (PostgreSQL restarting, the engine gone, the subscription dropped for being slow, the
 *   queue over maxQueuedEvents): drop both connections, wait retryDelayMs, start the loop again from
 *   the position PostgreSQL holds. Nothing is acknowledged to anybody before it is committed, so
 *   nothing is lost, and the writer drops what the database already holds, so nothing is doubled.
 *
 * One failure is for good: the engine no longer holds the events after the stored position
 * (HISTORY_RETIRED: its journal was retired before the projector caught up). Retrying cannot help,
 * so the projector stops in state `failed` with the reason instead of retrying forever.
 *
 * Lag: `lagMs` is now − the sequencer timestamp of the last committed event while events are queued
 * (the time from the engine ordering a command to its rows being committed), 0 when caught up.
 */
import pg from 'pg';
import { Piscina } from 'piscina';
import { EVT_RECORD_BYTES } from '../codec/records/event_descriptor.ts';
import { isTypeScriptModule, runnableModuleUrl } from '../core/module_url.ts';
import { ResultCode } from '../codec/result_codes.ts';
import { EventSubscriptionError } from '../client/event_subscription.ts';
import { redactUrl } from './postgres_url.ts';
import { migrate } from './schema_migrations.ts';
import type { PreparedBatchResult } from './prepare_batch_worker.ts';
import { commitBatch, prepareBatch, readPosition, type BatchOutcome, type EventPosition, type PreparedBatch } from './projection_writer.ts';

/** Where events come from: the engine's all-events subscription (subscription_source.ts), from just after `after`. */
export interface EventSource {
  /**
   * Delivers the events after `after` as event records (codec/records/event_descriptor.ts), back to
   * back, in order, each chunk after the previous one (the callee keeps the bytes), until `signal`
   * aborts (then resolves) or the stream fails for good (then rejects with the reason).
   */
  stream(after: EventPosition, onRecords: (records: Uint8Array) => void, signal: AbortSignal): Promise<void>;
}

export interface ProjectorOptions {
  readonly postgresUrl: string;
  readonly source: EventSource;
  /** Events per transaction at most [20000]. */
  readonly maxBatchEvents?: number;
  /** Events held in memory before the subscription is dropped and resumed later [200000]. */
  readonly maxQueuedEvents?: number;
  /** Pool threads that decode, fold and encode batches (0 = the main thread) [1]. */
  readonly prepareThreads?: number;
  /** Wait before reconnecting after a failure [500 ms]. */
  readonly retryDelayMs?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface ProjectorStatus {
  readonly state: 'starting' | 'streaming' | 'retrying' | 'stopped' | 'failed';
  readonly position: EventPosition;
  readonly eventsApplied: number;
  readonly rowsWritten: number;
  readonly batches: number;
  readonly queuedEvents: number;
  readonly lagMs: number;
  readonly lastError: string;
  readonly restarts: number;
}

/** Events per transaction at most, by default: large batches commit (and fsync) less often. */
export const DEFAULT_MAX_BATCH_EVENTS = 20_000;

export class Projector {
  private state: ProjectorStatus['state'] = 'starting';
  private position: EventPosition = { sequence: 0, index: -1 };
  private eventsApplied = 0;
  private rowsWritten = 0;
  private batches = 0;
  /** Record chunks waiting, oldest first, and how many events they hold. */
  private queue: Uint8Array[] = [];
  private queuedEvents = 0;
  /** Events taken from the queue whose transaction has not committed yet. */
  private inFlightEvents = 0;
  private lastError = '';
  private restarts = 0;
  private lastCommittedTimestampUs = 0;
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;
  private readonly maxBatchEvents: number;
  private readonly maxQueuedEvents: number;
  private readonly retryDelayMs: number;
  private readonly prepareThreads: number;
  private pool: Piscina<Uint8Array, PreparedBatchResult> | null = null;

  constructor(private readonly options: ProjectorOptions) {
    this.maxBatchEvents = positiveInteger('maxBatchEvents', options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS, 1, 1_000_000);
    this.maxQueuedEvents = positiveInteger('maxQueuedEvents', options.maxQueuedEvents ?? 200_000, 1, 100_000_000);
    this.retryDelayMs = positiveInteger('retryDelayMs', options.retryDelayMs ?? 500, 0, 600_000);
    this.prepareThreads = positiveInteger('prepareThreads', options.prepareThreads ?? 1, 0, 16);
  }

  status(): ProjectorStatus {
    const waiting = this.queuedEvents + this.inFlightEvents;
    const lagMs = waiting === 0 || this.lastCommittedTimestampUs === 0 ? 0 : Math.max(0, Date.now() - this.lastCommittedTimestampUs / 1000);
    return {
      state: this.state, position: this.position, eventsApplied: this.eventsApplied, rowsWritten: this.rowsWritten, batches: this.batches,
      queuedEvents: waiting, lagMs, lastError: this.lastError, restarts: this.restarts,
    };
  }

  /** Runs until stop(). */
  start(): Promise<void> {
    if (this.running === null && this.prepareThreads > 0) {
      const entry = runnableModuleUrl(PREPARE_TASK_URL);
      this.pool = new Piscina<Uint8Array, PreparedBatchResult>({
        filename: (isTypeScriptModule(entry) ? POOL_BOOT_URL : entry).href, workerData: { entryUrl: entry.href },
        minThreads: this.prepareThreads, maxThreads: this.prepareThreads, idleTimeout: 60_000,
      });
    }
    this.running ??= this.loop();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.pool?.destroy();
    this.pool = null;
    if (this.state !== 'failed') this.state = 'stopped';
  }

  /** Takes up to maxBatchEvents events off the queue, as one run of records. */
  private takeBatch(): Uint8Array {
    const parts: Uint8Array[] = [];
    let events = 0;
    while (this.queue.length > 0 && events < this.maxBatchEvents) {
      const chunk = this.queue[0];
      const chunkEvents = chunk.byteLength / EVT_RECORD_BYTES;
      const take = Math.min(chunkEvents, this.maxBatchEvents - events);
      if (take === chunkEvents) {
        this.queue.shift();
        parts.push(chunk);
      } else {
        parts.push(chunk.subarray(0, take * EVT_RECORD_BYTES));
        this.queue[0] = chunk.subarray(take * EVT_RECORD_BYTES);
      }
      events += take;
    }
    this.queuedEvents -= events;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  private async prepare(records: Uint8Array): Promise<PreparedBatch> {
    if (this.pool === null) return prepareBatch(records);
    return { ...(await this.pool.run(records)), records };
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, message, fields);
  }

  private async loop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.session();
      } catch (error) {
        this.lastError = (error as Error).message;
        if ((error as { code?: unknown }).code === ResultCode.HISTORY_RETIRED) {
          this.state = 'failed';
          this.log('error', 'projector: the engine no longer holds the events after the stored position; keep the journal (engine option keepJournal) or rebuild the projection', { error: this.lastError, position: this.position });
          return;
        }
        this.restarts++;
        this.state = 'retrying';
        // An engine with events off (EVENTS_DISABLED) feeds nothing until restarted with them on: an error, not a hiccup.
        const disabled = error instanceof EventSubscriptionError && error.code === ResultCode.EVENTS_DISABLED;
        this.log(disabled ? 'error' : 'warn', 'projector: restarting from the stored position', { error: this.lastError, retryDelayMs: this.retryDelayMs });
      }
      this.queue = [];
      this.queuedEvents = 0;
      this.inFlightEvents = 0;
      if (!this.stopping.signal.aborted) await sleep(this.retryDelayMs, this.stopping.signal);
    }
  }

  /** One connection to PostgreSQL and one subscription, until either fails or stop(). */
  private async session(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.postgresUrl });
    let clientError: Error | null = null;
    client.on('error', (error) => { clientError = error; });
    const subscription = new AbortController();
    const abortSubscription = (): void => subscription.abort();
    this.stopping.signal.addEventListener('abort', abortSubscription);
    try {
      try {
        await client.connect();
      } catch (error) {
        throw new Error(`cannot connect to PostgreSQL at ${redactUrl(this.options.postgresUrl)}: ${(error as Error).message}`);
      }
      await migrate(client);
      const stored = await readPosition(client);
      this.position = { sequence: stored.sequence, index: stored.index };
      this.eventsApplied = stored.eventsApplied;
      this.queue = [];
      this.queuedEvents = 0;
      let wake: (() => void) | null = null;
      let streamFailure: Error | null = null;
      let streamEnded = false;
      const notify = (): void => {
        const w = wake;
        wake = null;
        w?.();
      };
      const stream = this.options.source.stream(this.position, (records) => {
        if (subscription.signal.aborted || records.byteLength === 0) return;
        this.queue.push(records);
        this.queuedEvents += records.byteLength / EVT_RECORD_BYTES;
        if (this.queuedEvents > this.maxQueuedEvents) {
          streamFailure = new Error(`more than maxQueuedEvents=${this.maxQueuedEvents} events waiting for PostgreSQL: dropping the subscription to resume later`);
          subscription.abort();
        }
        notify();
      }, subscription.signal).then(() => { streamEnded = true; notify(); }, (error: unknown) => {
        streamFailure = error instanceof Error ? error : new Error(String(error));
        notify();
      });
      this.state = 'streaming';
      this.log('info', 'projector: streaming', { after: this.position });
      // The batch PostgreSQL is committing, if any; the next one is prepared meanwhile.
      let committing: Promise<BatchOutcome> | null = null;
      let committingBatch: PreparedBatch | null = null;
      const settle = async (): Promise<void> => {
        if (committing === null || committingBatch === null) return;
        const outcome = await committing;
        const batch = committingBatch;
        committing = null;
        committingBatch = null;
        this.inFlightEvents -= batch.count;
        this.position = outcome.position;
        this.eventsApplied += outcome.applied;
        this.rowsWritten += outcome.rows;
        this.batches++;
        this.lastCommittedTimestampUs = batch.lastTimestampUs;
      };
      try {
        for (;;) {
          if (clientError !== null) throw clientError;
          // While a batch commits, a full next batch is prepared at once; a partial one waits for the
          // commit and grows meanwhile (fewer, larger transactions).
          if (committing !== null && this.queuedEvents < this.maxBatchEvents) {
            await settle();
            continue;
          }
          if (this.queuedEvents === 0) {
            if (streamFailure !== null) throw streamFailure;
            if (streamEnded || this.stopping.signal.aborted) return;
            await new Promise<void>((resolve) => { wake = resolve; });
            continue;
          }
          const records = this.takeBatch();
          this.inFlightEvents += records.byteLength / EVT_RECORD_BYTES;
          // Decoded, folded and encoded while the previous batch commits.
          const preparing = this.prepare(records);
          preparing.catch(() => undefined);
          await settle();
          const prepared = await preparing;
          if (clientError !== null) throw clientError;
          committingBatch = prepared;
          committing = commitBatch(client, prepared);
          // A rejection is taken by settle(); until then it must not count as unhandled.
          committing.catch(() => undefined);
        }
      } catch (error) {
        // Let the transaction in flight finish (it rolls back by itself on failure) before the connection closes.
        if (committing !== null) await (committing as Promise<BatchOutcome>).catch(() => undefined);
        throw error;
      } finally {
        subscription.abort();
        await stream;
      }
    } finally {
      this.stopping.signal.removeEventListener('abort', abortSubscription);
      await client.end().catch(() => undefined);
    }
  }
}

const PREPARE_TASK_URL = new URL('./prepare_batch_worker.ts', import.meta.url);
const POOL_BOOT_URL = new URL('../core/pool_worker_boot.mjs', import.meta.url);

function positiveInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`projector option ${name} must be an integer from ${min} to ${max}; got ${value}`);
  return value;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

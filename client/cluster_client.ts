/**
 * A client for a ringline cluster (`ringline start --cluster …`): give it every node; it finds the
 * leader and follows it through failover.
 *
 *   const client = await ClusterClient.connect({ nodes: ['tcp://10.0.0.1:7400', 'tcp://10.0.0.2:7400'], apiKey });
 *   const r = await client.send({ type: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: 1, amount: 5 });
 *
 * A write sent to a follower is answered NOT_LEADER with "leader=host:port": the client goes there.
 * A node that does not answer in time (dead, paused, cut off) or drops the connection is left for the
 * next one in the list. Every mutating command gets its idempotency id once, before the first try, so
 * whichever node finally answers, the command is applied exactly once. Only an answer from a node that
 * took the command resolves send(); BUSY and SHUTTING_DOWN are retried after a short pause.
 */
import { ResultCode } from '../codec/result_codes.ts';
import { isReadOnlyCommand } from '../codec/registry/command_traits.ts';
import type { CommandJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import type { ClientTlsOptions } from './client_transport.ts';
import { IdempotencyIds } from './idempotency_ids.ts';
import { RinglineClient, RinglineClientError } from './ringline_client.ts';
import { jitteredDelayMs } from './reconnect_delay.ts';

export interface ClusterClientOptions {
  /** Every node's client URL (tcp://, tls://, ws://, wss://), in any order. */
  readonly nodes: readonly string[];
  readonly apiKey: string;
  readonly tls?: ClientTlsOptions;
  /** How long a node may take to answer before the client tries another. [5000] */
  readonly answerTimeoutMs?: number;
  /** How long send() keeps trying before it rejects. [60000] */
  readonly giveUpMs?: number;
  readonly maxInFlight?: number;
}

/** Codes that mean "this node did not take the command: try again (maybe elsewhere)". */
const RETRY: ReadonlySet<number> = new Set([ResultCode.BUSY, ResultCode.SHUTTING_DOWN, ResultCode.TOO_MANY_IN_FLIGHT, ResultCode.READ_ONLY_FOLLOWER]);
const LEADER_HINT = /^leader=(.+:\d{1,5})$/;

export class ClusterClient {
  private readonly ids = new IdempotencyIds();
  private readonly nodes: string[];
  private current = 0;
  private client: RinglineClient | null = null;
  private connecting: Promise<RinglineClient> | null = null;
  private closed = false;
  /** Times a command was sent again (another node, or the same one after BUSY). */
  retries = 0;
  /** Times the client moved to another node. */
  switches = 0;

  private constructor(private readonly options: ClusterClientOptions) {
    if (options.nodes.length === 0) throw new RangeError('ClusterClient needs at least one node URL');
    for (const url of options.nodes) {
      if (!/^(tcp|tls|ws|wss):\/\/[^/]+:\d{1,5}\/?$/.test(url)) throw new RangeError(`ClusterClient node ${JSON.stringify(url)} must be tcp|tls|ws|wss://host:port`);
    }
    this.nodes = [...options.nodes];
  }

  /** Resolves once some node accepted a connection (not necessarily the leader: the first write finds it). */
  static async connect(options: ClusterClientOptions): Promise<ClusterClient> {
    const client = new ClusterClient(options);
    await client.connection(options.giveUpMs ?? 60_000);
    return client;
  }

  /** The node URL the client talks to now. */
  get node(): string {
    return this.nodes[this.current];
  }

  async send(command: CommandJson): Promise<ResponseJson> {
    if (this.closed) throw new RinglineClientError('client is closed');
    const sent: CommandJson = command.idempotencyId === undefined && !isReadOnlyCommand(command.type)
      ? { ...command, idempotencyId: this.ids.next() } : command;
    const deadline = Date.now() + (this.options.giveUpMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new RinglineClientError('client is closed');
      if (Date.now() > deadline) throw new RinglineClientError(`no leader answered ${command.type} within ${this.options.giveUpMs ?? 60_000} ms`);
      if (attempt > 0) this.retries++;
      let client: RinglineClient;
      try {
        client = await this.connection(Math.max(0, deadline - Date.now()));
      } catch {
        continue;
      }
      const answer = await Promise.race([
        client.send(sent).catch(() => null),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), this.options.answerTimeoutMs ?? 5000).unref()),
      ]);
      if (answer === null) {
        this.moveTo(null, client); // no answer in time, or the connection broke: another node
        continue;
      }
      if (answer.code === ResultCode.NOT_LEADER) {
        const hint = LEADER_HINT.exec(answer.message ?? '');
        this.moveTo(hint === null ? null : hint[1], client);
        if (hint === null) await pause(50); // an election is going on (it takes about the lease TTL)
        continue;
      }
      if (RETRY.has(answer.code)) {
        if (answer.code !== ResultCode.BUSY && answer.code !== ResultCode.TOO_MANY_IN_FLIGHT) this.moveTo(null, client);
        await pause(50);
        continue;
      }
      return answer;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.close();
  }

  /** Leaves `from` for the node at `address` (host:port, added to the list if new) or the next node. */
  private moveTo(address: string | null, from: RinglineClient): void {
    if (this.client === from) {
      this.client = null;
      void from.close();
    }
    this.switches++;
    if (address === null) {
      this.current = (this.current + 1) % this.nodes.length;
      return;
    }
    const scheme = /^(\w+):\/\//.exec(this.nodes[this.current])![1];
    const url = `${scheme}://${address}`;
    let index = this.nodes.indexOf(url);
    if (index < 0) index = this.nodes.push(url) - 1;
    this.current = index;
  }

  private connection(timeoutMs: number): Promise<RinglineClient> {
    if (this.client !== null) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const deadline = Date.now() + timeoutMs;
      try {
        for (;;) {
          try {
            this.client = await RinglineClient.connect({
              url: this.nodes[this.current], apiKey: this.options.apiKey, tls: this.options.tls, reconnect: false, busyRetries: 0,
              connectTimeoutMs: Math.min(this.options.answerTimeoutMs ?? 5000, 2000), maxInFlight: this.options.maxInFlight ?? 1024,
            });
            return this.client;
          } catch (error) {
            this.current = (this.current + 1) % this.nodes.length;
            if (Date.now() > deadline || this.closed) throw error;
            await pause(100);
          }
        }
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }
}

/** Waits about `ms` (jittered: clients that lost the same leader do not all come back at once). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, jitteredDelayMs(ms)));
}

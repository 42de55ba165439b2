/**
 * Clients for the fault-injection tests that follow the leader the way an application would: find it
 * (the leader key in etcd), send, and when the answer does not come (a dead, paused or cut-off
 * leader) or says "not here" (BUSY from a fenced leader, READ_ONLY_FOLLOWER from a follower), drop
 * the connection, find the leader again and resend the same command with the same idempotency id.
 * Only a response is an acknowledgement; the checker holds the cluster to every one of them.
 */
import { ResultCode } from '../../codec/result_codes.ts';
import type { CommandJson } from '../../codec/types/command_json.ts';
import type { ResponseJson } from '../../codec/types/response_json.ts';
import { RinglineClient } from '../../client/ringline_client.ts';
import { ADMIN_KEY, sleep } from './replication_harness.ts';

/** Codes that mean "this node did not take the command": retry it on the leader. */
const NOT_TAKEN: ReadonlySet<number> = new Set([ResultCode.BUSY, ResultCode.SHUTTING_DOWN, ResultCode.READ_ONLY_FOLLOWER, ResultCode.TOO_MANY_IN_FLIGHT]);

export class LeaderFollowingClient {
  private client: RinglineClient | null = null;
  private connecting: Promise<RinglineClient> | null = null;
  retries = 0;

  constructor(private readonly findLeader: () => Promise<string | null>, private readonly answerTimeoutMs = 3000) {}

  /** Sends until a node that leads answers (resolves with that response) or `giveUpMs` passes (rejects). */
  async send(command: CommandJson, giveUpMs = 60_000): Promise<ResponseJson> {
    const deadline = Date.now() + giveUpMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`no leader answered ${command.type} ${command.idempotencyId} within ${giveUpMs} ms`);
      let client: RinglineClient;
      try {
        client = await this.connection();
      } catch {
        await sleep(100);
        continue;
      }
      const answer = await Promise.race([
        client.send(command).catch(() => null),
        sleep(this.answerTimeoutMs).then(() => null),
      ]);
      if (answer !== null && !NOT_TAKEN.has(answer.code)) return answer;
      this.retries++;
      this.drop(client);
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.close();
  }

  private drop(client: RinglineClient): void {
    if (this.client !== client) return;
    this.client = null;
    void client.close();
  }

  private connection(): Promise<RinglineClient> {
    if (this.client !== null) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      try {
        const address = await this.findLeader();
        if (address === null) throw new Error('no leader');
        const client = await RinglineClient.connect({
          url: `tcp://${address}`, apiKey: ADMIN_KEY, maxInFlight: 64, reconnect: false, connectTimeoutMs: 2000, busyRetries: 0,
        });
        this.client = client;
        return client;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }
}

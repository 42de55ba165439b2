/** A running engine and gateway with an event TCP port, one symbol, and funded traders (event subscription tests). */
import { ADMIN_KEY, must, startE2eServer, type CommandChannel, type E2eServer } from './e2e_harness.ts';

export const BASE = 1;
export const QUOTE = 2;
export const SYMBOL = 10;

export interface Trader {
  id: number;
  key: string;
  readonly account: number;
  /** Commands as this trader (WebSocket). */
  channel: CommandChannel;
}

export interface EventWorld<N extends string> {
  readonly e2e: E2eServer;
  readonly admin: CommandChannel;
  readonly eventsTcpUrl: string;
  readonly people: Record<N, Trader>;
  stop(): Promise<void>;
}

/** Starts the server (64 KiB outbound bound: slow consumers show quickly) and a principal with a funded account per name. */
export async function startEventWorld<N extends string>(accounts: Record<N, number>): Promise<EventWorld<N>> {
  const e2e = await startE2eServer({ durability: 'fsync', gateway: { eventsTcpPort: 0, maxOutboundBytes: 64 * 1024, loginTimeoutMs: 1000 } });
  const admin = await e2e.connect('tcp', ADMIN_KEY);
  await must(admin, { type: 'createAsset', assetId: BASE });
  await must(admin, { type: 'createAsset', assetId: QUOTE });
  await must(admin, { type: 'createSymbol', symbolId: SYMBOL, baseAssetId: BASE, quoteAssetId: QUOTE, tickSize: 1, lotSize: 1 });
  const people = {} as Record<N, Trader>;
  for (const name of Object.keys(accounts) as N[]) {
    const added = e2e.addPrincipal(name);
    const channel = await e2e.connect('ws', added.key);
    const person: Trader = { id: added.id, key: added.key, account: accounts[name], channel };
    await must(channel, { type: 'createAccount', accountId: person.account });
    await must(admin, { type: 'deposit', accountId: person.account, assetId: BASE, amount: 1_000_000 });
    await must(admin, { type: 'deposit', accountId: person.account, assetId: QUOTE, amount: 1_000_000_000 });
    people[name] = person;
  }
  return {
    e2e, admin, people, eventsTcpUrl: `tcp://127.0.0.1:${e2e.server.eventsTcpPort}`,
    async stop() {
      for (const person of Object.values<Trader>(people)) await person.channel.close();
      await admin.close();
      await e2e.stop();
    },
  };
}

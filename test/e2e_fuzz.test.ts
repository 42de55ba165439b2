/**
 * Fuzz over real sockets: random and mutated frames on TCP and WebSocket (before and after login),
 * random JSON on HTTP, while well-behaved clients keep working in the same run. The bad traffic
 * changes nothing: the engine's state hash (GET_STATE_HASH) is the same before and after, every bad
 * request got an error code, and the engine still serves a real purchase at the end.
 * Inputs come from fixed fast-check seeds, so a failure reproduces.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { ResultCode } from '../codec/result_codes.ts';
import type { RequestJson } from '../codec/types/command_json.ts';
import type { ResponseJson } from '../codec/types/response_json.ts';
import { encodeFrame } from '../client/frame_decoder.ts';
import { RawTcpClient, RawWsClient, requestBytes } from '../gateway/test_support/raw_clients.ts';
import { ADMIN_KEY, balanceOf, must, startE2eServer, stateHash, type CommandChannel, type E2eServer } from './test_support/e2e_harness.ts';

const USD = 1;
const GOOD_ACCOUNT = 10;
const MERCHANT = 20;
const DEPOSIT = 50_000;
const READ_ONLY = new Set(['getBalance', 'getItem', 'getSeat', 'getOrder', 'getDepth', 'getStateHash', 'none', 'login']);
const SENTINEL_CORRELATION = 987_654;

/** Read-only requests whose mutations are the "almost valid" fuzz inputs. */
const BASE_REQUESTS: RequestJson[] = [
  { type: 'getBalance', accountId: GOOD_ACCOUNT, assetId: USD, correlationId: 17 },
  { type: 'getItem', itemId: 1, correlationId: 18 },
  { type: 'getStateHash', correlationId: 19 },
  { type: 'getSeat', eventId: 3, seat: 1, correlationId: 20 },
];

function mutated(seed: number, count: number): Uint8Array[] {
  const bases = BASE_REQUESTS.map(requestBytes);
  return fc.sample(
    fc.record({
      base: fc.nat({ max: bases.length - 1 }),
      kind: fc.constantFrom('flip', 'truncate', 'random', 'splice'),
      flips: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 7 })), { minLength: 1, maxLength: 3 }),
      cut: fc.nat(),
      noise: fc.uint8Array({ minLength: 1, maxLength: 200 }),
    }),
    { seed, numRuns: count },
  ).map(({ base, kind, flips, cut, noise }) => {
    const bytes = bases[base].slice();
    if (kind === 'flip') {
      for (const [at, bit] of flips) bytes[at % bytes.length] ^= 1 << bit;
      return bytes;
    }
    if (kind === 'truncate') return bytes.subarray(0, 1 + (cut % (bytes.length - 1)));
    if (kind === 'splice') {
      const at = cut % bytes.length;
      return Uint8Array.from([...bytes.subarray(0, at), ...noise.subarray(0, 8), ...bytes.subarray(at)]);
    }
    return noise;
  });
}

describe('fuzz over TCP, WebSocket and HTTP', () => {
  let e2e: E2eServer;
  let admin: CommandChannel;
  let goodKey = '';
  let malloryKey = '';

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync' });
    admin = await e2e.connect('tcp', ADMIN_KEY);
    await must(admin, { type: 'createAsset', assetId: USD });
    await must(admin, { type: 'createAccount', accountId: MERCHANT });
    await must(admin, { type: 'createItem', itemId: 1, merchantAccountId: MERCHANT, priceAssetId: USD, unitPrice: 7, stock: 1000 });
    goodKey = e2e.addPrincipal('good').key;
    malloryKey = e2e.addPrincipal('mallory').key;
    const good = await e2e.connect('tcp', goodKey);
    await must(good, { type: 'createAccount', accountId: GOOD_ACCOUNT });
    await good.close();
    await must(admin, { type: 'deposit', accountId: GOOD_ACCOUNT, assetId: USD, amount: DEPOSIT });
  });

  afterAll(async () => {
    await admin?.close();
    await e2e?.stop();
  });

  it('leaves the state hash unchanged and keeps serving well-behaved clients', async () => {
    const hashBefore = await stateHash(admin);
    const fuzzResponses: ResponseJson[] = [];
    let fuzzing = true;

    // Well-behaved clients on every transport, reading while the fuzz runs.
    const goodReads = { tcp: 0, ws: 0, http: 0 };
    const goodLoops = (['tcp', 'ws', 'http'] as const).map(async (transport) => {
      const channel = await e2e.connect(transport, goodKey);
      do {
        const r = await channel.send({ type: 'getBalance', accountId: GOOD_ACCOUNT, assetId: USD });
        expect(r.code).toBe(ResultCode.OK);
        expect(r.result).toEqual({ type: 'balance', available: DEPOSIT, reserved: 0 });
        goodReads[transport]++;
      } while (fuzzing);
      await channel.close();
    });

    // TCP: unauthenticated garbage streams (random bytes, including random length prefixes).
    const tcpGarbage = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 600 }), { seed: 11, numRuns: 40 }).map(async (bytes) => {
      const c = await RawTcpClient.open(e2e.server.tcpPort);
      c.sendRaw(bytes);
      c.sendRaw(encodeFrame(requestBytes({ type: 'getItem', itemId: 1 })));
      // Before login every such stream ends closed: at its first bad frame, or at the login deadline.
      await c.waitClosed(30_000);
      fuzzResponses.push(...c.responses);
      expect(c.responses.every((r) => r.code !== ResultCode.OK && r.sequence === 0)).toBe(true);
      c.close();
    });

    // TCP and WebSocket: mallory logs in, then sends mutated and random frames, then a sentinel.
    const tcpMutants = Array.from({ length: 8 }, async (_, i) => {
      const c = await RawTcpClient.open(e2e.server.tcpPort);
      c.send({ type: 'login', apiKey: malloryKey });
      c.sendRaw(Buffer.concat(mutated(100 + i, 150).map((m) => encodeFrame(m))));
      c.send({ type: 'getItem', itemId: 1, correlationId: SENTINEL_CORRELATION });
      await waitForSentinel(c);
      fuzzResponses.push(...c.responses.slice(1));
      c.close();
    });
    const wsMutants = Array.from({ length: 8 }, async (_, i) => {
      const c = await RawWsClient.open(e2e.wsUrl, { 'x-api-key': malloryKey });
      for (const m of mutated(200 + i, 150)) c.sendRaw(m);
      c.sendText('{"type":"getStateHash"}');
      c.send({ type: 'getItem', itemId: 1, correlationId: SENTINEL_CORRELATION });
      await waitForSentinel(c);
      fuzzResponses.push(...c.responses);
      c.close();
    });
    const wsGarbage = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 300 }), { seed: 13, numRuns: 10 }).map(async (bytes, i) => {
      const c = await RawWsClient.open(e2e.wsUrl);
      // Before any login the first bad message closes the connection: random bytes (VERIFY_FAILED) or a
      // message above the frame limit (FRAME_TOO_LARGE).
      c.sendRaw(i % 2 === 0 ? bytes : new Uint8Array(70 * 1024));
      await c.waitClosed(30_000);
      fuzzResponses.push(...c.responses);
      expect(c.responses.length).toBeGreaterThan(0);
    });

    // HTTP: random JSON values and malformed bodies, with mallory's key, a wrong key, and none.
    const bodies = fc.sample(fc.oneof(fc.jsonValue(), fc.string(), fc.record({ type: fc.constantFrom('buy', 'transfer', 'deposit', 'getItem', 'x'), itemId: fc.jsonValue() })), { seed: 17, numRuns: 150 });
    const httpFuzz = bodies.map(async (body, i) => {
      const key = i % 3 === 0 ? malloryKey : i % 3 === 1 ? 'wrong-key-wrong-key' : undefined;
      const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
      const path = i % 2 === 0 ? '/v1/commands' : `/v1/commands/${['buy', 'getItem', 'nope', 'deposit'][i % 4]}`;
      const res = await fetch(`${e2e.httpUrl}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
      const json = (await res.json()) as ResponseJson;
      fuzzResponses.push(json);
      expect(res.status === 200).toBe(json.code === ResultCode.OK);
    });

    await Promise.all([...tcpGarbage, ...tcpMutants, ...wsMutants, ...wsGarbage, ...httpFuzz]);
    fuzzing = false;
    await Promise.all(goodLoops);

    // Every fuzz request that reached the engine was a read-only query or a refused command.
    const reachedEngine = fuzzResponses.filter((r) => r.sequence > 0);
    const mutatingAccepted = reachedEngine.filter((r) => r.code === ResultCode.OK && !READ_ONLY.has(r.command));
    expect(mutatingAccepted).toEqual([]);
    const errorCodes = new Set(fuzzResponses.filter((r) => r.code !== 0).map((r) => r.code));
    for (const code of [ResultCode.VERIFY_FAILED, ResultCode.NOT_AUTHENTICATED, ResultCode.MALFORMED_JSON,
      ResultCode.BAD_CREDENTIALS, ResultCode.TEXT_MESSAGE_NOT_SUPPORTED, ResultCode.FRAME_TOO_LARGE]) {
      expect(errorCodes, `code ${code} seen`).toContain(code);
    }
    expect(Math.min(goodReads.tcp, goodReads.ws, goodReads.http)).toBeGreaterThan(0);
    expect(await stateHash(admin)).toBe(hashBefore);

    // The engine still serves real work.
    const good = await e2e.connect('tcp', goodKey);
    const buy = await good.send({ type: 'buy', itemId: 1, buyerAccountId: GOOD_ACCOUNT, quantity: 2 });
    expect(buy.code).toBe(ResultCode.OK);
    expect(buy.result).toMatchObject({ stock: 998, sold: 2 });
    expect(await balanceOf(admin, GOOD_ACCOUNT, USD)).toBe(DEPOSIT - 14);
    await good.close();
  });
});

async function waitForSentinel(c: RawTcpClient | RawWsClient): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!c.closed && !c.responses.some((r) => r.correlationId === SENTINEL_CORRELATION)) {
    if (Date.now() > deadline) throw new Error(`no sentinel reply; ${c.responses.length} replies so far`);
    await c.waitFor(c.responses.length + 1, 15_000);
  }
}

/**
 * The operator console over plain HTTP against a real engine: the login exchanges an admin key for an
 * HttpOnly SameSite=Strict cookie (non-admin and unknown keys are refused, the key is never echoed),
 * the stream needs that cookie, frames arrive at the console's rate and carry the registry's families
 * (so a histogram added later appears without code change), order books come from one GET_DEPTH and then
 * the market stream (no further query while it is live), and the pages forbid inline script and framing.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_LIMITS } from '../gateway/console/console_login_limiter.ts';
import { ADMIN_KEY, must, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';
import { readConsoleFrames, consoleLogin } from '../perf/load/console_stream_client.ts';

/** POST /console/login from a chosen source address (127.0.0.0/8 is all loopback on Linux). */
function loginFrom(httpUrl: string, key: string, localAddress: string): Promise<{ status: number; retryAfter: string | undefined; cookie: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams({ key }).toString();
    const req = request(`${httpUrl}/console/login`, {
      method: 'POST', localAddress, agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], cookie: res.headers['set-cookie']?.[0], body: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET_DEPTH commands the engine has received, from /metrics. */
async function getDepthQueries(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('ringline_commands_total{') && l.includes('command="GET_DEPTH"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('operator console over HTTP', () => {
  let e2e: E2eServer;

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync' });
    const admin = await e2e.connect('tcp', ADMIN_KEY);
    await must(admin, { type: 'createAsset', assetId: 1 });
    await must(admin, { type: 'createAsset', assetId: 2 });
    await must(admin, { type: 'createSymbol', symbolId: 7, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 });
    await must(admin, { type: 'createAccount', accountId: 10 });
    await must(admin, { type: 'deposit', accountId: 10, assetId: 2, amount: 1_000_000 });
    await must(admin, { type: 'deposit', accountId: 10, assetId: 1, amount: 1_000_000 });
    await must(admin, { type: 'placeOrder', symbolId: 7, accountId: 10, price: 99, quantity: 5, side: 'buy' });
    await must(admin, { type: 'placeOrder', symbolId: 7, accountId: 10, price: 101, quantity: 3, side: 'sell' });
    await admin.close();
  }, 60_000);

  afterAll(async () => {
    await e2e?.stop();
  });

  it('shows a login form without the key anywhere, with a strict content security policy', async () => {
    const response = await fetch(`${e2e.httpUrl}/console`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('action="/console/login"');
    expect(html).toContain('type="password"');
    expect(html).not.toContain('<script');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses unknown and non-admin keys, and the stream without a login', async () => {
    const unknown = await fetch(`${e2e.httpUrl}/console/login`, { method: 'POST', body: new URLSearchParams({ key: 'nope-not-a-key' }), redirect: 'manual' });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('set-cookie')).toBeNull();
    expect(await unknown.text()).not.toContain('nope-not-a-key');
    const user = e2e.addPrincipal('console-user');
    const nonAdmin = await fetch(`${e2e.httpUrl}/console/login`, { method: 'POST', body: new URLSearchParams({ key: user.key }), redirect: 'manual' });
    expect(nonAdmin.status).toBe(403);
    expect(await nonAdmin.text()).toContain('ADMIN_REQUIRED');
    const stream = await fetch(`${e2e.httpUrl}/console/stream`);
    expect(stream.status).toBe(401);
    const forged = await fetch(`${e2e.httpUrl}/console/stream`, { headers: { cookie: 'ringline_console=forged' } });
    expect(forged.status).toBe(401);
    const tooBig = await fetch(`${e2e.httpUrl}/console/login`, { method: 'POST', body: `key=${'x'.repeat(10_000)}`, redirect: 'manual' });
    expect(tooBig.status).toBe(413);
  });

  it('throttles a key guesser (429, Retry-After, even for the right key) while a correct login from elsewhere still works', async () => {
    const guesser = '127.0.0.2';
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAddressBurst; i++) {
      const wrong = await loginFrom(e2e.httpUrl, `guess-${i}`, guesser);
      expect(wrong.status).toBe(401);
    }
    const braked = await loginFrom(e2e.httpUrl, 'guess-next', guesser);
    expect(braked.status).toBe(429);
    expect(Number(braked.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(braked.body).toContain('LOGIN_RATE_LIMITED');
    // The right key from the braked address is not even looked at: the guesser learns nothing.
    const rightButBraked = await loginFrom(e2e.httpUrl, ADMIN_KEY, guesser);
    expect(rightButBraked.status).toBe(429);
    expect(rightButBraked.cookie).toBeUndefined();
    const elsewhere = await loginFrom(e2e.httpUrl, ADMIN_KEY, '127.0.0.3');
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.cookie).toMatch(/^ringline_console=/);
  });

  it('logs an admin in with an HttpOnly SameSite=Strict cookie scoped to /console, and out again', async () => {
    const response = await fetch(`${e2e.httpUrl}/console/login`, { method: 'POST', body: new URLSearchParams({ key: ADMIN_KEY }), redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^ringline_console=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/console');
    expect(cookie).not.toContain(ADMIN_KEY);
    const session = cookie.split(';')[0];
    const page = await fetch(`${e2e.httpUrl}/console`, { headers: { cookie: session } });
    expect(await page.text()).toContain('src="/console/app.js"');
    const logout = await fetch(`${e2e.httpUrl}/console/logout`, { method: 'POST', headers: { cookie: session }, redirect: 'manual' });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${e2e.httpUrl}/console/stream`, { headers: { cookie: session } })).status).toBe(401);
  });

  it('streams frames at the console rate with the registry families, rates and the watched book', async () => {
    const cookie = await consoleLogin(e2e.httpUrl, ADMIN_KEY);
    const bad = await fetch(`${e2e.httpUrl}/console/stream?symbols=1,x`, { headers: { cookie } });
    expect(bad.status).toBe(400);
    const frames = await readConsoleFrames(e2e.httpUrl, cookie, '7', (all) => all.length >= 6 && all.at(-1)?.books.length === 1);
    const last = frames.at(-1);
    if (last === undefined) throw new Error('no frame');
    expect(last.intervalMs).toBe(1000);
    // A fixed rate: frames about a second apart (the median; one late tick on a busy machine is no failure).
    const gaps = frames.slice(1).map((f, i) => f.atMs - frames[i].atMs).sort((a, b) => a - b);
    const medianGap = gaps[Math.floor(gaps.length / 2)];
    expect(medianGap, `gaps ${gaps.join(',')} ms`).toBeGreaterThanOrEqual(800);
    expect(medianGap, `gaps ${gaps.join(',')} ms`).toBeLessThan(8000);
    for (const name of ['ringline_commands_applied_total', 'ringline_sequence', 'ringline_ring_lag_records', 'ringline_journal_fsync_seconds',
      'ringline_command_latency_seconds', 'ringline_connections_open', 'ringline_gc_pause_seconds_total', 'ringline_results_total']) {
      expect(last.families[name], name).toBeDefined();
    }
    expect(last.families.ringline_commands_applied_total.type).toBe('counter');
    expect(last.families.ringline_command_latency_seconds.type).toBe('histogram');
    expect((last.families.ringline_commands_applied_total.series[0] as { rate: number | null }).rate).not.toBeNull();
    // The engine's process uses CPU while it streams: the process families are read, not left stale.
    const cpu = frames.map((f) => (f.families.process_cpu_seconds_total?.series[0] as { value: number } | undefined)?.value ?? 0);
    expect(cpu.at(-1), `process_cpu_seconds_total over the frames: ${cpu.join(',')}`).toBeGreaterThan(cpu[0]);
    // ...and its rate is computed against the previous reading's own values (prom-client updates its in place).
    const cpuRates = frames.slice(1).map((f) => (f.families.process_cpu_seconds_total?.series[0] as { rate: number | null } | undefined)?.rate ?? 0);
    expect(Math.max(...cpuRates), `process CPU rates ${cpuRates.join(',')}`).toBeGreaterThan(0);
    expect(last.books[0]).toMatchObject({ symbolId: 7, code: 0, bids: [[99, 5]], asks: [[101, 3]] });
    expect(last.health).toMatchObject({ status: 'ok' });
    // Nothing streams once the console is gone.
    const deadline = Date.now() + 20_000;
    while (e2e.server.console.subscriberCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(e2e.server.console.subscriberCount).toBe(0);
  });

  it('answers an unknown symbol with its result code, not an error', async () => {
    const cookie = await consoleLogin(e2e.httpUrl, ADMIN_KEY);
    const frames = await readConsoleFrames(e2e.httpUrl, cookie, '4242', (all) => (all.at(-1)?.books.length ?? 0) === 1);
    expect(frames.at(-1)?.books[0]).toMatchObject({ symbolId: 4242, status: 'SYMBOL_NOT_FOUND', bids: [], asks: [] });
  });

  it('lists a watched symbol\'s latest trades from the market stream, newest first, without account or order ids', async () => {
    const cookie = await consoleLogin(e2e.httpUrl, ADMIN_KEY);
    let trading: Promise<void> | null = null;
    const trade = async (): Promise<void> => {
      const admin = await e2e.connect('tcp', ADMIN_KEY);
      await must(admin, { type: 'createAccount', accountId: 11 });
      await must(admin, { type: 'deposit', accountId: 11, assetId: 2, amount: 1_000_000 });
      await must(admin, { type: 'placeOrder', symbolId: 7, accountId: 11, price: 101, quantity: 1, side: 'buy' });
      await must(admin, { type: 'placeOrder', symbolId: 7, accountId: 11, price: 101, quantity: 2, side: 'buy' });
      await admin.close();
    };
    const frames = await readConsoleFrames(e2e.httpUrl, cookie, '7', (all) => {
      const symbol = all.at(-1)?.trades[0];
      // The first frame that says the symbol's market subscription is live: trade now.
      if (trading === null && symbol?.unavailable === '') trading = trade();
      return (symbol?.trades.length ?? 0) >= 2;
    });
    await trading;
    const symbol = frames.at(-1)?.trades[0];
    expect(symbol?.symbolId).toBe(7);
    expect(symbol?.unavailable).toBe('');
    expect(symbol?.trades.map((t) => [t.price, t.quantity, t.takerSide])).toEqual([[101, 2, 'buy'], [101, 1, 'buy']]);
    const [newest, older] = symbol?.trades ?? [];
    expect(newest.sequence).toBeGreaterThan(older.sequence);
    expect(Object.keys(newest).sort()).toEqual(['price', 'quantity', 'sequence', 'takerSide', 'timestampUs']);
  });

  it('keeps the watched book current from the market stream, asking the engine no GET_DEPTH while the stream is live', async () => {
    const cookie = await consoleLogin(e2e.httpUrl, ADMIN_KEY);
    let queriesAtLive: number | null = null;
    let framesAtLive = 0;
    let placing: Promise<void> | null = null;
    const frames = await readConsoleFrames(e2e.httpUrl, cookie, '7', (all) => {
      const live = all.at(-1)?.trades[0]?.unavailable === '';
      if (live && placing === null) {
        // The stream is live: count the queries from here, then change the book.
        placing = getDepthQueries(e2e.httpUrl).then(async (n) => {
          queriesAtLive = n;
          framesAtLive = all.length;
          const admin = await e2e.connect('tcp', ADMIN_KEY);
          await must(admin, { type: 'placeOrder', symbolId: 7, accountId: 10, price: 97, quantity: 4, side: 'buy' });
          await admin.close();
        });
      }
      // Four frames (four of the feed's once-a-second polls, were it polling) after the change shows.
      const changed = all.findIndex((f) => f.books[0]?.bids.some(([price]) => price === 97));
      return changed >= 0 && all.length >= changed + 4 && all.length >= framesAtLive + 4;
    });
    await placing;
    const book = frames.at(-1)?.books[0];
    expect(book?.code).toBe(0);
    expect(book?.bids).toContainEqual([97, 4]);
    // No GET_DEPTH since the stream went live: neither the console's poll nor the hub asked again.
    expect(await getDepthQueries(e2e.httpUrl)).toBe(queriesAtLive);
  });
});

/**
 * The attack against a real `ringline start` child process with --max-connections 20:
 * hundreds of connections that never log in (slowloris: a byte at a time, never a whole frame), some
 * sending a 64 KiB frame before login, some sending garbage — while 20 real clients log in and work.
 * The authenticated clients all get in and are served; every hostile connection is closed by the
 * login deadline (bytes do not extend it), the pre-login frame limit, or its first invalid frame.
 */
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ResultCode } from '../codec/result_codes.ts';
import { RinglineClient } from '../client/ringline_client.ts';
import { encodeFrame } from '../client/frame_decoder.ts';
import { RawTcpClient } from '../gateway/test_support/raw_clients.ts';

const CLI = fileURLToPath(new URL('../cli/ringline.mjs', import.meta.url));
const ADMIN_KEY = 'hostile-test-admin-key-0123456789';
const LOGIN_TIMEOUT_MS = 1500;

describe('hostile clients against a real engine process', () => {
  it('slowloris, oversized and garbage pre-login connections do not keep 20 real clients out', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringline-hostile-'));
    const child = spawn(process.execPath, [CLI, 'start', '--data', dataDir, '--tcp-port', '0', '--ws-port', '0', '--durability', 'batch',
      '--max-connections', '20', '--login-timeout-ms', String(LOGIN_TIMEOUT_MS), '--max-pre-login-per-address', '200'], {
      env: { ...process.env, RINGLINE_ADMIN_KEY: ADMIN_KEY }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const hostile: Socket[] = [];
    try {
      const deadline = Date.now() + 60_000;
      let match: RegExpMatchArray | null = null;
      while ((match = /TCP listening on [\d.]+:(\d+)/.exec(stdout)) === null) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no listening line; stdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const port = Number(match[1]);

      // 150 slowloris connections from one address, 150 from another: each announces a small frame
      // and sends one byte of it every 200 ms, for longer than the login deadline.
      const closedAt = new Map<Socket, number>();
      const opened = Date.now();
      for (let i = 0; i < 300; i++) {
        const socket = connect({ host: '127.0.0.1', port, localAddress: i < 150 ? '127.0.0.2' : '127.0.0.3' });
        socket.on('error', () => undefined);
        socket.once('close', () => closedAt.set(socket, Date.now()));
        socket.once('connect', () => socket.write(Buffer.from([200, 0, 0, 0])));
        hostile.push(socket);
      }
      const trickle = setInterval(() => {
        for (const s of hostile) if (!s.destroyed) s.write(Buffer.from([0x41]));
      }, 200);
      // Oversized and garbage first frames are closed at once with their reason.
      const big = await RawTcpClient.open(port, '127.0.0.4');
      big.sendRaw(encodeFrame(new Uint8Array(64 * 1024)));
      const junk = await RawTcpClient.open(port, '127.0.0.4');
      junk.sendRaw(encodeFrame(Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9])));

      // Meanwhile 20 real clients (the whole --max-connections) log in and work.
      const clients = await Promise.all(Array.from({ length: 20 }, () =>
        RinglineClient.connect({ url: `tcp://127.0.0.1:${port}`, apiKey: ADMIN_KEY, connectTimeoutMs: 30_000 })));
      expect((await clients[0].send({ type: 'createAsset', assetId: 1 })).code).toBe(ResultCode.OK);
      const answers = await Promise.all(clients.map((c, i) => c.send({ type: 'createAccount', accountId: 100 + i })));
      expect(answers.map((a) => a.code)).toEqual(answers.map(() => ResultCode.OK));
      // A 21st authenticated connection is refused at login (authenticated connections are what the limit counts).
      const extra = await RawTcpClient.open(port);
      extra.send({ type: 'login', apiKey: ADMIN_KEY, correlationId: 0 });
      await extra.waitClosed();
      expect(extra.responses.map((r) => r.code)).toEqual([ResultCode.TOO_MANY_CONNECTIONS]);
      await big.waitClosed();
      await junk.waitClosed();
      expect(big.responses.map((r) => r.code)).toEqual([ResultCode.FRAME_TOO_LARGE]);
      expect(junk.responses.map((r) => r.code)).toEqual([ResultCode.VERIFY_FAILED]);

      // Every slowloris connection is closed by the deadline, however it trickles.
      const closeDeadline = Date.now() + 60_000;
      while (closedAt.size < hostile.length && Date.now() < closeDeadline) await new Promise((r) => setTimeout(r, 50));
      clearInterval(trickle);
      expect(closedAt.size).toBe(hostile.length);
      expect(Math.min(...closedAt.values()) - opened).toBeGreaterThanOrEqual(LOGIN_TIMEOUT_MS);
      // ...and the real clients are still there and served.
      const after = await Promise.all(clients.map((c, i) => c.send({ type: 'getBalance', accountId: 100 + i, assetId: 1 })));
      expect(after.map((a) => a.code)).toEqual(after.map(() => ResultCode.OK));
      const metrics = await (await fetch(`http://127.0.0.1:${/WebSocket \+ HTTP\/JSON listening on [\d.]+:(\d+)/.exec(stdout)?.[1]}/metrics`)).text();
      expect(metrics).toMatch(/ringline_disconnects_total{reason="login_timeout"} (\d+)/);
      expect(Number(/ringline_disconnects_total{reason="login_timeout"} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(300);
      for (const c of clients) await c.close();
    } finally {
      for (const s of hostile) s.destroy();
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

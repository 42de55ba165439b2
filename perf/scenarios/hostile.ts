/**
 * hostile: the engine in a child process (fsync, default gateway limits, open-file soft limit raised
 * to the hard limit with `ulimit -n` in its wrapper shell) keeps serving an authenticated client while thousands
 * of connections that never log in hold the door.
 *
 * Two engines run side by side, idle while the other is measured: `door` (this checkout, its default:
 * the pre-login door process holds connections until they log in, gateway/pre_login_door.ts) and a
 * baseline: this checkout with `--pre-login-door inline` (the gateway thread holds them, as before the
 * door), or, when RINGLINE_BENCH_BASE_ROOT names another checkout (e.g. an export of main e241f58 with
 * its node_modules), that checkout's engine, labelled RINGLINE_BENCH_BASE_LABEL. RINGLINE_BENCH_BASE_ARGS
 * gives the baseline other `ringline start` flags (e.g. `--pre-login-door-policy idle`: the same door
 * under SCHED_IDLE).
 *
 * Each run measures, on each engine, three phases back to back (engines and phases in alternating
 * order, A/B interleaved):
 *   unloaded       one authenticated TCP client sends getBalance, one in flight, for the phase.
 *   worker-thread  the same while the generator, a worker thread of this bench process (how the bench
 *                  measured before), holds `hostile` connections from 64 loopback source addresses
 *                  (127.0.1.x), each announcing a frame just under the pre-login limit and trickling
 *                  it one byte a second, reopening whatever the server closes (5 s login deadline).
 *   process-nice19 the same attack from a separate process under `nice -n 19`: an attacker is not on
 *                  the engine's machine; its CPU and GC then yield to the engine's threads. Both
 *                  generator setups are in every run, so the figure is not bought by the method.
 * Each attack has two parts, reported apart: the storm (from the generator's start until the server
 * reports, GET /health preLoginConnections, that it holds HOLD_TARGET: ~10,000 connects in a few
 * seconds) and the held phase (measured for the phase's length from then on); the generator stops
 * after it and the next phase waits until its connections are gone.
 *
 * Per phase: the client's latency histogram, a fresh client's connect + login time (one every 500 ms:
 * what the attack costs a client that has not logged in yet), the engine's RSS (/proc/PID/status, sampled; its door
 * process's added), the CPU time of the gateway thread (the engine's main thread,
 * /proc/PID/task/PID/stat), of the whole engine process, of the door process and of the generator
 * process, and the time the engine's threads waited for a core (schedstat), each per second of the
 * phase: work the attack gives the engine shows as CPU, contention for the two cores as waiting. Rows: one per engine and phase (the run
 * with the median p99); the attack rows' conditions give the pre-login connections held, the RSS
 * growth, each run's p99 ÷ that run's unloaded p99 on the same engine and their median, the CPU
 * figures, and the load average. The target of issue 17: ≥ 10,000 held, RSS growth ≤ 100 MB, p99
 * within 2×.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { isTypeScriptModule, runnableModuleUrl } from '../../core/module_url.ts';
import { spawnWorker } from '../../core/spawn_worker.ts';
import { RinglineClient } from '../../client/ringline_client.ts';
import { benchContext } from '../bench_context.ts';
import { nowNs } from '../clock.ts';
import { median } from '../median.ts';
import { startEngineProcess, type EngineProcess } from '../engine/engine_process.ts';
import { createLatencyHistogram } from '../histogram.ts';
import type { HostileStats } from '../load/hostile_worker.ts';
import type { ResultRow, ScenarioRun } from '../result_row.ts';

const SOURCE_ADDRESSES = Array.from({ length: 64 }, (_, i) => `127.0.1.${i + 1}`);
const PER_ADDRESS = 160; // 10,240 in all; under the default 256 per address
const HOLD_TARGET = 10_000;
/**
 * Every this often a new client connects and logs in (then closes) beside the measured one: what the
 * attack, and the door's low priority, cost a client that is not logged in yet. Twice a second, in
 * every phase alike, so its own cost to the measured client is the same unloaded and attacked.
 */
const LOGIN_PROBE_MS = 500;
const LOGIN_PROBE_TIMEOUT_MS = 10_000;
const GENERATOR_URL = new URL('../load/hostile_worker.ts', import.meta.url);
const PHASES = ['unloaded', 'worker-thread', 'process-nice19'] as const;
type PhaseName = (typeof PHASES)[number];
const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Phase {
  readonly row: ResultRow;
  readonly p99Us: number;
  /** A fresh client's connect + login round trip, one every LOGIN_PROBE_MS of the phase (ms each), and the ones that failed. */
  readonly loginMs: readonly number[];
  readonly loginFailures: number;
  /** CPU ms per second of the phase: the gateway thread, the door process, the generator process (NaN: not measured). */
  readonly gatewayCpuMsPerS: number;
  readonly doorCpuMsPerS: number;
  readonly generatorCpuMsPerS: number;
  /**
   * The door's CPU per connection the generator opened in the phase (µs; NaN: no door or no attack):
   * its cost per unit of attack, which a busy machine does not bend as it bends ms/s (a starved door
   * at nice +10 churns fewer connections a second).
   */
  readonly doorCpuUsPerConnection: number;
  /** CPU ms per second of the whole engine process (every thread: gateway, logic, journaler, ...). */
  readonly engineCpuMsPerS: number;
  /**
   * ms per second the engine's threads were runnable but waiting for a core (/proc/PID/task/TID/schedstat,
   * summed over its threads): contention for the machine's cores, as opposed to work the attack gives them.
   */
  readonly engineRunQueueWaitMsPerS: number;
}

/** The connection storm: the client measured from the generator's start until the server holds HOLD_TARGET. */
interface Storm {
  readonly p99Us: number;
  readonly durationMs: number;
}

interface Target {
  readonly label: string;
  readonly engine: EngineProcess;
  readonly client: RinglineClient;
  readonly phases: Map<PhaseName, Phase[]>;
  readonly storms: Map<PhaseName, Storm[]>;
  readonly held: number[];
  rssBeforeMb: number;
  rssPeakMb: number;
  /** The door process's part of the RSS figures (0 without a door). */
  doorRssBeforeMb: number;
  doorRssPeakMb: number;
}

export const run: ScenarioRun = async (options) => {
  const phaseMs = options.mode === 'full' ? 20_000 : 6_000;
  // The engine holds one descriptor per connection: raise its soft limit to the hard limit (a process
  // cannot go beyond that without CAP_SYS_RESOURCE; 10,240 + a few hundred must fit).
  const openFileLimit = Number(execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || 65_536;
  if (openFileLimit < SOURCE_ADDRESSES.length * PER_ADDRESS + 1024) {
    throw new Error(`hostile: the open-file hard limit (${openFileLimit}) is below the ${SOURCE_ADDRESSES.length * PER_ADDRESS} connections + 1024 needed; raise it (ulimit -Hn as root)`);
  }
  const baseRoot = process.env.RINGLINE_BENCH_BASE_ROOT ?? '';
  // RINGLINE_BENCH_BASE_ARGS: the baseline's `ringline start` flags instead of `--pre-login-door inline`
  // (e.g. `--pre-login-door-policy idle`: this checkout's door under another scheduling policy).
  const baseArgsText = (process.env.RINGLINE_BENCH_BASE_ARGS ?? '').trim();
  const baseArgs = baseArgsText === '' ? (baseRoot === '' ? ['--pre-login-door', 'inline'] : []) : baseArgsText.split(/\s+/);
  const baseLabel = baseRoot === '' && baseArgsText === '' ? 'inline' : (process.env.RINGLINE_BENCH_BASE_LABEL ?? 'base');
  const targets: Target[] = [];
  let attack: Attack | null = null;
  try {
    for (const [label, extraArgs, repoRoot] of [
      ['door', [], undefined],
      [baseLabel, baseArgs, baseRoot === '' ? undefined : baseRoot],
    ] as const) {
      const engine = await startEngineProcess({
        durability: 'fsync', profileDir: benchContext().profileDir, log: options.log, maxOpenFiles: openFileLimit, extraArgs,
        ...(repoRoot === undefined ? {} : { repoRoot }),
      });
      const target: Target = { label, engine, client: null as unknown as RinglineClient, phases: new Map(), storms: new Map(), held: [], rssBeforeMb: 0, rssPeakMb: 0, doorRssBeforeMb: 0, doorRssPeakMb: 0 };
      targets.push(target);
      const client = await RinglineClient.connect({ url: `tcp://${engine.host}:${engine.tcpPort}`, apiKey: engine.adminKey, maxInFlight: 1 });
      (target as { client: RinglineClient }).client = client;
      await client.send({ type: 'createAsset', assetId: 1 });
      await client.send({ type: 'createAccount', accountId: 1 });
      await client.send({ type: 'deposit', accountId: 1, assetId: 1, amount: 1000 });
      await measureClient(client, 1000); // warm-up
      const doorPid = findDoorPid(engine.pid);
      target.doorRssBeforeMb = doorPid === 0 ? 0 : rssMb(doorPid);
      target.rssBeforeMb = rssMb(engine.pid) + target.doorRssBeforeMb;
      target.rssPeakMb = target.rssBeforeMb;
      target.doorRssPeakMb = target.doorRssBeforeMb;
    }
    const loadAverages: number[] = [];
    for (let r = 0; r < options.runs; r++) {
      const engineOrder = r % 2 === 0 ? targets : [...targets].reverse();
      for (const target of engineOrder) {
        const phaseOrder = r % 2 === 0 ? PHASES : [...PHASES].reverse();
        for (const name of phaseOrder) {
          await until(async () => (await preLoginHeld(target.engine)) === 0, 30_000, 'the hostile connections to close');
          if (name !== 'unloaded') {
            attack = await startAttack(target.engine, name);
            const storm = await measureStorm(target, attack);
            target.storms.set(name, [...(target.storms.get(name) ?? []), storm]);
            options.log(`hostile: run ${r + 1}/${options.runs} ${target.label} ${name} storm: ${HOLD_TARGET} held after ${storm.durationMs} ms, p99 ${storm.p99Us.toFixed(0)} µs`);
          }
          const phase = await measurePhase(target, phaseMs, attack, name !== 'unloaded');
          if (attack !== null) await attack.stop();
          attack = null;
          const list = target.phases.get(name) ?? [];
          list.push(phase);
          target.phases.set(name, list);
          loadAverages.push(loadavg()[0]);
          options.log(`hostile: run ${r + 1}/${options.runs} ${target.label} ${name}: p99 ${phase.p99Us.toFixed(0)} µs, gateway thread ` +
            `${phase.gatewayCpuMsPerS.toFixed(0)} ms/s, engine ${fmt(phase.engineCpuMsPerS)} ms/s (waiting for a core ${fmt(phase.engineRunQueueWaitMsPerS)} ms/s), ` +
            `door ${fmt(phase.doorCpuMsPerS)} ms/s, generator ${fmt(phase.generatorCpuMsPerS)} ms/s, load average ${loadavg()[0].toFixed(2)}`);
        }
      }
    }
    const loadAverage = [Math.min(...loadAverages), median(loadAverages), Math.max(...loadAverages)].map((x) => x.toFixed(2)).join(' / ');
    const rows: ResultRow[] = [];
    for (const target of targets) {
      const unloaded = target.phases.get('unloaded') ?? [];
      const common = {
        engine: target.label, durability: 'fsync', client: 'getBalance, 1 in flight, TCP', phaseMs, runs: options.runs,
        order: 'A/B interleaved, engines and phases alternating', loadAverage1mMinMedianMax: loadAverage,
      };
      rows.push({
        ...medianRow(unloaded), case: `${target.label} unloaded`,
        conditions: { ...common, ...cpuConditions(unloaded), p99UsPerRun: unloaded.map((p) => Math.round(p.p99Us)).join(' '), loginMsP50P99Max: loginFigures(unloaded) },
      });
      for (const name of PHASES.slice(1)) {
        const attacked = target.phases.get(name) ?? [];
        const ratios = attacked.map((p, i) => p.p99Us / (unloaded[i]?.p99Us ?? Number.NaN));
        const storms = target.storms.get(name) ?? [];
        const stormRatios = storms.map((st, i) => st.p99Us / (unloaded[i]?.p99Us ?? Number.NaN));
        // The gateway thread's CPU the attack itself costs: what it used less what the client's requests
        // cost it unloaded (per request, same run and engine): a slowed client sends fewer requests.
        const attackCpu = attacked.map((p, i) => {
          const u = unloaded[i];
          return u === undefined ? Number.NaN : p.gatewayCpuMsPerS - (u.gatewayCpuMsPerS / (u.row.throughput_per_s ?? Number.NaN)) * (p.row.throughput_per_s ?? Number.NaN);
        });
        const heldMin = Math.min(...target.held);
        const heldMean = Math.round(target.held.reduce((a, b) => a + b, 0) / Math.max(1, target.held.length));
        options.log(`hostile: ${target.label} ${name}: held min ${heldMin} mean ${heldMean}; RSS +${(target.rssPeakMb - target.rssBeforeMb).toFixed(1)} MB (door +${(target.doorRssPeakMb - target.doorRssBeforeMb).toFixed(1)}); ` +
          `per-run p99 ratios ${ratios.map((x) => x.toFixed(2)).join(' ')}, median ${median(ratios).toFixed(2)}×; gateway thread ` +
          `${median(attacked.map((p) => p.gatewayCpuMsPerS)).toFixed(0)} ms/s vs ${median(unloaded.map((p) => p.gatewayCpuMsPerS)).toFixed(0)} unloaded; ` +
          `the attack's share ${attackCpu.map(fmt).join(' ')} ms/s (median ${fmt(medianOf(attackCpu))}); door ${fmt(medianOf(attacked.map((p) => p.doorCpuMsPerS)))} ms/s, ` +
          `${fmt(medianOf(attacked.map((p) => p.doorCpuUsPerConnection)))} µs per connection; ` +
          `engine ${fmt(medianOf(attacked.map((p) => p.engineCpuMsPerS)))} vs ${fmt(medianOf(unloaded.map((p) => p.engineCpuMsPerS)))} ms/s unloaded, waiting for a core ` +
          `${fmt(medianOf(attacked.map((p) => p.engineRunQueueWaitMsPerS)))} vs ${fmt(medianOf(unloaded.map((p) => p.engineRunQueueWaitMsPerS)))} ms/s; ` +
          `storm p99 ratios ${stormRatios.map((x) => x.toFixed(2)).join(' ')}, median ${median(stormRatios).toFixed(2)}× (${storms.map((st) => st.durationMs).join(' ')} ms to ${HOLD_TARGET} held); ` +
          `login ms p50/p99/max (failed) ${loginFigures(attacked)} vs ${loginFigures(unloaded)} unloaded`);
        rows.push({
          ...medianRow(attacked), case: `${target.label} ${name}`,
          conditions: {
            ...common, generator: name === 'worker-thread' ? 'worker thread of the bench process' : 'separate process, nice -n 19',
            hostileConnections: SOURCE_ADDRESSES.length * PER_ADDRESS, sourceAddresses: SOURCE_ADDRESSES.length,
            trickle: '1 byte/s, frame never completed', loginTimeoutMs: 5000, preLoginHeldMin: heldMin, preLoginHeldMean: heldMean,
            rssBeforeMb: round1(target.rssBeforeMb), rssPeakMb: round1(target.rssPeakMb), rssGrowthMb: round1(target.rssPeakMb - target.rssBeforeMb),
            doorRssGrowthMb: round1(target.doorRssPeakMb - target.doorRssBeforeMb),
            ...cpuConditions(attacked), gatewayThreadAttackCpuMsPerSPerRun: attackCpu.map(fmt).join(' '),
            p99UsPerRun: attacked.map((p) => Math.round(p.p99Us)).join(' '), p99VsUnloadedPerRun: ratios.map((x) => x.toFixed(2)).join(' '),
            p99VsUnloaded: Math.round(median(ratios) * 100) / 100, engineOpenFileLimit: openFileLimit,
            stormP99UsPerRun: storms.map((st) => Math.round(st.p99Us)).join(' '), stormP99VsUnloadedPerRun: stormRatios.map((x) => x.toFixed(2)).join(' '),
            stormP99VsUnloaded: Math.round(median(stormRatios) * 100) / 100, stormMsToHoldPerRun: storms.map((st) => st.durationMs).join(' '),
            loginMsP50P99Max: loginFigures(attacked), loginMsP50P99MaxUnloaded: loginFigures(unloaded),
          },
        });
      }
    }
    return rows;
  } finally {
    if (attack !== null) await attack.stop();
    for (const target of targets) {
      await target.client?.close().catch(() => undefined);
      await target.engine.stop();
    }
  }
};

interface Attack {
  /** CPU ms the generator process has used so far (NaN for a worker thread: it shares this process). */
  cpuMs(): number;
  /** Connections the generator has established so far. */
  opened(): number;
  /** The generator's last stats, for an error message. */
  describe: () => string;
  /** Stops the generator (its sockets are destroyed); resolves with the connections it made. */
  stop(): Promise<number>;
}

/** Starts the generator (measureStorm waits until the server holds HOLD_TARGET of its connections). */
async function startAttack(engine: EngineProcess, mode: Exclude<PhaseName, 'unloaded'>): Promise<Attack> {
  const spec = {
    host: engine.host, port: engine.tcpPort, addresses: SOURCE_ADDRESSES, perAddress: PER_ADDRESS, trickleMs: 1000,
    announcedFrameBytes: 1000,
  };
  let stats: HostileStats = { type: 'stats', open: 0, opened: 0, closed: 0, errors: 0 };
  let attack: Attack;
  if (mode === 'worker-thread') {
    const worker: Worker = spawnWorker(GENERATOR_URL, spec);
    worker.on('message', (m: HostileStats) => { stats = m; });
    attack = {
      cpuMs: () => Number.NaN,
      opened: () => stats.opened,
      describe: () => '',
      stop: async () => {
        worker.postMessage({ type: 'stop' });
        await sleep(200);
        await worker.terminate();
        return stats.opened;
      },
    };
  } else {
    const entry = runnableModuleUrl(GENERATOR_URL);
    const child: ChildProcess = spawn('nice', ['-n', '19', process.execPath, ...(isTypeScriptModule(entry) ? ['--import', 'tsx'] : []),
      fileURLToPath(entry), JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.on('message', (m: HostileStats) => { stats = m; });
    attack = {
      cpuMs: () => processCpuMs(child.pid ?? 0),
      opened: () => stats.opened,
      describe: () => '',
      stop: async () => {
        if (child.connected) child.send({ type: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
        return stats.opened;
      },
    };
  }
  attack.describe = () => JSON.stringify(stats);
  return attack;
}

/**
 * The storm: the client's latency from the generator's start until the server holds HOLD_TARGET
 * (10,000 connects in a few seconds, each accepted, admitted and read); held is polled alongside.
 */
async function measureStorm(target: Target, attack: Attack): Promise<Storm> {
  const started = Date.now();
  const state = { done: false };
  const polling = (async () => {
    try {
      await until(async () => (await preLoginHeld(target.engine)) >= HOLD_TARGET, 60_000, `the server to hold ${HOLD_TARGET} pre-login connections`);
    } finally {
      state.done = true;
    }
  })();
  const measured = await measureClientWhile(target.client, () => !state.done);
  try {
    await polling;
  } catch (error) {
    await attack.stop();
    throw new Error(`${(error as Error).message} (generator: ${attack.describe()})`);
  }
  return { p99Us: measured.p99Us, durationMs: Date.now() - started };
}

/** One phase on one engine: the client's latency, and the CPU the gateway thread, the door and the generator used meanwhile. */
async function measurePhase(target: Target, phaseMs: number, attack: Attack | null, attacked: boolean): Promise<Phase> {
  const pid = target.engine.pid;
  const doorPid = findDoorPid(pid);
  const startedNs = nowNs();
  const gateway0 = processCpuMs(pid, pid);
  const engine0 = processCpuMs(pid);
  const wait0 = runQueueWaitMs(pid);
  const door0 = doorPid === 0 ? Number.NaN : processCpuMs(doorPid);
  const generator0 = attack?.cpuMs() ?? Number.NaN;
  const opened0 = attack?.opened() ?? Number.NaN;
  const sampler = sampleWhile(target.engine, doorPid, attacked ? target.held : [], (mb, doorMb) => {
    target.rssPeakMb = Math.max(target.rssPeakMb, mb);
    target.doorRssPeakMb = Math.max(target.doorRssPeakMb, doorMb);
  });
  let probing = true;
  const logins = probeLogins(target.engine, () => probing);
  const measured = await measureClient(target.client, phaseMs);
  probing = false;
  await sampler.stop();
  const { loginMs, loginFailures } = await logins;
  const seconds = (nowNs() - startedNs) / 1e9;
  const doorCpuMs = processCpuMs(doorPid) - door0;
  return {
    ...measured,
    loginMs,
    loginFailures,
    gatewayCpuMsPerS: (processCpuMs(pid, pid) - gateway0) / seconds,
    doorCpuMsPerS: doorCpuMs / seconds,
    doorCpuUsPerConnection: (doorCpuMs * 1000) / ((attack?.opened() ?? Number.NaN) - opened0),
    generatorCpuMsPerS: ((attack?.cpuMs() ?? Number.NaN) - generator0) / seconds,
    engineCpuMsPerS: (processCpuMs(pid) - engine0) / seconds,
    engineRunQueueWaitMsPerS: (runQueueWaitMs(pid) - wait0) / seconds,
  };
}

/** Connects and logs in a new client every LOGIN_PROBE_MS while `going()`: each round trip's ms, and the failures. */
async function probeLogins(engine: EngineProcess, going: () => boolean): Promise<{ loginMs: number[]; loginFailures: number }> {
  const loginMs: number[] = [];
  let loginFailures = 0;
  while (going()) {
    const startedNs = nowNs();
    try {
      const client = await RinglineClient.connect({
        url: `tcp://${engine.host}:${engine.tcpPort}`, apiKey: engine.adminKey, maxInFlight: 1, connectTimeoutMs: LOGIN_PROBE_TIMEOUT_MS,
      });
      loginMs.push((nowNs() - startedNs) / 1e6);
      await client.close();
    } catch {
      loginFailures++;
    }
    await sleep(Math.max(0, LOGIN_PROBE_MS - (nowNs() - startedNs) / 1e6));
  }
  return { loginMs, loginFailures };
}

/** The login probes of all runs of a phase: "p50 / p99 / max (failed)" in ms. */
function loginFigures(phases: readonly Phase[]): string {
  const all = phases.flatMap((p) => p.loginMs).sort((a, b) => a - b);
  const at = (q: number): string => (all.length === 0 ? '–' : all[Math.min(all.length - 1, Math.floor(q * all.length))].toFixed(1));
  return `${at(0.5)} / ${at(0.99)} / ${all.length === 0 ? '–' : all[all.length - 1].toFixed(1)} (${phases.reduce((a, p) => a + p.loginFailures, 0)} of ${all.length + phases.reduce((a, p) => a + p.loginFailures, 0)} failed)`;
}

/** ms the threads of `pid` have waited on a run queue (runnable, no core free) so far: schedstat's second field, summed. */
function runQueueWaitMs(pid: number): number {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      } catch { /* the thread exited */ }
    }
  } catch {
    return Number.NaN;
  }
  return ns / 1e6;
}

/** utime + stime of a process (all its threads), or of one thread `tid` of it, in ms (NaN when it is gone). */
function processCpuMs(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3 of stat): utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** The engine's pre-login door process (a child whose command line names it), or 0. */
function findDoorPid(enginePid: number): number {
  try {
    for (const tid of readdirSync(`/proc/${enginePid}/task`)) {
      for (const child of readFileSync(`/proc/${enginePid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '')) {
        if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('pre_login_door')) return Number(child);
      }
    }
  } catch { /* no door (the baseline, or it exited) */ }
  return 0;
}

function cpuConditions(phases: readonly Phase[]): Record<string, string> {
  const per = (pick: (p: Phase) => number): string => phases.map((p) => fmt(pick(p))).join(' ');
  return {
    gatewayThreadCpuMsPerSPerRun: per((p) => p.gatewayCpuMsPerS),
    doorCpuMsPerSPerRun: per((p) => p.doorCpuMsPerS),
    generatorCpuMsPerSPerRun: per((p) => p.generatorCpuMsPerS),
    doorCpuUsPerConnectionPerRun: per((p) => p.doorCpuUsPerConnection),
    engineCpuMsPerSPerRun: per((p) => p.engineCpuMsPerS),
    engineRunQueueWaitMsPerSPerRun: per((p) => p.engineRunQueueWaitMsPerS),
  };
}

/** The median of the measured values (NaN: not measured), or NaN when none was. */
function medianOf(values: readonly number[]): number {
  const measured = values.filter((x) => !Number.isNaN(x));
  return measured.length === 0 ? Number.NaN : median(measured);
}

function fmt(x: number): string {
  return Number.isNaN(x) ? '–' : x.toFixed(0);
}

/** Samples the pre-login connections held and the engine's RSS (its door's included) every 500 ms until stop(). */
function sampleWhile(engine: EngineProcess, doorPid: number, held: number[], rss: (mb: number, doorMb: number) => void): { stop: () => Promise<void> } {
  let sampling = true;
  const done = (async () => {
    while (sampling) {
      held.push(await preLoginHeld(engine));
      const doorMb = doorPid === 0 ? 0 : rssMb(doorPid);
      rss(rssMb(engine.pid) + doorMb, doorMb);
      await sleep(500);
    }
  })();
  return { stop: async () => { sampling = false; await done; } };
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`hostile: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** The row of the run with the median p99 (its latency percentiles and throughput as they were). */
function medianRow(phases: readonly Phase[]): ResultRow {
  const sorted = [...phases].sort((a, b) => a.p99Us - b.p99Us);
  const row = sorted[Math.floor((sorted.length - 1) / 2)].row;
  return { ...row, errors: phases.reduce((a, p) => a + p.row.errors, 0) };
}

/** Sends getBalance one at a time for `ms`; returns the latency row and its p99. */
async function measureClient(client: RinglineClient, ms: number): Promise<{ row: ResultRow; p99Us: number }> {
  const endNs = nowNs() + ms * 1e6;
  return measureClientWhile(client, () => nowNs() < endNs);
}

/** Sends getBalance one at a time while `going()`; returns the latency row and its p99. */
async function measureClientWhile(client: RinglineClient, going: () => boolean): Promise<{ row: ResultRow; p99Us: number }> {
  const histogram = createLatencyHistogram();
  let errors = 0;
  const started = nowNs();
  let count = 0;
  for (let t = nowNs(); going(); count++) {
    const r = await client.send({ type: 'getBalance', accountId: 1, assetId: 1 });
    const after = nowNs();
    histogram.recordNs(after - t);
    if (r.code !== 0) errors++;
    t = after;
  }
  const latency = histogram.percentilesUs();
  return {
    row: {
      scenario: 'hostile', case: '', conditions: {}, throughput_per_s: Math.round(count / ((nowNs() - started) / 1e9)),
      latency_us: latency, gc_events: null, errors,
    },
    p99Us: latency?.p99 ?? 0,
  };
}

/**
 * Pre-login connections the server holds, from GET /health (a few fields; a /metrics scrape costs the
 * gateway more and more with every connection, and would be measured as the attack's cost).
 */
async function preLoginHeld(engine: EngineProcess): Promise<number> {
  const health = (await (await fetch(`http://${engine.host}:${engine.wsPort}/health`)).json()) as { preLoginConnections?: number };
  return health.preLoginConnections ?? 0;
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) / 1024;
  } catch {
    return 0; // gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

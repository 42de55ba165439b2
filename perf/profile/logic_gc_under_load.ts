/**
 * GC events and pauses in the engine's business-logic and journaler threads under a long, steady stream
 * of small batches: an engine in process (default capacities, snapshots every 2M commands as by default),
 * fed transfers 32 at a time, each group sent once the previous one is answered (tens of thousands of
 * batches a second, as an open-loop client produces). Prints one line per run.
 *
 *   node --import tsx perf/profile/logic_gc_under_load.ts [--commands N] [--runs N] [--durability none|fsync]
 *
 * Each run is a fresh child process, alternating `reducer-off` (the engine as shipped:
 * engine/worker_heap_flags.ts turns V8's memory reducer off for the worker threads) and `reducer-on`
 * (the same engine with the reducer left on, as before), so both are measured in the same minutes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { CommandSpec } from '../../core/logic/test_support/command_writer.ts';
import { publishCommand } from '../engine/publish_command.ts';
import { DEFAULT_LOGIC_CONFIG } from '../../core/logic/state_machine.ts';
import { startEngine } from '../../engine/engine.ts';
import { applyWorkerHeapFlags } from '../../engine/worker_heap_flags.ts';
import type { Durability } from '../../journal/journal_options.ts';

const IN_FLIGHT = 32;
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const commands = Number(option('--commands', '4000000'));
const runs = Number(option('--runs', '4'));
const durabilityArg = option('--durability', 'none');
const variant = option('--variant', '');
if (!Number.isInteger(commands) || commands < 100_000) throw new RangeError(`--commands must be an integer ≥ 100000, got ${option('--commands', '')}`);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new RangeError(`--runs must be 1 … 50, got ${option('--runs', '')}`);
if (durabilityArg !== 'none' && durabilityArg !== 'fsync') throw new RangeError(`--durability must be none or fsync, got ${durabilityArg}`);
const durability: Durability = durabilityArg;

if (variant === '') {
  for (let run = 0; run < runs; run++) {
    for (const v of run % 2 === 0 ? ['reducer-off', 'reducer-on'] : ['reducer-on', 'reducer-off']) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url),
        '--variant', v, '--commands', String(commands), '--durability', durability], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (child.status !== 0) throw new Error(`${v} run ${run + 1} failed with ${child.status ?? child.signal}`);
    }
  }
} else {
  if (variant !== 'reducer-off' && variant !== 'reducer-on') throw new RangeError(`--variant must be reducer-off or reducer-on, got ${variant}`);
  if (variant === 'reducer-on') {
    applyWorkerHeapFlags(); // marks the flags applied, so startEngine leaves them alone …
    setFlagsFromString('--memory-reducer'); // … and the workers keep V8's default
  }
  await measure(variant);
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function measure(label: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-logic-gc-'));
  const engine = await startEngine({
    dataDir, logic: DEFAULT_LOGIC_CONFIG, journal: { durability }, log: () => undefined,
    onFatal: (error) => { console.error(error); process.exit(1); },
  });
  try {
    let answered = 0;
    engine.onResult(() => { answered++; });
    let id = 0;
    const setup: CommandSpec[] = [
      { kind: 'createAsset', assetId: 1 }, { kind: 'createAccount', accountId: 1 }, { kind: 'createAccount', accountId: 2 },
      { kind: 'deposit', accountId: 1, assetId: 1, amount: 2 ** 50 },
    ];
    for (const spec of setup) while (publishCommand(engine, spec, ++id, true) < 0) await turn();
    while (answered < setup.length) await turn();
    // Start-up collections are not the steady state's. The logic thread, idle here, delivers GC entries
    // within ~1 s, and its start-up major collection (finished in a foreground task, which runs when the
    // thread returns to its event loop) can end seconds after start under load: the window opens after 5 s.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const transfer: CommandSpec = { kind: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: 1, amount: 1 };
    const before = engine.metrics();
    const t0 = performance.now();
    for (let sent = 0; sent < commands;) {
      for (let j = 0; j < IN_FLIGHT && sent < commands && publishCommand(engine, transfer, ++id, false) >= 0; j++) sent++;
      while (answered < setup.length + sent) await turn();
    }
    const seconds = (performance.now() - t0) / 1000;
    // The last GC entries reach the counters: the idle logic thread returns to its event loop within ~1 s.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = engine.metrics();
    const logicGc = after.gcEvents.logic - before.gcEvents.logic;
    const journalerGc = after.gcEvents.journaler - before.gcEvents.journaler;
    console.log(`${label} durability=${durability} ${commands} commands ${(commands / seconds / 1000).toFixed(0)}k/s ` +
      `batches=${after.logic.batches - before.logic.batches} snapshots=${after.logic.snapshots - before.logic.snapshots} ` +
      `logic gc=${logicGc} (${(after.gcPauseMs.logic - before.gcPauseMs.logic).toFixed(1)} ms) ` +
      `journaler gc=${journalerGc} (${(after.gcPauseMs.journaler - before.gcPauseMs.journaler).toFixed(1)} ms)`);
  } finally {
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

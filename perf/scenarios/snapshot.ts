/**
 * snapshot: what a snapshot costs the business-logic thread at the default capacities (the whole
 * state preallocated, ~93 MiB), before and after the snapshot shadow.
 *
 *   stop-the-world  what the logic thread used to do at each snapshot: exportState() (a copy of every
 *                   section) + stateHash(), timed in this process on a default-capacity state machine
 *   logic-pause     an engine (in process, real threads, durability none) under a stream of commands,
 *                   SNAPSHOT every SNAPSHOT_EVERY commands: the logic thread's own measured pause per
 *                   snapshot (it only posts "snapshot at N"), max over the run, while the shadow
 *                   replays the journal and writes each snapshot in its own thread
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CommandSpec } from '../../core/logic/test_support/command_writer.ts';
import { publishCommand } from '../engine/publish_command.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from '../../core/logic/state_machine.ts';
import { startEngine } from '../../engine/engine.ts';
import { median } from '../median.ts';
import type { ResultRow, ScenarioRun } from '../result_row.ts';

const SNAPSHOT_EVERY = 50_000;

export const run: ScenarioRun = async (options) => {
  const snapshots = options.mode === 'full' ? 10 : 4;
  // 1. The old pause: copy and hash the whole state on the calling thread.
  const sm = createStateMachine(DEFAULT_LOGIC_CONFIG);
  const stateMiB = sm.memoryReport().reduce((sum, r) => sum + r.bytes, 0) / 2 ** 20;
  const stopTheWorldUs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    sm.exportState();
    sm.stateHash();
    stopTheWorldUs.push(Math.round((performance.now() - t0) * 1000));
  }
  options.log(`stop-the-world export + hash of ${stateMiB.toFixed(1)} MiB: ${stopTheWorldUs.join(', ')} µs`);

  // 2. The shadow: the logic only posts the request.
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-bench-snapshot-'));
  const lines: string[] = [];
  const engine = await startEngine({
    dataDir, logic: DEFAULT_LOGIC_CONFIG, journal: { durability: 'none' }, snapshotEveryCommands: 0,
    log: (line) => lines.push(line), onFatal: (error) => options.log(`engine failed: ${error.message}`),
  });
  try {
    engine.onResult(() => undefined);
    let id = 0;
    const setup: CommandSpec[] = [
      { kind: 'createAsset', assetId: 1 }, { kind: 'createAccount', accountId: 1 }, { kind: 'createAccount', accountId: 2 },
      { kind: 'deposit', accountId: 1, assetId: 1, amount: 2 ** 50 },
    ];
    for (const spec of setup) while (publishCommand(engine, spec, id, true) < 0) await new Promise((r) => setImmediate(r));
    for (let s = 0; s < snapshots; s++) {
      for (let i = 0; i < SNAPSHOT_EVERY;) {
        if (publishCommand(engine, { kind: 'transfer', fromAccountId: 1, toAccountId: 2, assetId: 1, amount: 1 }, ++id, false) >= 0) i++;
        else await new Promise((r) => setImmediate(r));
        if (i % 256 === 0) await new Promise((r) => setImmediate(r));
      }
      while (publishCommand(engine, { kind: 'snapshot' }, ++id, true) < 0) await new Promise((r) => setImmediate(r));
    }
    const deadline = Date.now() + 300_000;
    while (lines.filter((l) => l.includes('snapshot at sequence')).length < snapshots && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const written = lines.filter((l) => l.includes('snapshot at sequence'));
    for (const l of lines) options.log(l);
    const figure = (re: RegExp): number => Math.max(0, ...written.map((l) => Number(re.exec(l)?.[1] ?? 0)));
    const m = engine.metrics().logic;
    const row: ResultRow = {
      scenario: 'snapshot',
      case: 'logic-pause',
      conditions: {
        state_mib: Math.round(stateMiB * 10) / 10, logic: 'default capacities', durability: 'none', snapshots: m.snapshots,
        snapshots_written: written.length, commands_between: SNAPSHOT_EVERY, logic_pause_us_max: m.snapshotPauseUsMax,
        stop_the_world_export_and_hash_us: median(stopTheWorldUs), shadow_catch_up_ms_max: figure(/in ([\d.]+) ms and wrote/),
        shadow_write_ms_max: figure(/wrote \d+ bytes in ([\d.]+) ms/), snapshot_file_bytes_max: figure(/wrote (\d+) bytes/),
      },
      throughput_per_s: null,
      latency_us: null,
      gc_events: null,
      errors: snapshots - written.length,
    };
    options.log(`logic pause per snapshot: max ${m.snapshotPauseUsMax} µs over ${m.snapshots} snapshots (stop-the-world would be ${median(stopTheWorldUs)} µs)`);
    return [row];
  } finally {
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

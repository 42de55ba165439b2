/**
 * The `fdatasync-floor` cases of e2e-tcp: what the device and file system under the bench's journal
 * directory (os.tmpdir(), where every bench engine's data directory is made) charge for one small
 * write + fdatasync, with no engine: the least an fsync-mode reply can wait for its group commit.
 *
 *   fdatasync-floor            appending 4 KiB per fdatasync to a growing file, as the journal does: the
 *                              file's size changes, so each fdatasync also commits the file system's
 *                              journal (ext4: jbd2), shared with every other writer of the file system
 *   fdatasync-floor-overwrite  rewriting 4 KiB blocks of a file written and synced beforehand: data only,
 *                              no metadata to commit (what a pre-written journal segment would pay)
 *
 * A rate-50k (fsync) row's p99 cannot be below its floor's p99: a command waits for the end of the
 * fdatasync in progress when it arrives, then for its own.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLatencyHistogram, type LatencyHistogram } from '../histogram.ts';
import { median, medianRun } from '../median.ts';
import { publishCurve } from '../report/curve_store.ts';
import type { ResultRow, ScenarioOptions } from '../result_row.ts';

const WRITE_BYTES = 4096;

type FloorMode = 'append' | 'overwrite';

/** write + fdatasync `count` times into a fresh file of `dir`; the latency of each pair. */
function measureFloor(dir: string, mode: FloorMode, count: number): LatencyHistogram {
  const file = path.join(dir, `floor-${mode}`);
  const block = Buffer.alloc(WRITE_BYTES, 0x5a);
  const fd = openSync(file, 'w');
  const histogram = createLatencyHistogram();
  try {
    if (mode === 'overwrite') {
      const chunk = Buffer.alloc(1 << 20);
      for (let written = 0; written < count * WRITE_BYTES; written += chunk.length) writeSync(fd, chunk, 0, chunk.length, written);
      fdatasyncSync(fd);
    }
    for (let i = 0; i < count; i++) {
      const start = process.hrtime.bigint();
      writeSync(fd, block, 0, WRITE_BYTES, i * WRITE_BYTES);
      fdatasyncSync(fd);
      histogram.recordNs(Number(process.hrtime.bigint() - start));
    }
  } finally {
    closeSync(fd);
  }
  return histogram;
}

export async function fdatasyncFloorRows(options: ScenarioOptions): Promise<ResultRow[]> {
  const count = options.mode === 'full' ? 10_000 : 2000;
  const rows: ResultRow[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ringline-bench-fdatasync-'));
  try {
    for (const mode of ['append', 'overwrite'] as const) {
      const name = mode === 'append' ? 'fdatasync-floor' : 'fdatasync-floor-overwrite';
      const runs: LatencyHistogram[] = [];
      const perSecond: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        const started = process.hrtime.bigint();
        const h = measureFloor(dir, mode, count);
        perSecond.push(count / (Number(process.hrtime.bigint() - started) / 1e9));
        const p = h.percentilesUs();
        options.log(`${name} run ${i + 1}/${options.runs}: p50 ${p?.p50} µs, p99 ${p?.p99} µs, max ${p?.max} µs`);
        runs.push(h);
      }
      const chosen = medianRun(runs, (h) => h.valueAtPercentileNs(99));
      publishCurve('e2e-tcp', name, chosen.percentileCurve());
      rows.push({
        scenario: 'e2e-tcp',
        case: name,
        conditions: {
          what: mode === 'append' ? 'write + fdatasync, appending to a growing file (as the journal does)' : 'write + fdatasync, rewriting a pre-written file',
          write_bytes: WRITE_BYTES, fdatasyncs: count, dir: os.tmpdir(), runs: options.runs, engine: 'none',
        },
        throughput_per_s: Math.round(median(perSecond)),
        latency_us: chosen.percentilesUs(),
        gc_events: null,
        errors: 0,
      });
      for (const h of runs) h.destroy();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

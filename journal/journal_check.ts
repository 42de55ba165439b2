/**
 * Checks every frame of a journal (length, CRC-32, contiguous sequences) with its segments spread over
 * a piscina pool, one task per segment, then joins the results in sequence order: a segment must
 * start right after the one before it ends, and only the newest may end inside a frame (a torn tail,
 * which recovery cuts; anywhere else it is corruption).
 *
 * What the pool buys: a journal of many segments is checked on as many cores as the machine gives
 * (segments are independent: a read, a CRC per frame, nothing shared), and the calling thread stays
 * free while it runs. On a 2-core machine the gain is at most 2× and less when the engine or the page
 * cache needs the cores; `npm run bench -- replay` measures it beside the serial check (`verify-crc`).
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { isTypeScriptModule, runnableModuleUrl } from '../core/module_url.ts';
import { checkSegment, type SegmentCheck } from './segment_check.ts';
import { listSegments, type SegmentFile } from './segment_files.ts';
import { SegmentReader } from './segment_reader.ts';

const TASK_URL = new URL('./segment_check_worker.ts', import.meta.url);
const POOL_BOOT_URL = new URL('../core/pool_worker_boot.mjs', import.meta.url);

export interface JournalCheck {
  readonly segments: readonly SegmentCheck[];
  readonly frames: number;
  readonly bytes: number;
  readonly lastSequence: number;
  /** Each problem found, naming the file (empty: the journal is sound). A torn tail of the newest segment is not one. */
  readonly problems: readonly string[];
  /** The newest segment ends inside a frame (recovery cuts it there). */
  readonly tornTail: boolean;
  readonly threads: number;
  readonly durationMs: number;
}

export interface JournalCheckOptions {
  /**
   * Pool threads (1 checks on the calling thread, without a pool). Default: one per core, at most one
   * per segment, and 1 for a journal under POOL_MIN_BYTES (starting the pool would cost more than it saves).
   */
  readonly threads?: number;
}

/**
 * Below this much journal the check runs on the calling thread by default: measured on 2 cores, the
 * serial check reads ~1.6 GiB/s (warm page cache), and a pool takes some 30–60 ms to start (compiled).
 */
export const POOL_MIN_BYTES = 128 * 1024 * 1024;

export async function checkJournal(dataDir: string, options: JournalCheckOptions = {}): Promise<JournalCheck> {
  const started = performance.now();
  const segments = listSegments(dataDir);
  const bytes = segments.reduce((sum, s) => sum + fileBytes(s.path), 0);
  const threads = options.threads ?? (bytes < POOL_MIN_BYTES ? 1 : Math.max(1, Math.min(availableParallelism(), segments.length)));
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`threads must be an integer in [1, 256], got ${threads}`);
  const checks = threads === 1 ? checkSerially(segments) : await checkInPool(segments, threads);
  return { ...joinChecks(checks), threads, durationMs: performance.now() - started };
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // gone since it was listed: its check reports it
  }
}

function checkSerially(segments: readonly SegmentFile[]): SegmentCheck[] {
  const reader = new SegmentReader();
  return segments.map((s) => checkSegment(s, reader));
}

async function checkInPool(segments: readonly SegmentFile[], threads: number): Promise<SegmentCheck[]> {
  const entry = runnableModuleUrl(TASK_URL);
  const pool = new Piscina<SegmentFile, SegmentCheck>({
    filename: (isTypeScriptModule(entry) ? POOL_BOOT_URL : entry).href,
    workerData: { entryUrl: entry.href },
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  });
  try {
    return await Promise.all(segments.map((s) => pool.run({ path: s.path, name: s.name, firstSequence: s.firstSequence })));
  } finally {
    await pool.destroy();
  }
}

/** Joins per-segment checks (oldest first) into the journal's verdict. */
export function joinChecks(checks: readonly SegmentCheck[]): Omit<JournalCheck, 'threads' | 'durationMs'> {
  const problems: string[] = [];
  let tornTail = false;
  let frames = 0;
  let bytes = 0;
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i];
    frames += c.frames;
    bytes += c.bytes;
    const newest = i === checks.length - 1;
    if (c.status === 'bad') problems.push(`${c.path}: ${c.problem}`);
    else if (c.status === 'torn' && newest) tornTail = true;
    else if (c.status === 'torn') problems.push(`${c.path}: ends inside a frame but is not the newest segment (${c.problem})`);
    if (i > 0 && c.firstSequence !== checks[i - 1].lastSequence + 1 && checks[i - 1].status === 'ok') {
      problems.push(`${c.path}: starts at sequence ${c.firstSequence}, but the segment before ends at ${checks[i - 1].lastSequence}`);
    }
  }
  return { segments: checks, frames, bytes, lastSequence: checks.at(-1)?.lastSequence ?? -1, problems, tornTail };
}

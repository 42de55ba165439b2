/**
 * What the scripts that fetch Debian packages share (ensure_etcd.ts, ensure_chromium.ts): running a
 * command and keeping its output for the error message, and apt options that keep package lists and
 * downloads inside a cache folder so that no root is needed.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface RunResult { status: number | null; output: string }

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Runs a command; status null when it could not be started (output then says why). */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error !== undefined) return { status: null, output: result.error.message };
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Runs a command; throws `<who>: \`command args\` failed (exit N):` and the output's tail otherwise. */
export function runOrThrow(who: string, command: string, args: readonly string[], options: RunOptions = {}): string {
  const result = runCommand(command, args, options);
  if (result.status !== 0) throw new Error(`${who}: \`${command} ${args.join(' ')}\` failed (exit ${result.status}):\n${result.output.slice(-4000)}`);
  return result.output;
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** apt options that keep package lists and downloads in `cacheDir` (no root needed). */
export function privateAptOptions(cacheDir: string): string[] {
  const lists = join(cacheDir, 'apt-lists');
  const archives = join(cacheDir, 'apt-cache');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  mkdirSync(join(archives, 'archives', 'partial'), { recursive: true });
  return ['-o', `Dir::State::Lists=${lists}`, '-o', `Dir::Cache=${archives}`, '-o', 'Debug::NoLocking=1'];
}

/** What `path --version` prints when `path` is an executable that runs and exits 0; null otherwise. */
export function versionOutput(path: string): string | null {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return null;
  }
  const result = runCommand(path, ['--version']);
  return result.status === 0 ? result.output : null;
}

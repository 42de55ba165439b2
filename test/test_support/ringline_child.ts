/**
 * `ringline <args>` in a child process with stdout and stderr piped (as a service manager or a log
 * collector runs it), its output collected, and a helper to wait for a line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RINGLINE_CLI = fileURLToPath(new URL('../../cli/ringline.mjs', import.meta.url));

export interface RinglineChild {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when a signal ended it: see expectExit). */
  readonly exited: Promise<number | null>;
  /**
   * Waits for the exit and fails unless it was `code`, naming the signal if one ended the process and
   * quoting the end of its output (a bare `expected null to be 0` says nothing about why).
   */
  expectExit(code: number): Promise<void>;
  /** Polls stdout until `find` returns a value; fails after `timeoutMs` or when the process exits. */
  waitFor<T>(find: (stdout: string) => T | null | undefined, timeoutMs?: number): Promise<T>;
}

export function spawnRingline(args: readonly string[], env: NodeJS.ProcessEnv): RinglineChild {
  const child = spawn(process.execPath, [RINGLINE_CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  let endedBy: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => {
    endedBy = signal;
    resolve(code);
  }));
  return {
    child, exited, stdout: () => stdout, stderr: () => stderr,
    async expectExit(expected: number): Promise<void> {
      const code = await exited;
      if (code === expected) return;
      const how = code === null ? `was ended by ${endedBy ?? 'a signal'}` : `exited with ${code}`;
      throw new Error(`ringline ${args[0]} ${how}, expected exit code ${expected}; ` +
        `stderr (last 4 KiB):\n${stderr.slice(-4096)}\nstdout (last 4 KiB):\n${stdout.slice(-4096)}`);
    },
    async waitFor<T>(find: (text: string) => T | null | undefined, timeoutMs = 60_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = find(stdout);
        if (found !== null && found !== undefined) return found;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`ringline ${args[0]}: not found in time; stdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/**
 * Runs `ringline <args>` to its end without blocking this process's event loop (a spawnSync would:
 * meanwhile the test's pooled HTTP connections miss the server closing them, and the next fetch on
 * one fails).
 */
export async function runRingline(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const run = spawnRingline(args, env);
  const status = await run.exited;
  return { status, stdout: run.stdout(), stderr: run.stderr() };
}

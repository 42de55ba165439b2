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
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Polls stdout until `find` returns a value; fails after `timeoutMs` or when the process exits. */
  waitFor<T>(find: (stdout: string) => T | null | undefined, timeoutMs?: number): Promise<T>;
}

export function spawnRingline(args: readonly string[], env: NodeJS.ProcessEnv): RinglineChild {
  const child = spawn(process.execPath, [RINGLINE_CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, exited, stdout: () => stdout, stderr: () => stderr,
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

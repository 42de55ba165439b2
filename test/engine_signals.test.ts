import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { tempDataDir } from './test_support/engine_fixture.ts';

const CHILD = fileURLToPath(new URL('./test_support/engine_signal_child.ts', import.meta.url));

describe('SIGTERM drains the engine', () => {
  it('a process under load exits 0 after every published command got its result', async () => {
    const data = tempDataDir();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, data.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      const exited = once(child, 'exit');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('ready')) resolve();
        });
        child.once('exit', () => reject(new Error(`child exited before ready: ${stderr}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 200)); // let load build up
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(stderr).toContain('SIGTERM received: draining');
      expect(code, stderr).toBe(0);
      const match = /published=(\d+) received=(\d+)/.exec(stdout);
      expect(match, stdout).not.toBeNull();
      expect(Number(match![1])).toBeGreaterThan(1);
      expect(Number(match![2])).toBe(Number(match![1]));
    } finally {
      data.remove();
    }
  });
});

import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const codecDir = fileURLToPath(new URL('.', import.meta.url));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('codec/generated', () => {
  it('is exactly what `npm run codegen` produces from codec/ringline.fbs (run it after editing the schema)', () => {
    const out = mkdtempSync(join(tmpdir(), 'ringline-codegen-'));
    try {
      execFileSync(process.execPath, [join(codecDir, 'codegen.mjs'), '--out', out], { stdio: 'pipe' });
      const committed = join(codecDir, 'generated');
      const fresh = listFiles(out);
      expect(fresh.length).toBeGreaterThan(40);
      expect(listFiles(committed)).toEqual(fresh);
      for (const file of fresh) {
        expect(readFileSync(join(committed, file), 'utf8'), file).toBe(readFileSync(join(out, file), 'utf8'));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

/**
 * ringline's version, read from the package.json above this file (found by walking up, so it works
 * from the sources and from a compiled build alike).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === 'ringline' && typeof parsed.version === 'string') return parsed.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of ringline above ${from}`);
  }
}

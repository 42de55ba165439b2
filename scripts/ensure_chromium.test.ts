// Chromium comes from the project's own files (Debian's package); a wrong override fails loudly.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { chromiumVersion, ensureChromium, installedChromium } from './ensure_chromium.ts';

describe('ensureChromium', () => {
  it('finds or installs a Chromium that runs and says its version', () => {
    const path = ensureChromium();
    expect(chromiumVersion(path)).toMatch(/^Chromium \d+\./);
  });

  it('refuses a RINGLINE_CHROMIUM_BIN that is not a Chromium that runs', () => {
    expect(() => ensureChromium({ RINGLINE_CHROMIUM_BIN: '/bin/false' })).toThrow(/RINGLINE_CHROMIUM_BIN=\/bin\/false is not a Chromium that runs/);
    expect(() => ensureChromium({ RINGLINE_CHROMIUM_BIN: join(tmpdir(), 'no-such-chromium') })).toThrow(/is not a Chromium that runs/);
  });

  it('takes a given RINGLINE_CHROMIUM_BIN as it is', () => {
    const path = ensureChromium();
    expect(ensureChromium({ RINGLINE_CHROMIUM_BIN: path, PATH: '/nonexistent' })).toBe(path);
  });

  it('uses an installed chromium package that is not on PATH instead of fetching it again (no root)', () => {
    ensureChromium(); // the global setup's guarantee: some Chromium exists
    const cache = mkdtempSync(join(tmpdir(), 'chromium-cache-'));
    try {
      const path = ensureChromium({ PATH: '/nonexistent', RINGLINE_CHROMIUM_NO_ROOT: '1', RINGLINE_CHROMIUM_CACHE: cache });
      expect(chromiumVersion(path)).toMatch(/^Chromium \d+\./);
      const installed = installedChromium();
      // Installed as a package: that binary, and nothing downloaded; otherwise the cache's wrapper.
      expect(path).toBe(installed ?? join(cache, 'root', 'chromium'));
      if (installed !== null) expect(existsSync(join(cache, 'root'))).toBe(false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

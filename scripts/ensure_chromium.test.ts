// Chromium comes from the project's own files (Debian's package); a wrong override fails loudly.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { chromiumVersion, ensureChromium } from './ensure_chromium.ts';

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
});

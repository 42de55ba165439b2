// Runs once before any test file: installs etcd (scripts/ensure_etcd.ts) when none is on PATH, and
// Chromium for the console's browser test (scripts/ensure_chromium.ts), so test files running in
// parallel do not race to download them, and hands their paths to them. A failure here fails the
// whole run loudly: cluster and browser tests are never skipped for want of etcd or a browser.
import { ensureChromium } from './scripts/ensure_chromium.ts';
import { ensureEtcd } from './scripts/ensure_etcd.ts';

export default function setup(): void {
  process.env.RINGLINE_ETCD_BIN = ensureEtcd();
  process.env.RINGLINE_CHROMIUM_BIN = ensureChromium();
}

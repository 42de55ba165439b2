// Runs once before any test file: installs etcd (scripts/ensure_etcd.ts) when none is on PATH, so test
// files running in parallel do not race to download it, and hands its path to them. A failure here fails
// the whole run loudly: cluster tests are never skipped for want of etcd.
import { ensureEtcd } from './scripts/ensure_etcd.ts';

export default function setup(): void {
  process.env.RINGLINE_ETCD_BIN = ensureEtcd();
}

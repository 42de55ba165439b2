/**
 * The deployment files stay true to the package: the systemd unit passes `systemd-analyze verify`,
 * and the Dockerfile and the unit start the same compiled entry as package.json's bin, on plain node
 * (no tsx), as a non-root user, with the data directory where the docs say. (docker build itself
 * needs a Docker engine, which this machine does not have.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { ringline: string } }).bin.ringline;
const UNIT = readFileSync(join(ROOT, 'deploy/ringline.service'), 'utf8');
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

describe('deployment files', () => {
  it('the systemd unit verifies, and a broken copy does not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringline-unit-'));
    try {
      writeFileSync(join(dir, 'ringline.service'), UNIT);
      const ok = spawnSync('systemd-analyze', ['verify', join(dir, 'ringline.service')], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stderr).toBe('');
      writeFileSync(join(dir, 'broken.service'), UNIT.replace('ExecStart=/usr/bin/node', 'ExecStart=/usr/bin/no-such-node'));
      const broken = spawnSync('systemd-analyze', ['verify', join(dir, 'broken.service')], { encoding: 'utf8' });
      expect(broken.status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the unit runs the compiled bin under a user of its own and drains on SIGTERM', () => {
    expect(UNIT).toContain(`ExecStart=/usr/bin/node /opt/ringline/${BIN} start`);
    expect(UNIT).toMatch(/^DynamicUser=yes$/m);
    expect(UNIT).toMatch(/^StateDirectory=ringline$/m);
    expect(UNIT).toMatch(/^Environment=RINGLINE_DATA=\/var\/lib\/ringline$/m);
    expect(UNIT).toMatch(/^KillSignal=SIGTERM$/m);
    expect(UNIT).toMatch(/^RestartPreventExitStatus=2$/m);
  });

  it('the Dockerfile builds in a stage of its own and runs the compiled bin as a non-root user with a data volume and a health check', () => {
    expect(DOCKERFILE.match(/^FROM /gm)?.length).toBe(2);
    expect(DOCKERFILE).toContain(`CMD ["node", "${BIN}", "start"]`);
    expect(DOCKERFILE).toMatch(/^USER node$/m);
    expect(DOCKERFILE).toMatch(/^VOLUME \["\/var\/lib\/ringline"\]$/m);
    expect(DOCKERFILE).toMatch(/RINGLINE_DATA=\/var\/lib\/ringline/);
    expect(DOCKERFILE).toMatch(/^HEALTHCHECK .*\n.*\/health/m);
    expect(DOCKERFILE).toMatch(/npm prune --omit=dev/);
    expect(DOCKERFILE).not.toMatch(/tsx/);
  });
});

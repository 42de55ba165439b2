/**
 * A real PostgreSQL for tests and benches (projection/embedded_postgres.ts): its own temporary data
 * folder and a free loopback port, retried when another process takes the port first. When the
 * server cannot be had, the test fails with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../embedded_postgres.ts';

export interface TemporaryPostgres {
  readonly server: EmbeddedPostgres;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

export async function startTemporaryPostgres(): Promise<TemporaryPostgres> {
  // Directly under tmpdir (mode 0700 for its owner): as root the server runs as `nobody` and must
  // reach its folder, so it gets no private parent.
  const dataDir = mkdtempSync(join(tmpdir(), 'ringline-pg-'));
  for (let attempt = 1; ; attempt++) {
    const server = new EmbeddedPostgres({ dataDir, port: 0 });
    try {
      await server.start();
      return {
        server,
        async dispose(): Promise<void> {
          await server.stop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      if (attempt >= 3 || !/could not bind|address already in use|exited during start/i.test((error as Error).message)) {
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

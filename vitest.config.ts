import { defineConfig } from 'vitest/config';

// Unit tests sit beside their code (x.test.ts); end-to-end, crash and fuzz tests live in test/.
// Forks keep each file in its own process: tests that start worker threads and child processes
// cannot disturb one another, and a crashed engine only fails its own file.
export default defineConfig({
  test: {
    include: ['{codec,core,journal,replay,engine,replication,gateway,client,cli,perf,projection,scripts,test}/**/*.test.ts'],
    globalSetup: ['./vitest.global_setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

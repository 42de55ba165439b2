/** `ringline promote --data DIR`: raises a stopped follower's epoch (replication/promote.ts); refuses a directory in use. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lockDataDir } from '../journal/data_dir_lock.ts';
import { promoteDataDir } from '../replication/promote.ts';
import { UsageError } from './usage_error.ts';

export const PROMOTE_USAGE = `usage: ringline promote --data DIR

  Raises the epoch of a stopped follower's data directory by one; then run "ringline start --data DIR"
  (with --replication to keep a standby) to accept writes from its last sequence.`;

export async function promoteCommand(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { data: { type: 'string' } } }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new UsageError(`ringline promote: ${(error as Error).message}\n\n${PROMOTE_USAGE}`);
  }
  if (values.data === undefined || values.data === '') throw new UsageError(`ringline promote: --data DIR is required\n\n${PROMOTE_USAGE}`);
  const dataDir = resolve(values.data);
  const lock = await lockDataDir(dataDir, 'ringline promote');
  const epoch = promoteDataDir(dataDir);
  await lock.release();
  process.stdout.write(`ringline promote: ${dataDir} is now epoch ${epoch}; start it with: ringline start --data ${values.data}\n`);
  return 0;
}

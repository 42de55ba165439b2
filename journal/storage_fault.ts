/**
 * Storage faults: the errors of a full or failing disk that the engine survives as a state
 * ("storage unavailable") instead of dying, and a process or system out of file descriptors (EMFILE,
 * ENFILE: a flood of sockets can hold them all, and the next segment then cannot be opened until some
 * close). Any other error of the file layer is a bug or a misconfiguration and still stops the
 * journaler.
 *
 * What the journaler does on one (journaler.ts):
 *   1. the batch in hand is not released: nothing in it is acknowledged, and its records stay in the
 *      input ring (a slot is reused only after every consumer released it);
 *   2. the engine's STORAGE_FAULT metric is set: the gateway refuses every command that would change
 *      state with STORAGE_UNAVAILABLE before it takes a ring slot, so no new write is sequenced;
 *   3. every storageRetryMs: rewind the segment files to the last durable point (truncate the
 *      segment, delete segments created since), append the same records again from the ring, write,
 *      fdatasync. On success the batch is released and the fault cleared; writes are accepted again.
 * Because the records journaled on retry are the very records the logic already applied, in the same
 * sequence, the journal always equals the logic's input: replay stays deterministic.
 */
export const STORAGE_FAULT_CODES = ['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG', 'EMFILE', 'ENFILE'] as const;
export type StorageFaultCode = (typeof STORAGE_FAULT_CODES)[number];

/** The fault's index + 1 (the STORAGE_FAULT metric), or 0 when `error` is not a storage fault. */
export function storageFaultOf(error: unknown): number {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === undefined ? 0 : (STORAGE_FAULT_CODES as readonly string[]).indexOf(code) + 1;
}

/** The name of a STORAGE_FAULT metric value ('' when writable). */
export function storageFaultName(metric: number): string {
  return metric > 0 ? (STORAGE_FAULT_CODES[metric - 1] ?? `fault ${metric}`) : '';
}

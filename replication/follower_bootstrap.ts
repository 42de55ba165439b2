/**
 * Seeding an empty follower from the primary's newest snapshot, before its engine starts.
 *
 * A follower catches up from the primary's journal files; once the primary's snapshot retention has
 * retired the first segments, an empty follower cannot replay from FIRST_SEQUENCE. It then asks
 * (HELLO with flags BOOTSTRAP) and the primary answers either WELCOME (its journal still starts at
 * FIRST_SEQUENCE: nothing to seed) or its newest snapshot file in SNAPSHOT pieces. The file is written under the follower's
 * snapshots directory (temp file, fdatasync, rename, directory fsync) exactly as the primary holds it;
 * the engine's recovery then checks its CRCs and state hash like any snapshot's, and the follower
 * follows from the snapshot's sequence + 1.
 */
import { closeSync, fdatasyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { resultName } from '../codec/result_codes.ts';
import { HELLO_FLAG_BOOTSTRAP, MessageType, RefuseMessage, SNAPSHOT_FLAG_LAST, SnapshotMessage } from './replication_descriptor.ts';
import { BAD_MESSAGE, encodeHello, MessageReader, NEED_MORE } from './replication_messages.ts';
import { startReplicationStream, type Membership } from './membership/membership_socket.ts';
import { ensureDirectory, fsyncDirectory, listSegments } from '../journal/segment_files.ts';
import { DATA_FILE_MODE } from '../core/data_file_modes.ts';
import { SNAPSHOT_TEMP_SUFFIX, snapshotFileName } from '../journal/snapshot_descriptor.ts';
import { listSnapshots, snapshotDir } from '../journal/snapshot_file.ts';

/** The primary refused, or sent something broken: retrying will not help. */
export class BootstrapRefusedError extends Error {}

/** True when the directory has neither journal segments nor snapshots (a new follower). */
export function isEmptyDataDir(dataDir: string): boolean {
  return listSegments(dataDir).length === 0 && listSnapshots(dataDir).length === 0;
}

/**
 * Asks the primary for a snapshot; returns its sequence once written, or -1 when the primary's journal
 * still starts at FIRST_SEQUENCE (nothing to seed: replay it all). Rejects with the primary's refusal or a broken stream.
 */
export function bootstrapFromPrimary(host: string, port: number, dataDir: string, epoch: number, membership?: Membership): Promise<number> {
  return new Promise((resolve, reject) => {
    const reader = new MessageReader();
    const socket = connect({ host, port });
    let fd = -1;
    let temp = '';
    let written = 0;
    let settled = false;
    const finish = (error: Error | null, sequence = -1): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (fd >= 0) closeSync(fd);
      if (error === null) resolve(sequence);
      else reject(error);
    };
    const onPiece = (): boolean => {
      const sequence = reader.f64(SnapshotMessage.SEQUENCE);
      const fileBytes = reader.f64(SnapshotMessage.FILE_BYTES);
      const offset = reader.f64(SnapshotMessage.PIECE_OFFSET);
      const length = Math.min(fileBytes - offset, reader.messageBytes - SnapshotMessage.DATA);
      if (offset !== written || length < 0) {
        finish(new BootstrapRefusedError(`snapshot from ${host}:${port} arrived out of order (piece at ${offset}, expected ${written})`));
        return false;
      }
      if (fd < 0) {
        ensureDirectory(snapshotDir(dataDir), true);
        // The snapshot writer's temp name: recovery removes it if a crash leaves it behind.
        temp = join(snapshotDir(dataDir), snapshotFileName(sequence) + SNAPSHOT_TEMP_SUFFIX);
        fd = openSync(temp, 'w', DATA_FILE_MODE);
      }
      const start = reader.messageBase + SnapshotMessage.DATA;
      for (let done = 0; done < length;) done += writeSync(fd, reader.buffer.bytes, start + done, length - done);
      written += length;
      if ((reader.flags() & SNAPSHOT_FLAG_LAST) === 0) return true;
      if (written !== fileBytes) {
        finish(new Error(`snapshot from ${host}:${port} ended at ${written} of ${fileBytes} bytes`));
        return false;
      }
      fdatasyncSync(fd);
      closeSync(fd);
      fd = -1;
      renameSync(temp, join(snapshotDir(dataDir), snapshotFileName(sequence)));
      fsyncDirectory(snapshotDir(dataDir));
      finish(null, sequence);
      return false;
    };
    const onData = (chunk: Buffer): void => {
      for (let offset = 0; offset < chunk.length && !settled;) {
        offset += reader.push(chunk, offset);
        for (let type = reader.next(); type !== NEED_MORE && !settled; type = reader.next()) {
          if (type === MessageType.WELCOME) return finish(null, -1);
          if (type === MessageType.SNAPSHOT) {
            if (!onPiece()) return;
            continue;
          }
          if (type === MessageType.REFUSE) {
            const code = reader.u32(RefuseMessage.CODE);
            return finish(new BootstrapRefusedError(`primary ${host}:${port} refused to seed this follower: ${resultName(code)} (${code}): ${reader.refuseReason()}`));
          }
          return finish(new BootstrapRefusedError(`bootstrap stream from ${host}:${port} is broken: ${type === BAD_MESSAGE ? reader.reason : `message type ${type}`}`));
        }
      }
    };
    /** True while the membership handshake runs: a close then means the primary refused the proof. */
    let proving = false;
    socket.on('connect', () => {
      proving = membership !== undefined;
      startReplicationStream(socket, membership, {
        hello: () => {
          proving = false;
          return encodeHello(epoch, 0, HELLO_FLAG_BOOTSTRAP);
        },
        onData,
        onRefused: (error) => finish(new Error(`primary ${host}:${port}: ${error.message}`)),
      });
    });
    socket.on('error', (error) => finish(new Error(`cannot reach the primary ${host}:${port} to seed this follower: ${error.message}`)));
    socket.on('close', () => finish(new Error(proving
      ? `primary ${host}:${port} closed the connection during the membership handshake: it refused this follower's proof (is --replication-secret-file the primary's, and does the primary use one?)`
      : `primary ${host}:${port} closed the connection before seeding this follower (${written} snapshot bytes received)`)));
  });
}

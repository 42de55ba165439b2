/**
 * A follower (`ringline follow`, a real child process) fed by a fake primary: a corrupted frame or an
 * out-of-order sequence stops it with a clear error (exit 1), and nothing of the bad message reaches its
 * journal or state; a primary with an older epoch is refused with STALE_EPOCH.
 */
import { describe, it, expect } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { CMD_FLAG_READ_ONLY, CmdHeader, CommandType, FIRST_SEQUENCE } from '../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { crc32Aligned } from '../journal/crc32.ts';
import { JournalFrame } from '../journal/journal_descriptor.ts';
import { MessageHeader, MessageType } from '../replication/replication_descriptor.ts';
import { writeEpoch } from '../replication/replication_epoch.ts';
import { encodeWelcome } from '../replication/replication_messages.ts';
import { replayHash, run, writeConfig, useTestRoot } from './test_support/replication_harness.ts';

/** A primary's journal starts at FIRST_SEQUENCE (sequence 0 is the empty state, never a command). */
const F = FIRST_SEQUENCE;

const root = useTestRoot('ringline-repl-stream-');

/** A FRAMES message of read-only GET_STATE_HASH records carrying `sequences`. */
function framesMessage(sequences: readonly number[]): Buffer {
  const frameBytes = JournalFrame.BYTES + CmdHeader.BYTES;
  const b = createRecordBuffer(new ArrayBuffer(MessageHeader.BYTES + frameBytes * sequences.length));
  b.u32[0] = b.bytes.length;
  b.u16[2] = MessageType.FRAMES;
  sequences.forEach((sequence, i) => {
    const pos = MessageHeader.BYTES + i * frameBytes;
    const record = pos + JournalFrame.BYTES;
    b.u32[(record + CmdHeader.LENGTH) >>> 2] = CmdHeader.BYTES;
    b.u16[(record + CmdHeader.TYPE) >>> 1] = CommandType.GET_STATE_HASH;
    b.u16[(record + CmdHeader.FLAGS) >>> 1] = CMD_FLAG_READ_ONLY;
    b.f64[(record + CmdHeader.SEQUENCE) >>> 3] = sequence;
    b.u32[pos >>> 2] = frameBytes;
    b.u32[(pos + 4) >>> 2] = crc32Aligned(b, record, CmdHeader.BYTES);
  });
  return Buffer.from(b.bytes);
}

/** A fake primary: answers the follower's HELLO with WELCOME(epoch) and then `messages`. */
async function fakePrimary(epoch: number, messages: readonly Buffer[]): Promise<{ server: Server; port: number; hellos: Buffer[] }> {
  const hellos: Buffer[] = [];
  const server = createServer((socket: Socket) => {
    socket.once('data', (hello: Buffer) => {
      hellos.push(hello);
      socket.write(encodeWelcome(epoch, 10));
      for (const m of messages) socket.write(m);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return { server, port: address.port, hellos };
}

async function followUntilExit(name: string, port: number, prepare?: (dir: string) => void): Promise<{ code: number | null; output: string; dir: string }> {
  const dir = root.path(name);
  const config = writeConfig(root.path());
  prepare?.(dir);
  const p = run(['follow', '--primary', `127.0.0.1:${port}`, '--data', dir, '--config', config]);
  const code = await Promise.race([p.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
  await p.kill('SIGKILL');
  return { code, output: p.output(), dir };
}

describe('follower: a bad stream stops it, nothing of it applied', () => {
  it('a CRC mismatch stops the follower before it applies the message', async () => {
    const message = framesMessage([F, F + 1, F + 2]);
    // Frames are 56 bytes (8 + a 48-byte record): byte 76 is the command type of the second record (sequence F + 1).
    message[MessageHeader.BYTES + 56 + JournalFrame.BYTES + CmdHeader.TYPE] ^= 0x40;
    const primary = await fakePrimary(0, [message]);
    try {
      const { code, output, dir } = await followUntilExit('crc', primary.port);
      expect(code, output).toBe(1);
      expect(output).toMatch(/replication stream from 127\.0\.0\.1:\d+ is corrupt: frame at sequence \d+: CRC mismatch; nothing of this message was applied/);
      expect(output).toContain(`frame at sequence ${F + 1}: CRC mismatch`);
      expect(replayHash(dir).lastSequence).toBe(F - 1); // nothing applied: the empty state
    } finally {
      primary.server.close();
    }
  }, 40_000);

  it('a gap in sequences stops the follower; the good message before it is applied, the bad one is not', async () => {
    const primary = await fakePrimary(0, [framesMessage([F, F + 1]), framesMessage([F + 2, F + 4, F + 5])]);
    try {
      const { code, output, dir } = await followUntilExit('gap', primary.port);
      expect(code, output).toBe(1);
      expect(output).toContain(`out of order: expected sequence ${F + 3}, got ${F + 4}`);
      expect(replayHash(dir).lastSequence).toBe(F + 1);
    } finally {
      primary.server.close();
    }
  }, 40_000);

  it('a primary with an older epoch than the follower is refused (STALE_EPOCH)', async () => {
    const primary = await fakePrimary(1, [framesMessage([F])]);
    try {
      const { code, output, dir } = await followUntilExit('stale', primary.port, (d) => writeEpoch(d, 2));
      expect(code, output).toBe(1);
      expect(output).toMatch(/STALE_EPOCH: primary 127\.0\.0\.1:\d+ has epoch 1, older than this node's epoch 2; refusing to follow it/);
      expect(replayHash(dir).lastSequence).toBe(F - 1); // nothing applied: the empty state
      expect(primary.hellos[0].readDoubleLE(16)).toBe(2); // the follower announced its epoch
    } finally {
      primary.server.close();
    }
  }, 40_000);
});

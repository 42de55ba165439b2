import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { createRecordBuffer } from '../codec/records/record_buffer.ts';
import { CmdHeader } from '../codec/records/command_descriptor.ts';
import { crc32Aligned } from '../journal/crc32.ts';
import { JournalFrame } from '../journal/journal_descriptor.ts';
import { writeGetBalance } from '../journal/test_support/record_fixture.ts';
import { prometheusText, verifyFrames } from '../replication/follower.ts';
import { parseFollowArgs, promotedStartArgs } from './follow_command.ts';
import { parseHostPort } from '../replication/host_port.ts';

describe('ringline follow options', () => {
  it('parses the primary address, data directory and defaults', () => {
    expect(parseFollowArgs(['--primary', 'db1:7500', '--data', '/tmp/f'])).toMatchObject({
      primaryHost: 'db1', primaryPort: 7500, dataDir: '/tmp/f', durability: 'fsync', httpPort: -1, httpHost: '127.0.0.1', engine: {},
    });
    expect(parseHostPort('10.0.0.2', 'x', 7402)).toEqual({ host: '10.0.0.2', port: 7402 });
    expect(parseHostPort('[::1]:7000', 'x', 7402)).toEqual({ host: '::1', port: 7000 });
  });

  it('builds the start flags of the primary a promoted follower becomes', () => {
    const options = parseFollowArgs(['--primary', 'h:1', '--data', 'd', '--tcp-port', '0', '--promote-replication', 'sync', '--replication-port', '7502']);
    expect(options).toMatchObject({ tcpPort: 0, wsPort: -1, promoteReplication: 'sync', replicationPort: 7502 });
    expect(promotedStartArgs(options, '/abs/d', { tcpPort: 41000, wsPort: -1 })).toEqual([
      '--data', '/abs/d', '--host', '127.0.0.1', '--durability', 'fsync', '--replication', 'sync',
      '--tcp-port=41000', '--ws-port=-1', '--replication-port', '7502',
    ]);
    const plain = parseFollowArgs(['--primary', 'h:1', '--data', 'd', '--promote-replication', 'off']);
    expect(promotedStartArgs(plain, '/abs/d', null)).toEqual(['--data', '/abs/d', '--host', '127.0.0.1', '--durability', 'fsync', '--replication', 'off']);
  });

  it('proves --replication-secret-file to the primary and passes it on to the primary it becomes; without it, promotion needs a loopback host', () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'ringline-follow-secret-')), 'secret');
    writeFileSync(secret, 'z'.repeat(32));
    const options = parseFollowArgs(['--primary', 'h:1', '--data', 'd', '--host', '10.0.0.3', '--replication-secret-file', secret]);
    expect(options.membership?.secret.toString()).toBe('z'.repeat(32));
    expect(options.membership?.clusterName).toBe('ringline-replication');
    expect(promotedStartArgs(options, '/abs/d', null)).toEqual([
      '--data', '/abs/d', '--host', '10.0.0.3', '--durability', 'fsync', '--replication', 'async', '--replication-port', '7402',
      '--replication-secret-file', secret,
    ]);
    expect(() => parseFollowArgs(['--primary', 'h:1', '--data', 'd', '--host', '0.0.0.0']))
      .toThrow(/ringline follow: --promote-replication async on --host 0\.0\.0\.0 would ship the journal to anyone/);
    expect(parseFollowArgs(['--primary', 'h:1', '--data', 'd', '--host', '0.0.0.0', '--promote-replication', 'off']).membership).toBeUndefined();
    writeFileSync(secret, 'short');
    expect(() => parseFollowArgs(['--primary', 'h:1', '--data', 'd', '--replication-secret-file', secret])).toThrow(/ringline follow: .* must be 32 to 1024 bytes; got 5/);
  });

  it.each([
    [['--primary', 'h:1', '--data', 'd', '--promote-replication', 'semi'], /--promote-replication must be off, async or sync; got "semi"/],
    [['--data', 'd'], /--primary host:port is required/],
    [['--primary', 'h:1'], /--data DIR is required/],
    [['--primary', 'h:0', '--data', 'd'], /--primary must be host:port with a port from 1 to 65535; got "h:0"/],
    [['--primary', 'h:1', '--data', 'd', '--durability', 'never'], /--durability must be one of fsync, batch, none; got "never"/],
    [['--primary', 'h:1', '--data', 'd', '--http-port', 'x'], /--http-port must be an integer from -1 to 65535/],
    [['--primary', 'h:1', '--data', 'd', '--bogus'], /ringline follow: Unknown option '--bogus'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseFollowArgs(argv)).toThrow(message);
  });
});

describe('verifyFrames: what a follower accepts from the stream', () => {
  function frames(sequences: readonly number[]): ReturnType<typeof createRecordBuffer> {
    const b = createRecordBuffer(new ArrayBuffer(sequences.length * 72));
    sequences.forEach((s, i) => {
      const pos = i * 72; // a 64-byte GET_BALANCE record in an 8-byte frame header
      const length = writeGetBalance(b, pos + JournalFrame.BYTES, s, 1);
      expect(length).toBe(64);
      b.u32[pos >>> 2] = JournalFrame.BYTES + length;
      b.u32[(pos + 4) >>> 2] = crc32Aligned(b, pos + JournalFrame.BYTES, length);
    });
    return b;
  }

  it('accepts whole, checksummed, contiguous frames', () => {
    expect(verifyFrames(frames([5, 6, 7]), 0, 216, 5)).toBe('');
  });

  it('names the sequence and the reason of the first bad frame', () => {
    expect(verifyFrames(frames([5, 6, 7]), 0, 216, 4)).toBe('out of order: expected sequence 4, got 5');
    expect(verifyFrames(frames([5, 7]), 0, 144, 5)).toBe('out of order: expected sequence 6, got 7');
    const flipped = frames([5, 6]);
    flipped.bytes[72 + JournalFrame.BYTES + CmdHeader.SEQUENCE + 7] ^= 1;
    expect(verifyFrames(flipped, 0, 144, 5)).toBe('frame at sequence 6: CRC mismatch');
    expect(verifyFrames(frames([5]), 0, 40, 5)).toBe('frame at sequence 5 cut short (40 bytes left in the message)');
    const badLength = frames([5]);
    badLength.u32[0] = 60;
    expect(verifyFrames(badLength, 0, 72, 5)).toBe('frame at sequence 5 has an invalid length 60');
  });
});

describe('prometheusText', () => {
  it('renders numeric leaves with snake_case names', () => {
    expect(prometheusText('ringline_follower', { lagSequences: 3, engine: { sequences: { durable: 9 } }, primary: 'h:1' }))
      .toBe('ringline_follower_lag_sequences 3\nringline_follower_engine_sequences_durable 9\n');
  });
});

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ResultCode } from '../codec/result_codes.ts';
import { AckMessage, HelloMessage, HELLO_FLAG_PROBE, MessageType, RefuseMessage, WelcomeMessage } from './replication_descriptor.ts';
import { BAD_MESSAGE, MessageReader, NEED_MORE, encodeAck, encodeHello, encodeRefuse, encodeWelcome } from './replication_messages.ts';

type Sent = { type: 'hello'; epoch: number; next: number } | { type: 'ack'; sequence: number } | { type: 'welcome'; epoch: number; last: number };

function encode(m: Sent): Buffer {
  if (m.type === 'hello') return encodeHello(m.epoch, m.next);
  if (m.type === 'ack') return encodeAck(m.sequence);
  return encodeWelcome(m.epoch, m.last);
}

function decode(r: MessageReader, type: number): Sent {
  if (type === MessageType.HELLO) return { type: 'hello', epoch: r.f64(HelloMessage.EPOCH), next: r.f64(HelloMessage.NEXT_SEQUENCE) };
  if (type === MessageType.ACK) return { type: 'ack', sequence: r.f64(AckMessage.SEQUENCE) };
  if (type === MessageType.WELCOME) return { type: 'welcome', epoch: r.f64(WelcomeMessage.EPOCH), last: r.f64(WelcomeMessage.LAST_SEQUENCE) };
  throw new Error(`unexpected type ${type}`);
}

const seq = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const message: fc.Arbitrary<Sent> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), epoch: seq, next: seq }),
  fc.record({ type: fc.constant('ack' as const), sequence: seq }),
  fc.record({ type: fc.constant('welcome' as const), epoch: seq, last: seq }),
);

describe('replication messages', () => {
  it('a stream cut into arbitrary chunks reads back as the same messages', () => {
    fc.assert(fc.property(fc.array(message, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (messages, cuts) => {
      const stream = Buffer.concat(messages.map(encode));
      const reader = new MessageReader(256); // small: forces compaction
      const got: Sent[] = [];
      let offset = 0;
      for (let i = 0; offset < stream.length; i++) {
        const chunk = stream.subarray(offset, Math.min(stream.length, offset + cuts[i % cuts.length]));
        let taken = 0;
        while (taken < chunk.length) {
          taken += reader.push(chunk, taken);
          for (let type = reader.next(); type !== NEED_MORE; type = reader.next()) {
            expect(type).not.toBe(BAD_MESSAGE);
            got.push(decode(reader, type));
          }
        }
        offset += chunk.length;
      }
      expect(got).toEqual(messages);
    }));
  });

  it('refuse carries a code and a reason; hello carries the probe flag', () => {
    const r = new MessageReader(4096);
    r.push(encodeRefuse(ResultCode.STALE_EPOCH, 'stale primary: épоch 1 < 2'));
    r.push(encodeHello(3, 7, HELLO_FLAG_PROBE));
    expect(r.next()).toBe(MessageType.REFUSE);
    expect(r.u32(RefuseMessage.CODE)).toBe(ResultCode.STALE_EPOCH);
    expect(r.refuseReason()).toBe('stale primary: épоch 1 < 2');
    expect(r.next()).toBe(MessageType.HELLO);
    expect(r.flags()).toBe(HELLO_FLAG_PROBE);
    expect(r.next()).toBe(NEED_MORE);
  });

  it('a header no peer sends is BAD_MESSAGE with the reason', () => {
    for (const [bytes, type, reason] of [[4, 1, /invalid replication message length 4/], [12, 1, /length 12/], [16, 99, /unknown replication message type 99/]] as const) {
      const r = new MessageReader(4096);
      const b = Buffer.alloc(16);
      b.writeUInt32LE(bytes, 0);
      b.writeUInt16LE(type, 4);
      r.push(b);
      expect(r.next()).toBe(BAD_MESSAGE);
      expect(r.reason).toMatch(reason);
    }
  });
});

describe('MessageReader bounds', () => {
  it('refuses a message larger than its capacity at the header instead of waiting for it forever', () => {
    const reader = new MessageReader(64 * 1024);
    const header = Buffer.alloc(8);
    header.writeUInt32LE(100 * 1024, 0);
    header.writeUInt16LE(MessageType.ACK, 4);
    expect(reader.push(header)).toBe(8);
    expect(reader.next()).toBe(BAD_MESSAGE);
    expect(reader.reason).toBe('replication message of 102400 bytes is larger than the 65536 this peer may send');
  });

  it('reads the largest message the protocol allows, pushed in pieces, with the default capacity', () => {
    const reader = new MessageReader();
    const big = Buffer.alloc(4 * 1024 * 1024);
    big.writeUInt32LE(big.length, 0);
    big.writeUInt16LE(MessageType.FRAMES, 4);
    let type = NEED_MORE;
    for (let offset = 0; offset < big.length;) {
      const taken = reader.push(big, offset);
      expect(taken).toBeGreaterThan(0); // it always makes progress
      offset += taken;
      type = reader.next();
    }
    expect(type).toBe(MessageType.FRAMES);
    expect(reader.messageBytes).toBe(big.length);
  });

  it('refuses a capacity it cannot work with', () => {
    expect(() => new MessageReader(60)).toThrow('MessageReader capacity must be a multiple of 8 and at least 64 bytes; got 60');
  });
});

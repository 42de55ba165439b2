// Records are read back from etcd, which anyone with access can write: only well-formed ones count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLeaderRecord, decodeNodeRecord, encodeLeaderRecord, encodeNodeRecord, type NodeRecord } from './node_record.ts';

const record: NodeRecord = { nodeId: 'n1', epoch: 57, durableSequence: 1234, clientAddress: '10.0.0.1:7400', replicationAddress: '10.0.0.1:7402' };

describe('node and leader records', () => {
  it('round-trip', () => {
    expect(decodeNodeRecord(encodeNodeRecord(record))).toEqual(record);
    const leader = { nodeId: 'n1', clientAddress: '10.0.0.1:7400', replicationAddress: '10.0.0.1:7402', epochStart: 1200, history: [{ epoch: 12, start: 0 }, { epoch: 57, start: 1200 }] };
    expect(decodeLeaderRecord(encodeLeaderRecord(leader))).toEqual(leader);
    expect(decodeLeaderRecord(encodeLeaderRecord({ ...leader, epochStart: -1, history: [] }))?.epochStart).toBe(-1);
    expect(decodeNodeRecord(encodeNodeRecord({ ...record, durableSequence: -1, epoch: 0 }))?.durableSequence).toBe(-1);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a missing field', JSON.stringify({ ...record, epoch: undefined })],
    ['a fractional sequence', JSON.stringify({ ...record, durableSequence: 1.5 })],
    ['a sequence beyond 2^53', JSON.stringify({ ...record, durableSequence: 2 ** 60 })],
    ['a negative epoch', JSON.stringify({ ...record, epoch: -1 })],
    ['an empty node id', JSON.stringify({ ...record, nodeId: '' })],
    ['a numeric address', JSON.stringify({ ...record, clientAddress: 7400 })],
    ['an oversized value', JSON.stringify({ ...record, padding: 'x'.repeat(9000) })],
  ])('rejects %s', (_name, text) => {
    expect(decodeNodeRecord(text)).toBeNull();
  });

  it.each([
    ['a history that goes back', [[57, 1200], [12, 0]]],
    ['a history entry that is not a pair', [[57]]],
    ['a history of text', 'x'],
  ])('rejects a leader record with %s', (_name, history) => {
    expect(decodeLeaderRecord(JSON.stringify({ nodeId: 'n1', clientAddress: 'a:1', replicationAddress: 'a:2', epochStart: 5, history }))).toBeNull();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      decodeNodeRecord(text);
      decodeLeaderRecord(text);
    }));
  });
});

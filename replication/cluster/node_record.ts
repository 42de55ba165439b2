/**
 * The JSON values of the cluster's etcd keys (cluster_keys.ts). Anything read back from etcd is
 * checked field by field: a record that does not parse is ignored (and named in the node's status),
 * never trusted.
 *
 *   node record    {"nodeId":"n1","epoch":57,"durableSequence":1234,"clientAddress":"10.0.0.1:7400",
 *                   "replicationAddress":"10.0.0.1:7402"}
 *   leader record  {"nodeId":"n1","clientAddress":"…","replicationAddress":"…","epochStart":1200,
 *                   "history":[[12,0],[57,1200]]}   (history: [epoch, start] pairs)
 */
import { EPOCH_HISTORY_MAX_ENTRIES, checkHistory, type EpochHistory, type EpochStart } from './epoch_history.ts';

export interface NodeAddresses {
  readonly nodeId: string;
  readonly clientAddress: string;
  readonly replicationAddress: string;
}

/**
 * The leader key's value. A new leader writes it with epochStart -1 when it wins, and again with its
 * epoch start and epoch history once it is ready to serve: followers follow it only then, cutting their
 * journal where it stops agreeing with that history (epoch_history.ts).
 */
export interface LeaderRecord extends NodeAddresses {
  readonly epochStart: number;
  readonly history: EpochHistory;
}

export interface NodeRecord extends NodeAddresses {
  /** Epoch of the node's journal (the epoch its newest records were written under). */
  readonly epoch: number;
  /** Highest sequence durable in the node's journal. */
  readonly durableSequence: number;
}

/** A node record is ~200 bytes; a leader record carries up to EPOCH_HISTORY_MAX_ENTRIES history entries. */
const RECORD_MAX_BYTES = 8192;

function parseObject(text: string): Record<string, unknown> | null {
  if (text.length > RECORD_MAX_BYTES) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 255;
const isCount = (value: unknown, min: number): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

function decodeAddresses(o: Record<string, unknown> | null): NodeAddresses | null {
  if (o === null || !isText(o.nodeId) || !isText(o.clientAddress) || !isText(o.replicationAddress)) return null;
  return { nodeId: o.nodeId, clientAddress: o.clientAddress, replicationAddress: o.replicationAddress };
}

export function encodeLeaderRecord(record: LeaderRecord): string {
  return JSON.stringify({
    nodeId: record.nodeId, clientAddress: record.clientAddress, replicationAddress: record.replicationAddress,
    epochStart: record.epochStart, history: record.history.map((h) => [h.epoch, h.start]),
  });
}

export function decodeLeaderRecord(text: string): LeaderRecord | null {
  const o = parseObject(text);
  const addresses = decodeAddresses(o);
  if (addresses === null || o === null || !isCount(o.epochStart, -1) || !Array.isArray(o.history) || o.history.length > EPOCH_HISTORY_MAX_ENTRIES) return null;
  const history: EpochStart[] = [];
  for (const entry of o.history as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || !isCount(entry[0], 1) || !isCount(entry[1], 0)) return null;
    history.push({ epoch: entry[0], start: entry[1] });
  }
  try {
    checkHistory(history, 'leader record');
  } catch {
    return null;
  }
  return { ...addresses, epochStart: o.epochStart, history };
}

export function encodeNodeRecord(record: NodeRecord): string {
  return JSON.stringify({
    nodeId: record.nodeId, epoch: record.epoch, durableSequence: record.durableSequence,
    clientAddress: record.clientAddress, replicationAddress: record.replicationAddress,
  });
}

export function decodeNodeRecord(text: string): NodeRecord | null {
  const o = parseObject(text);
  const addresses = decodeAddresses(o);
  if (addresses === null || o === null || !isCount(o.epoch, 0) || !isCount(o.durableSequence, -1)) return null;
  return { ...addresses, epoch: o.epoch, durableSequence: o.durableSequence };
}

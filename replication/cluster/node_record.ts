/**
 * The JSON values of the cluster's etcd keys (cluster_keys.ts). Anything read back from etcd is
 * checked field by field: a record that does not parse is ignored (and named in the node's status),
 * never trusted.
 *
 *   node record    {"nodeId":"n1","epoch":57,"durableSequence":1234,"clientAddress":"10.0.0.1:7400",
 *                   "replicationAddress":"10.0.0.1:7402"}
 *   leader record  {"nodeId":"n1","clientAddress":"…","replicationAddress":"…"}
 */

export interface LeaderRecord {
  readonly nodeId: string;
  readonly clientAddress: string;
  readonly replicationAddress: string;
}

export interface NodeRecord extends LeaderRecord {
  /** Epoch of the node's journal (the epoch its newest records were written under). */
  readonly epoch: number;
  /** Highest sequence durable in the node's journal. */
  readonly durableSequence: number;
}

const RECORD_MAX_BYTES = 1024;

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

export function encodeLeaderRecord(record: LeaderRecord): string {
  return JSON.stringify({ nodeId: record.nodeId, clientAddress: record.clientAddress, replicationAddress: record.replicationAddress });
}

export function decodeLeaderRecord(text: string): LeaderRecord | null {
  const o = parseObject(text);
  if (o === null || !isText(o.nodeId) || !isText(o.clientAddress) || !isText(o.replicationAddress)) return null;
  return { nodeId: o.nodeId, clientAddress: o.clientAddress, replicationAddress: o.replicationAddress };
}

export function encodeNodeRecord(record: NodeRecord): string {
  return JSON.stringify({
    nodeId: record.nodeId, epoch: record.epoch, durableSequence: record.durableSequence,
    clientAddress: record.clientAddress, replicationAddress: record.replicationAddress,
  });
}

export function decodeNodeRecord(text: string): NodeRecord | null {
  const leader = decodeLeaderRecord(text);
  const o = parseObject(text);
  if (leader === null || o === null || !isCount(o.epoch, 0) || !isCount(o.durableSequence, -1)) return null;
  return { ...leader, epoch: o.epoch, durableSequence: o.durableSequence };
}

/**
 * Where a cluster keeps its state in etcd. Every key lives under /ringline/<clusterName>/ so several
 * clusters can share one etcd:
 *
 *   /ringline/<cluster>/leader          the leader record (leader_record in node_record.ts), bound to the
 *                                       leader's lease; its create revision IS the epoch (fencing token)
 *   /ringline/<cluster>/nodes/<nodeId>  each live node's record: epoch and durable sequence, addresses,
 *                                       bound to that node's lease (it vanishes when the node does)
 */
export function clusterPrefix(clusterName: string): string {
  return `/ringline/${clusterName}/`;
}

export function leaderKey(clusterName: string): string {
  return `${clusterPrefix(clusterName)}leader`;
}

export function nodesPrefix(clusterName: string): string {
  return `${clusterPrefix(clusterName)}nodes/`;
}

export function nodeKey(clusterName: string, nodeId: string): string {
  return `${nodesPrefix(clusterName)}${nodeId}`;
}

/**
 * A cluster node's own Prometheus families (cluster_node.ts), beside the engine's
 * (engine_metric_families.ts, on the leader) and the gateway's: role, epoch, lease, durable sequence,
 * withheld results, and each peer's lag behind this node as the peers publish it in etcd (every
 * tickMs). Read at scrape time from ClusterNode.status().
 */
import type { MetricSample } from '../gateway/collected_metric.ts';
import type { MetricsRegistry } from '../gateway/metrics_registry.ts';
import type { ClusterNodeStatus, NodeRole } from './cluster_node.ts';

const ROLES: readonly NodeRole[] = ['leader', 'follower', 'idle'];
const MS = 1e-3;

export function addClusterFamilies(registry: MetricsRegistry, status: () => ClusterNodeStatus): void {
  const one = (value: number): MetricSample[] => [{ value }];
  registry.add({
    name: 'ringline_cluster_role', type: 'gauge', help: '1 for the role this node runs now (leader, follower, idle), 0 for the others',
    collect: () => {
      const role = status().role;
      return ROLES.map((r) => ({ labels: { role: r }, value: r === role ? 1 : 0 }));
    },
  });
  registry.add({ name: 'ringline_cluster_epoch', type: 'gauge', help: 'Epoch (fencing token) this node leads or follows; 0 when unknown', collect: () => one(status().cluster.epoch) });
  registry.add({
    name: 'ringline_cluster_lease_valid', type: 'gauge', help: '1 while this node holds a lease certainly valid in etcd\'s view (a leader may acknowledge)',
    collect: () => one(status().cluster.leaseCertainlyValid ? 1 : 0),
  });
  registry.add({
    name: 'ringline_cluster_lease_remaining_seconds', type: 'gauge', help: 'Time left on this node\'s lease by its own clock, safety margin deducted',
    collect: () => one(Math.max(0, status().cluster.leaseRemainingMs) * MS),
  });
  registry.add({ name: 'ringline_cluster_writable', type: 'gauge', help: '1 when this node would acknowledge a write now', collect: () => one(status().writable ? 1 : 0) });
  registry.add({ name: 'ringline_cluster_durable_sequence', type: 'gauge', help: 'Last sequence durable in this node\'s journal', collect: () => one(status().durableSequence) });
  registry.add({
    name: 'ringline_cluster_withheld_results_total', type: 'counter', help: 'Results a leader did not release because its lease was no longer certain',
    collect: () => one(status().withheldResults),
  });
  registry.add({
    name: 'ringline_cluster_peer_lag_records', type: 'gauge',
    help: 'Leader only: this node\'s durable sequence minus each peer\'s, as the peer last published it in etcd (every tickMs)',
    collect: () => {
      const s = status();
      if (s.role !== 'leader') return [];
      return s.cluster.peers.filter((p) => p.nodeId !== s.cluster.nodeId)
        .map((p) => ({ labels: { node: p.nodeId }, value: Math.max(0, s.durableSequence - p.durableSequence) }));
    },
  });
}

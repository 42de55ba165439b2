/**
 * A ClusterNode in its own process for the cluster tests. argv[2] is JSON:
 * { cluster: ClusterOptions-like, dataDir, configPath, host, tcpPort, wsPort, replicationPort }.
 * Log lines go to stdout; SIGTERM stops the node (leadership is given up at once).
 */
import { mkdirSync } from 'node:fs';
import { readConfigFile } from '../config_file.ts';
import { resolveGatewayConfig } from '../../gateway/gateway_config.ts';
import { ClusterNode } from '../cluster_node.ts';
import { validateClusterOptions } from '../../replication/cluster/cluster_options.ts';

const input = JSON.parse(process.argv[2]) as {
  cluster: Record<string, unknown>; secretHex: string; dataDir: string; configPath: string; host: string; tcpPort: number; wsPort: number; replicationPort: number;
};
mkdirSync(input.dataDir, { recursive: true });
const log = (line: string): void => { process.stdout.write(`${new Date().toISOString()} ${line}\n`); };
const node = new ClusterNode({
  cluster: validateClusterOptions(input.cluster), dataDir: input.dataDir, durability: 'fsync',
  engine: readConfigFile(input.configPath).engine,
  gateway: resolveGatewayConfig({ host: input.host, tcpPort: input.tcpPort, wsPort: input.wsPort }),
  replicationHost: input.host, replicationPort: input.replicationPort, adminKey: process.env.RINGLINE_ADMIN_KEY, secret: Buffer.from(input.secretHex, 'hex'), log,
});
process.once('SIGTERM', () => void node.stop().then(() => process.exit(0)));
await node.start();
log('started');

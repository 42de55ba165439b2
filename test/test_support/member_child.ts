/**
 * A ClusterMember in its own process, for tests that kill, pause or partition a node. argv[2] is JSON:
 * { options: ClusterOptions-like, epoch, durableSequence }. Each event is one JSON line on stdout:
 *   {"event":"elected","epoch":57}  {"event":"deposed","reason":"…"}  {"event":"leader","leader":{…}|null}
 *   {"event":"valid","value":true|false,"atMs":…}   (each change of leaseCertainlyValid, polled every 5 ms)
 * A line {"durableSequence":n} or {"epoch":n} on stdin changes what the node publishes.
 */
import { createInterface } from 'node:readline';
import { ClusterMember } from '../../replication/cluster/cluster_member.ts';
import { validateClusterOptions } from '../../replication/cluster/cluster_options.ts';

const input = JSON.parse(process.argv[2]) as { options: Record<string, unknown>; epoch: number; durableSequence: number };
let epoch = input.epoch;
let durableSequence = input.durableSequence;
const say = (line: object): void => { process.stdout.write(`${JSON.stringify(line)}\n`); };

const member = new ClusterMember(validateClusterOptions(input.options), { epoch: () => epoch, durableSequence: () => durableSequence }, {
  onElected: (e) => { epoch = e; say({ event: 'elected', epoch: e }); },
  onDeposed: (reason) => say({ event: 'deposed', reason }),
  onLeader: (leader) => say({ event: 'leader', leader }),
});
let valid = false;
setInterval(() => {
  const now = member.leaseCertainlyValid();
  if (now !== valid) {
    valid = now;
    say({ event: 'valid', value: now, atMs: Date.now() });
  }
}, 5);
createInterface({ input: process.stdin }).on('line', (line) => {
  const change = JSON.parse(line) as { durableSequence?: number; epoch?: number };
  if (change.durableSequence !== undefined) durableSequence = change.durableSequence;
  if (change.epoch !== undefined) epoch = change.epoch;
  member.poke();
});
process.on('SIGTERM', () => void member.stop().then(() => process.exit(0)));
await member.start();
say({ event: 'started' });

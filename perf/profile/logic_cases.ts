/**
 * Runs chosen logic bench cases (perf/workers/logic_bench_worker.ts, the same worker and sizes as
 * `npm run bench -- logic --quick`) with event emission on and off, interleaved, and prints one line per
 * case and setting: for quick A/B comparisons of the logic thread, e.g.
 * `node --import tsx perf/profile/logic_cases.ts transfer checkout` (`--on` or `--off` for one setting).
 */
import { runLogicWorker } from '../scenarios/logic.ts';
import { WORKLOAD_NAMES, type WorkloadName } from '../workers/logic_workloads.ts';

const args = process.argv.slice(2);
const settings = args.includes('--on') ? [true] : args.includes('--off') ? [false] : [true, false];
const names = args.filter((a) => !a.startsWith('--'));
for (const name of names.length > 0 ? names : WORKLOAD_NAMES) {
  if (!(WORKLOAD_NAMES as readonly string[]).includes(name)) throw new Error(`unknown workload ${name}: one of ${WORKLOAD_NAMES.join(', ')}`);
  const workload = name as WorkloadName;
  const commands = workload.startsWith('order') || workload === 'margin' ? 1_000_000 : 2_000_000;
  for (const events of settings) {
    const reply = await runLogicWorker({ workload, commands, runs: 1, events });
    console.log(`${workload} events=${events ? 'on' : 'off'} ${(reply.perSecond[0] / 1e6).toFixed(2)}M/s best=${(reply.bestChunkPerSecond / 1e6).toFixed(2)} ` +
      `cpu=${(reply.cpuPerSecond / 1e6).toFixed(2)} ` +
      `gc=${reply.gcTimed} rejected=${reply.rejected}`);
  }
}

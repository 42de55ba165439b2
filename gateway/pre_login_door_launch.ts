/**
 * The pre-login door under Linux SCHED_IDLE (GatewayConfig.preLoginDoorPolicy 'idle'):
 *
 *   fork, setpriority(door, gateway's nice + preLoginDoorNice)      (as for 'nice')
 *     ▼ the door says it is ready (it accepts)
 *   `chrt --all-tasks --idle --pid 0 <door>` (util-linux): every thread of the door under SCHED_IDLE;
 *   threads it starts later inherit it
 *     │ not Linux, no chrt on PATH, or chrt refused
 *     ▼
 *   it stays at its nice, with the reason for the log
 *
 * Why SCHED_IDLE: a nice +10 task still gets its weighted share of a core, and under EEVDF a waking
 * nice-0 thread may wait for it to finish its slice; a SCHED_IDLE task runs only when a core has
 * nothing else to run and is preempted at once (docs/performance.md, hostile). Why only once ready:
 * the door's start-up (node, and tsx compiling it when run from source: a second or more of CPU)
 * would wait for idle cores too; at load 30-46 here a door started under chrt --idle was not ready
 * within the gateway's 30 s (the gateway then gives up on it and checks logins inline). Node has no
 * binding for sched_setscheduler, hence chrt.
 */
import { spawn } from 'node:child_process';

/** SCHED_IDLE's number in /proc/<pid>/sched `policy` (linux/sched.h). */
export const SCHED_IDLE_POLICY = 5;

const CHRT = 'chrt';

/**
 * Moves every thread of process `pid` to SCHED_IDLE. Resolves null once done, or why it could not
 * (the process keeps its policy and nice).
 */
export function moveToSchedIdle(pid: number): Promise<string | null> {
  if (process.platform !== 'linux') return Promise.resolve(`SCHED_IDLE is Linux only (this is ${process.platform})`);
  const args = ['--all-tasks', '--idle', '--pid', '0', String(pid)];
  return new Promise((resolve) => {
    const chrt = spawn(CHRT, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    chrt.stderr.on('data', (chunk: Buffer) => { said += chunk.toString(); });
    chrt.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ENOENT' ? `no ${CHRT} on PATH (util-linux)` : `${CHRT} failed: ${error.message}`);
    });
    chrt.once('close', (code, signal) => {
      if (code === 0) return resolve(null);
      if (code === null && signal === null) return; // 'error' answered (not started)
      const first = said.trim().split('\n')[0] ?? '';
      resolve(`${CHRT} ${args.join(' ')} refused (exit ${String(code ?? signal)}${first === '' ? '' : `: ${first}`})`);
    });
  });
}

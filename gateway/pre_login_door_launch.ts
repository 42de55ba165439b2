/**
 * How the pre-login door process is started under the scheduling policy the gateway was asked for
 * (GatewayConfig.preLoginDoorPolicy):
 *
 *   'nice' ──► fork, then setpriority(door, gateway's nice + preLoginDoorNice)
 *   'idle' ──► `chrt --idle 0 node …` (util-linux): the door and every thread it starts run under
 *              Linux SCHED_IDLE from their first instruction
 *                │ not Linux, no chrt on PATH, or chrt refused (probed once per process)
 *                ▼
 *              'nice', with the reason for the log
 *
 * Why SCHED_IDLE: a nice +10 task still gets its weighted share of a core, and under EEVDF a waking
 * nice-0 thread may wait for it to finish its slice; a SCHED_IDLE task runs only when a core has
 * nothing else to run and is preempted at once (docs/performance.md, hostile). Node has no binding
 * for sched_setscheduler, hence chrt; started through it, the door's pid is chrt's (chrt execs node),
 * so the gateway's IPC channel and the door's parent check are the same as with fork.
 */
import { spawnSync } from 'node:child_process';

/** SCHED_IDLE's number in /proc/<pid>/sched `policy` (linux/sched.h). */
export const SCHED_IDLE_POLICY = 5;

export type DoorLaunch =
  | { readonly policy: 'idle'; readonly command: string; readonly prefixArgs: readonly string[] }
  | { readonly policy: 'nice'; readonly fallbackReason: string | null };

const CHRT = 'chrt';
const CHRT_IDLE_ARGS = ['--idle', '0'] as const;
let probed: string | null | undefined;

/**
 * Why `chrt --idle 0` cannot start the door here (null: it can). Probed once per process by running
 * the door's own node under it (`node --version`), so a chrt that exists but is refused (a seccomp
 * profile, an old kernel) is found before the door is started, not after.
 */
function schedIdleUnavailable(): string | null {
  if (probed !== undefined) return probed;
  if (process.platform !== 'linux') return (probed = `SCHED_IDLE is Linux only (this is ${process.platform})`);
  const result = spawnSync(CHRT, [...CHRT_IDLE_ARGS, process.execPath, '--version'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    probed = code === 'ENOENT' ? `no ${CHRT} on PATH (util-linux)` : `${CHRT} ${CHRT_IDLE_ARGS.join(' ')} failed: ${result.error.message}`;
  } else if (result.status !== 0) {
    const said = result.stderr.toString().trim().split('\n')[0] ?? '';
    probed = `${CHRT} ${CHRT_IDLE_ARGS.join(' ')} refused (exit ${String(result.status ?? result.signal)}${said === '' ? '' : `: ${said}`})`;
  } else {
    probed = null;
  }
  return probed;
}

/** How to start the door for `policy`: under chrt, or forked and niced (with the reason when 'idle' was asked for). */
export function doorLaunch(policy: 'nice' | 'idle'): DoorLaunch {
  if (policy === 'nice') return { policy: 'nice', fallbackReason: null };
  const why = schedIdleUnavailable();
  return why === null ? { policy: 'idle', command: CHRT, prefixArgs: [...CHRT_IDLE_ARGS, process.execPath] } : { policy: 'nice', fallbackReason: why };
}

/**
 * The snapshot shadow's thread (started by engine/snapshot_scheduler.ts through core/spawn_worker.ts
 * with ShadowWorkerData): lowers its own priority (nice, then SCHED_IDLE and I/O class idle), builds a
 * second state machine with the logic's module and config, and answers ShadowRequests one at a time
 * (shadow_replay.ts does the work).
 *
 * Any failure is answered with `failed` and ends the thread: the state it held may be half-way
 * through a record, so the scheduler starts a new shadow, seeded afresh, for the next request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LogicConfig, StateMachine } from '../core/logic/state_machine_api.ts';
import { idleThisThread } from '../core/idle_thread.ts';
import { niceThisThread } from '../core/os_thread.ts';
import { ShadowReplay, type ShadowSeed } from './shadow_replay.ts';
import type { ShadowReply, ShadowRequest, ShadowWorkerData } from './shadow_worker_protocol.ts';

const data = workerData as ShadowWorkerData;
const port = parentPort;
if (port === null) throw new Error('shadow_worker.ts must run as a worker thread');

// Only this thread yields: nice 19, then SCHED_IDLE (a waking engine thread preempts it at once) and I/O class idle.
// Where either is refused the shadow still works, at the priority it has; the scheduler logs why once.
niceThisThread(data.nice);
const refused = idleThisThread();
if (refused.length > 0) port.postMessage({ type: 'notIdle', refused } satisfies ShadowReply);

const { createStateMachine } = (await import(data.stateMachineModule)) as { createStateMachine(config: LogicConfig): StateMachine };
const seed = data.recoveryModule === '' ? null : ((await import(data.recoveryModule)) as { recoverState: ShadowSeed }).recoverState;
const shadowMachine = createStateMachine(data.logic);
// The shadow only builds snapshots: nobody reads its events (they are not state), so it emits none.
shadowMachine.setEventsEnabled(false);
const shadow = new ShadowReplay(shadowMachine, data.dataDir, seed);

port.on('message', (request: ShadowRequest) => {
  let reply: ShadowReply | null = null;
  try {
    if (request.type === 'catchUp') shadow.catchUp(request.sequence);
    else reply = { type: 'written', sequence: request.sequence, info: shadow.snapshot(request.sequence, data.snapshotsKept, !data.keepJournal) };
  } catch (error) {
    port.postMessage({ type: 'failed', sequence: request.sequence, message: error instanceof Error ? error.message : String(error) } satisfies ShadowReply);
    port.close(); // nothing more is taken from this state: the thread ends once this reply is out
    return;
  }
  if (reply !== null) port.postMessage(reply);
});

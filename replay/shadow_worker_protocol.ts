/**
 * The snapshot shadow's worker thread (replay/shadow_worker.ts) and the engine's scheduler
 * (engine/snapshot_scheduler.ts) talk in these messages. Requests come in ascending sequence order and
 * only for durable sequences; each is answered in order, catch-ups without a reply.
 */
import type { LogicConfig } from '../core/logic/state_machine_api.ts';
import type { ShadowSnapshot } from './shadow_replay.ts';

export interface ShadowWorkerData {
  readonly dataDir: string;
  readonly logic: LogicConfig;
  /** href of the module exporting createStateMachine(config): the logic worker's. */
  readonly stateMachineModule: string;
  /** href of the module exporting recoverState(sm, options), or '' (the shadow starts empty, as the logic did). */
  readonly recoveryModule: string;
  /** Snapshots the retention policy keeps. */
  readonly snapshotsKept: number;
  /** Keep the journal segments the retention would retire. */
  readonly keepJournal: boolean;
  /**
   * This thread's nice value (Linux sets it per thread): the shadow yields the CPU to the engine's
   * threads. It then moves itself to SCHED_IDLE and I/O class idle (core/idle_thread.ts); the nice
   * value is what stays where SCHED_IDLE is refused.
   */
  readonly nice: number;
}

export type ShadowRequest =
  /** Apply the journal up to `sequence` now, in one batch, so a snapshot later has less to catch up. */
  | { readonly type: 'catchUp'; readonly sequence: number }
  | { readonly type: 'snapshot'; readonly sequence: number };

export type ShadowReply =
  /** Sent once at start when the thread could not move itself to SCHED_IDLE or I/O class idle: why, per tool. */
  | { readonly type: 'notIdle'; readonly refused: readonly string[] }
  | { readonly type: 'written'; readonly sequence: number; readonly info: ShadowSnapshot }
  /** The shadow could not reach or write `sequence`; the thread ends after this (a new one reseeds). */
  | { readonly type: 'failed'; readonly sequence: number; readonly message: string };

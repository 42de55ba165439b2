/**
 * The business logic as the rest of the engine sees it: one object that applies input records in
 * sequence and writes one result record per input. It owns all domain state in typed arrays sized
 * from LogicConfig at construction and never allocates, reads a clock or does I/O in apply().
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { EventSink } from './event_emitter.ts';
import type { IdempotencyWindowState } from './idempotency.ts';

export interface LogicConfig {
  readonly maxAssets: number;
  readonly maxAccounts: number;
  /** (account, asset) balance cells across all accounts. */
  readonly maxBalances: number;
  readonly maxPendingTransfers: number;
  readonly maxItems: number;
  readonly maxEvents: number;
  /** Seats across all events. */
  readonly maxSeats: number;
  readonly maxSymbols: number;
  /** Resting orders across all books. */
  readonly maxOrders: number;
  /** Distinct price levels across all books. */
  readonly maxPriceLevels: number;
  /** Untriggered stop orders (and OCO stop legs) across all books. */
  readonly maxStopOrders: number;
  /** Ended (filled or cancelled) orders GET_ORDER still answers for, most recent first forgotten last. */
  readonly doneOrderWindow: number;
  /** Idempotency ids remembered per engine (oldest forgotten first). */
  readonly idempotencyWindow: number;
  /** Principals that can own things (rows of the quota table, principal_quotas.ts); default 4096. */
  readonly maxPrincipals?: number;
  /** Short positions (margin.ts) open at once across all accounts; default min(maxAccounts, 65,536). */
  readonly maxPositions?: number;
  /** Id ranges an admin may reserve with RESERVE_IDS (id_ranges.ts); default 1024. */
  readonly maxIdRanges?: number;
  /**
   * Default per-principal quotas (principal_quotas.ts); a kind not given defaults to 1/8 of its
   * capacity (openOrders: maxOrders). An admin sets one principal's own limits with SET_QUOTA.
   */
  readonly quotas?: Readonly<Partial<Record<'accounts' | 'items' | 'events' | 'seats' | 'openOrders' | 'pendingTransfers', number>>>;
}

/** One named region of the state, for snapshots and for the start-up memory report. */
export interface StateSection {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface StateMachine {
  /**
   * Applies the input record at `cmdBase` and writes its result record at `outBase`; returns the
   * result's length in bytes. Read-only commands are answered from state and change nothing.
   * Expected failures are result codes in the output; only a programmer error throws.
   */
  apply(cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number): number;
  /** A hash of the whole state (hex); two replays of the same input give the same hash. */
  stateHash(): string;
  /** Copies of every state region, for a snapshot. Allocates: called only at a snapshot pause. */
  exportState(): StateSection[];
  /**
   * The state's own regions, not copies, in exportState()'s order: valid only while apply() is not
   * called. For a thread that owns its state machine and can stop applying while it writes a snapshot
   * from them (the snapshot shadow, replay/shadow_replay.ts): no copy, nothing allocated per snapshot.
   */
  liveSections(): readonly StateSection[];
  /** Replaces the whole state with exported sections (same config required). */
  importState(sections: readonly StateSection[]): void;
  /** Bytes preallocated per region, for the start-up log. */
  memoryReport(): { name: string; bytes: number }[];
  /** The sequence of the last record applied, or FIRST_SEQUENCE - 1 (0, the empty state) before any. */
  readonly lastAppliedSequence: number;
  /**
   * The replicated principal table (core/logic/principal_registry.ts) in shared memory, which the
   * gateway on the main thread reads to authenticate keys; absent in a state machine without one.
   */
  principalTable?(): SharedArrayBuffer | null;
  /** Where apply() writes event records from now on (codec/records/event_descriptor.ts); a discarding sink by default. */
  attachEventSink(sink: EventSink): void;
  /** Event emission on (the default) or off (engine option `events`): off, apply() writes no event record. */
  setEventsEnabled(on: boolean): void;
  /**
   * Recovery brackets a journal replay with setReplaying(true) … (false): the state machine may keep
   * bookkeeping in a cheaper form meanwhile (the idempotency window, core/logic/idempotency.ts), as long
   * as results, events and every read of the state (hash, export) are the same as without it.
   */
  setReplaying?(on: boolean): void;
  /**
   * Recovery with a reader thread (replay/pipelined_replay.ts): the idempotency window as it stands,
   * for the reader's copy that finds repeats ahead of apply (core/logic/idempotency.ts, lookups ahead).
   */
  idempotencyWindowState?(): IdempotencyWindowState;
  /** While on, records are applied with applyLookedUp() only; off makes the state whole again. */
  setLookupsAhead?(on: boolean): void;
  /**
   * apply() with the idempotency lookup done ahead: `storedSlot` is the ring slot of the stored result a
   * repeated id is answered from, or -1 (a new id, or none). Same results, events and state as apply().
   */
  applyLookedUp?(cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number, storedSlot: number): number;
}

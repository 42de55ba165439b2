/**
 * A client session: one TCP connection, one WebSocket, or one HTTP request. The gateway core stamps
 * `id` into every record the session sends and routes results back by it; `principalId` and `admin`
 * come only from the key store, never from the client.
 */
import type { RecordBuffer } from '../codec/records/record_buffer.ts';

import type { PrincipalInFlight } from './principal_in_flight.ts';

export type TransportKind = 'tcp' | 'ws' | 'http';

/** What the core needs from a connection. Implemented once per transport. */
export interface SessionTransport {
  readonly kind: TransportKind;
  /** A result record for this session; valid only during the call (encode or copy it now). */
  deliver(result: RecordBuffer, base: number): void;
  /** A reply decided by the gateway itself (login, rejections); the command never reached the ring. */
  reply(code: number, correlationId: number, commandType: number, message: string | null): void;
  /** Writes what deliver/reply queued; called once per batch of results. */
  flush(): void;
  /** The core can take input again (ring space freed, in-flight dropped below the limit). */
  resume(): void;
  /** Closes the connection with a reason code (sends what it can first). */
  close(code: number): void;
}

export class Session {
  principalId = 0;
  admin = false;
  /** Commands published and not yet answered. */
  inFlight = 0;
  /**
   * The principal's commands in flight over all its sessions (set at login; maxInFlightPerPrincipal).
   * Null for the gateway's internal sessions that act for principals without logging in (depth queries
   * for market subscribers, event_depth_source.ts): no per-principal limit applies to them.
   */
  principalInFlight: PrincipalInFlight | null = null;
  closed = false;
  /** Queued for the next flush. */
  dirty = false;
  /** Declined input because the ring was full or too much was in flight; resume() when it clears. */
  blocked = false;
  /** Monotonic ms of the last input, for the idle timeout. */
  lastInputMs = 0;
  /** Counted among the pre-login connections (TCP / WebSocket not yet logged in). */
  preLogin = false;
  /** Login option: when the session closes, journal a CANCEL_ALL_ORDERS for every account of the principal. */
  cancelOnDisconnect = false;

  constructor(
    readonly id: number,
    readonly transport: SessionTransport,
    /** Source address (pre-login limits are per address); '' for HTTP. */
    readonly remoteAddress: string,
    /** Date.now() when the connection opened: the login deadline counts from here. */
    readonly openedMs: number,
  ) {}

  get authenticated(): boolean {
    return this.principalId !== 0;
  }
}

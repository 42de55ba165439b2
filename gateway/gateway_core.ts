/**
 * The transport-independent middle of the gateway: sessions, login, turning verified messages into
 * ring records, and routing durable results back to their session.
 *
 *   transport ──frame──► submitFrame ──translate into scratch──► tryClaim + copy ──► publish per batch
 *   engine ──onResult──► session by id ──► transport.deliver ──► flush once per result batch
 *
 * Messages are verified and translated into a private scratch record first and only then copied
 * into a claimed slot: a message that fails verification never touches the ring, and a claimed slot
 * is always published with a valid record.
 */
import { PrincipalInFlightTable } from './principal_in_flight.ts';
import { PrincipalCounts } from './principal_counts.ts';
import type { EngineEvents } from '../core/engine_api.ts';
import { createRecordBuffer, type RecordBuffer } from '../codec/records/record_buffer.ts';
import { CancelAllOrders, CmdHeader, CMD_FLAG_ADMIN, CMD_FLAG_READ_ONLY, CMD_MAX_RECORD_BYTES, CommandType } from '../codec/records/command_descriptor.ts';
import { COMMAND_TRAITS, TRAIT_ADMIN, TRAIT_READ_ONLY } from '../codec/registry/command_traits.ts';
import { ResHeader } from '../codec/records/result_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import type { InputPublisher, ResultListener } from '../core/engine_api.ts';
import type { GatewayConfig } from './gateway_config.ts';
import { GatewayMetrics } from './gateway_metrics.ts';
import type { Principal, PrincipalStore } from './principal_store.ts';
import type { DoorStats } from './pre_login_door.ts';
import { LOGIN_CLOSE_SLICE, loginSweepPlan, PreLoginGate } from '../core/pre_login_gate.ts';
import { Session, type SessionTransport } from './session.ts';
import { TranslateResult } from '../codec/wire/translate_result.ts';
import { LOGIN_COMMAND_TYPE, type WireCodec } from './wire_codec.ts';

/** The engine as the gateway needs it. */
export interface GatewayEngine {
  readonly input: InputPublisher;
  onResult(listener: ResultListener): void;
  /** 0 while storage takes writes, else the fault (journal/storage_fault.ts); absent = never faults. */
  storageFault?(): number;
  /**
   * Cluster mode: null while this node takes writes; otherwise the leader's client address ('' when
   * none is known), and every mutating command is answered NOT_LEADER with "leader=<address>".
   */
  notLeader?(): string | null;
  /**
   * The replicated principal table (core/logic/principal_registry.ts) this engine's state keeps, for
   * logins with replicated keys; absent or null: only the node's own principals.json.
   */
  principalTable?(): Uint32Array | null;
  /** The engine's event stream (subscriptions, docs/events.md); absent: no subscriptions (a follower). */
  readonly events?: EngineEvents;
}

/** submitFrame / submitJson outcomes. */
export const SUBMIT_ACCEPTED = 0;
/** Not taken (ring full, or too many in flight and the transport asked to pause): offer it again later. */
export const SUBMIT_DECLINED = 1;
/** Answered by the gateway (error or login); the caller continues with the next frame. */
export const SUBMIT_ANSWERED = 2;
/** Answered, and the session was closed (bad credentials, not authenticated). Stop reading. */
export const SUBMIT_CLOSED = 3;

export class GatewayCore {
  readonly metrics = new GatewayMetrics();
  private readonly sessions = new Map<number, Session>();
  private nextSessionId = 1;
  private readonly scratch: RecordBuffer = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
  private readonly outcome = new TranslateResult();
  private claimedSinceFlush = 0;
  private readonly dirty: Session[] = [];
  private flushScheduled = false;
  private readonly blocked: Session[] = [];
  private resumeScheduled = false;
  private shuttingDown = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly loginTimer: NodeJS.Timeout;
  private readonly preLogin: PreLoginGate<Session>;
  /** A slice of the login-deadline sweep is waiting for its setImmediate. */
  private loginSweepScheduled = false;
  /** Most expired pre-login connections closed per sweep tick. */
  private readonly loginClosesPerTick: number;
  /** Pre-login connections the door process holds, and its last counters (doorStats). */
  private doorHeld = 0;
  private doorLast: DoorStats | null = null;
  /** Authenticated TCP + WebSocket connections (what maxConnections limits). */
  private authenticatedConnections = 0;
  /** The same, per principal (maxConnectionsPerPrincipal). */
  private readonly connectionsByPrincipal: PrincipalCounts;
  /** Commands in flight per principal, over all its sessions (maxInFlightPerPrincipal). */
  private readonly principalsInFlight = new PrincipalInFlightTable();
  /** HTTP requests in flight per principal (maxHttpInFlightPerPrincipal); metrics.httpInFlight counts them all. */
  private readonly httpInFlightByPrincipal: PrincipalCounts;
  /** Why the last admit() refused, when the code alone does not say it (a limit's name); else null. */
  lastRefusalDetail: string | null = null;
  private readonly runFlush = (): void => this.flushDirty();
  private readonly runResume = (): void => this.resumeBlocked();
  private readonly storageFault: (() => number) | undefined;

  constructor(
    private readonly engine: GatewayEngine,
    readonly codec: WireCodec,
    readonly principals: PrincipalStore,
    readonly config: GatewayConfig,
  ) {
    engine.onResult((buffer, base) => this.onResult(buffer, base));
    this.storageFault = engine.storageFault === undefined ? undefined : () => engine.storageFault?.() ?? 0;
    if (config.idleTimeoutMs > 0) {
      this.idleTimer = setInterval(() => this.closeIdle(), Math.max(250, Math.min(config.idleTimeoutMs / 4, 5000)));
      this.idleTimer.unref();
    }
    this.connectionsByPrincipal = new PrincipalCounts(config.maxConnectionsPerPrincipal);
    this.httpInFlightByPrincipal = new PrincipalCounts(config.maxHttpInFlightPerPrincipal);
    this.preLogin = new PreLoginGate<Session>(config.maxPreLoginConnections, config.maxPreLoginConnectionsPerAddress, config.loginTimeoutMs);
    // Often, and at most loginClosesPerTick a tick (pre_login_gate.ts, loginSweepPlan).
    const { tickMs, closesPerTick } = loginSweepPlan(config.loginTimeoutMs, config.maxPreLoginConnections);
    this.loginClosesPerTick = closesPerTick;
    this.loginTimer = setInterval(() => this.scheduleLoginSweep(), tickMs);
    this.loginTimer.unref();
  }

  /** Why openSession refused: SHUTTING_DOWN while stopping, else TOO_MANY_UNAUTHENTICATED (this address has its share). */
  get refusalCode(): number {
    return this.shuttingDown ? ResultCode.SHUTTING_DOWN : ResultCode.TOO_MANY_UNAUTHENTICATED;
  }

  /** Connections open and not logged in yet (the door's included). */
  get preLoginCount(): number {
    return this.preLogin.size + this.doorHeld;
  }

  /**
   * The pre-login door's latest counters (pre_login_door.ts; cumulative since it started), or null when
   * it died: its connections count as pre-login here, its refusals in the gateway's metrics.
   */
  doorStats(stats: DoorStats | null): void {
    const last = this.doorLast;
    if (stats === null) {
      this.doorHeld = 0;
      this.doorLast = null;
      return;
    }
    this.doorHeld = stats.open;
    this.metrics.connectionsRejected += stats.rejected - (last?.rejected ?? 0);
    this.metrics.preLoginEvictions += stats.evictions - (last?.evictions ?? 0);
    this.metrics.loginTimeouts += stats.loginTimeouts - (last?.loginTimeouts ?? 0);
    this.metrics.protocolErrorDisconnects += stats.protocolErrors - (last?.protocolErrors ?? 0);
    this.doorLast = stats;
  }

  get authenticatedConnectionCount(): number {
    return this.authenticatedConnections;
  }

  /** True once beginShutdown() ran: new sessions and commands are refused. */
  /** False when the engine runs with events off: history and subscriptions answer EVENTS_DISABLED. */
  get eventsEnabled(): boolean {
    return this.engine.events?.enabled !== false;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Registers a connection (pre-login until it authenticates; see pre_login_gate.ts), or returns null
   * when shutting down or when `remoteAddress` has its share of pre-login connections (the caller
   * refuses it with refusalCode). A full pre-login pool closes its oldest member instead.
   */
  openSession(transport: SessionTransport, remoteAddress = ''): Session | null {
    const connection = transport.kind !== 'http';
    if (this.shuttingDown || (connection && !this.preLogin.allows(remoteAddress))) {
      this.metrics.connectionsRejected++;
      return null;
    }
    if (connection) {
      const victim = this.preLogin.victim();
      if (victim !== null) {
        this.metrics.preLoginEvictions++;
        this.closeWith(victim, ResultCode.TOO_MANY_UNAUTHENTICATED);
      }
    }
    // Ids are u32 in the record; after a wrap, skip any still held by a long-lived connection.
    let id = this.nextSessionId;
    while (this.sessions.has(id)) id = id >= 0xffff_fff0 ? 1 : id + 1;
    this.nextSessionId = id >= 0xffff_fff0 ? 1 : id + 1;
    const now = Date.now();
    const session = new Session(id, transport, remoteAddress, now);
    session.lastInputMs = now;
    this.sessions.set(id, session);
    if (connection) this.preLogin.admit(session);
    if (transport.kind === 'tcp') this.metrics.connectionsOpenTcp++;
    else if (transport.kind === 'ws') this.metrics.connectionsOpenWs++;
    if (transport.kind !== 'http') this.metrics.connectionsTotal++;
    return session;
  }

  /**
   * Forgets a session; results still in flight for it are dropped when they arrive. A session that
   * logged in with cancelOnDisconnect leaves a CANCEL_ALL_ORDERS behind (journaled like any command).
   */
  closeSession(session: Session): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session.id);
    if (session.cancelOnDisconnect && session.authenticated) this.cancelOnDisconnect(session.id, session.principalId, session.admin);
    if (session.preLogin) this.preLogin.leave(session);
    else if (session.authenticated && session.transport.kind !== 'http') {
      this.authenticatedConnections--;
      this.connectionsByPrincipal.give(session.principalId);
    }
    if (session.principalInFlight !== null) this.principalsInFlight.leave(session.principalId, session.principalInFlight, session.inFlight);
    if (session.transport.kind === 'tcp') this.metrics.connectionsOpenTcp--;
    else if (session.transport.kind === 'ws') this.metrics.connectionsOpenWs--;
  }

  /**
   * Counts one HTTP request (a command or a history page) in flight for `principal` until
   * giveHttpSlot: null, or why it is refused (BUSY) — maxHttpInFlight in all, or the principal's
   * maxHttpInFlightPerPrincipal, so one tenant's flood cannot fill the gateway's HTTP for everyone.
   */
  takeHttpSlot(principal: Principal): string | null {
    if (this.metrics.httpInFlight >= this.config.maxHttpInFlight) return `${this.config.maxHttpInFlight} HTTP requests are in flight (maxHttpInFlight)`;
    if (!this.httpInFlightByPrincipal.tryTake(principal.id, principal.admin)) {
      return `principal ${principal.id} has ${this.config.maxHttpInFlightPerPrincipal} HTTP requests in flight (maxHttpInFlightPerPrincipal)`;
    }
    this.metrics.httpInFlight++;
    return null;
  }

  giveHttpSlot(principalId: number): void {
    this.metrics.httpInFlight--;
    this.httpInFlightByPrincipal.give(principalId);
  }

  /**
   * Authenticates by key (upgrade header, HTTP header or Login message). Returns OK, BAD_CREDENTIALS,
   * or TOO_MANY_CONNECTIONS when maxConnections authenticated connections are open already, or the
   * principal's maxConnectionsPerPrincipal (lastRefusalDetail says which).
   */
  authenticate(session: Session, key: string): number {
    return this.admit(session, this.principals.authenticate(key));
  }

  /**
   * The second half of authenticate() for a caller that already checked the key (an HTTP request is
   * checked before its body is read): the key's hash is computed once per request, not twice.
   */
  admit(session: Session, principal: Principal | null): number {
    this.lastRefusalDetail = null;
    if (principal === null) return ResultCode.BAD_CREDENTIALS;
    if (session.transport.kind !== 'http') {
      if (this.authenticatedConnections >= this.config.maxConnections) {
        this.metrics.connectionsRejected++;
        this.lastRefusalDetail = `${this.config.maxConnections} connections are open (maxConnections)`;
        return ResultCode.TOO_MANY_CONNECTIONS;
      }
      if (!this.connectionsByPrincipal.tryTake(principal.id, principal.admin)) {
        this.metrics.connectionsRejected++;
        this.lastRefusalDetail = `principal ${principal.id} has ${this.config.maxConnectionsPerPrincipal} connections open (maxConnectionsPerPrincipal)`;
        return ResultCode.TOO_MANY_CONNECTIONS;
      }
      this.preLogin.leave(session);
      this.authenticatedConnections++;
    }
    session.principalId = principal.id;
    session.admin = principal.admin;
    session.principalInFlight = this.principalsInFlight.join(principal.id);
    return ResultCode.OK;
  }

  /**
   * One binary client message (a TCP frame's payload or a WebSocket message). `pauseWhenFull`:
   * TCP pauses reading (DECLINED) when the ring is full or too much is in flight; WebSocket cannot,
   * so it answers BUSY / TOO_MANY_IN_FLIGHT instead.
   */
  submitFrame(session: Session, bytes: Uint8Array, pauseWhenFull: boolean): number {
    const outcome = this.outcome;
    const code = this.codec.translateRequest(bytes, this.scratch, 0, outcome);
    // Before login, anything but a valid Login closes the connection: no second guess for a prober.
    if (code !== ResultCode.OK) return this.answer(session, code, outcome, !session.authenticated);
    if (outcome.isLogin) {
      outcome.commandType = LOGIN_COMMAND_TYPE;
      if (session.authenticated) return this.answer(session, ResultCode.ALREADY_AUTHENTICATED, outcome, false);
      const loginCode = this.authenticate(session, outcome.apiKey);
      session.cancelOnDisconnect = loginCode === ResultCode.OK && outcome.cancelOnDisconnect;
      return this.answer(session, loginCode, outcome, loginCode !== ResultCode.OK, this.lastRefusalDetail);
    }
    return this.submitScratch(session, pauseWhenFull);
  }

  /** A parsed JSON request from HTTP; same checks as submitFrame (a login is not a command here). */
  submitJson(session: Session, body: unknown): number {
    const outcome = this.outcome;
    const code = this.codec.translateJson(body, this.scratch, 0, outcome);
    if (code !== ResultCode.OK) return this.answer(session, code, outcome, false);
    if (outcome.isLogin) {
      outcome.fail(ResultCode.UNKNOWN_COMMAND, 'login is not an HTTP command: send the key in the Authorization header');
      return this.answer(session, ResultCode.UNKNOWN_COMMAND, outcome, false);
    }
    return this.submitScratch(session, false);
  }

  /** Input arrived (a socket chunk, a WebSocket message, an HTTP body): its commands' latency starts now. */
  beginInput(): void {
    this.engine.input.received?.();
  }

  /** Publishes everything claimed since the last call; transports call it after each input chunk. */
  endInputBatch(): void {
    if (this.claimedSinceFlush === 0) return;
    this.claimedSinceFlush = 0;
    this.metrics.publishBatches++;
    this.engine.input.publish();
  }

  /** Re-offers a session's held input once the ring or its in-flight count allows. */
  block(session: Session): void {
    if (session.blocked) return;
    session.blocked = true;
    this.blocked.push(session);
    // Results free ring space and in-flight slots and schedule a resume; this timer covers a ring that
    // is full of other sessions' commands whose results arrive before we are called again.
    setTimeout(this.runResume, 1);
  }

  /** Refuses new input (SHUTTING_DOWN) while letting results in flight drain. */
  beginShutdown(): void {
    this.shuttingDown = true;
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
    clearInterval(this.loginTimer);
  }

  /** Commands published and not yet answered, over all sessions. */
  inFlightTotal(): number {
    let total = 0;
    for (const s of this.sessions.values()) total += s.inFlight;
    return total;
  }

  /**
   * Publishes CANCEL_ALL_ORDERS (every account of the principal, every symbol) for a closed session,
   * stamped with its session id (the result finds no session and is dropped). When the ring is full it
   * retries every few ms; a gateway that is shutting down drops it (the engine stops anyway).
   */
  private cancelOnDisconnect(sessionId: number, principalId: number, admin: boolean): void {
    if (this.shuttingDown) return;
    const input = this.engine.input;
    const base = input.tryClaim();
    if (base < 0) {
      this.metrics.ringFullEvents++;
      setTimeout(() => this.cancelOnDisconnect(sessionId, principalId, admin), 5);
      return;
    }
    const ring = input.buffer;
    for (let i = 0; i < CancelAllOrders.BYTES >>> 2; i++) ring.i32[(base >>> 2) + i] = 0;
    ring.u32[(base + CmdHeader.LENGTH) >>> 2] = CancelAllOrders.BYTES;
    ring.u16[(base + CmdHeader.TYPE) >>> 1] = CommandType.CANCEL_ALL_ORDERS;
    ring.f64[(base + CmdHeader.CORRELATION_ID) >>> 3] = 0;
    ring.f64[(base + CmdHeader.IDEMPOTENCY_ID) >>> 3] = 0;
    input.stampHeader(base, sessionId, principalId, admin ? CMD_FLAG_ADMIN : 0);
    this.metrics.countCommand(CommandType.CANCEL_ALL_ORDERS);
    this.claimedSinceFlush++;
    this.endInputBatch();
  }

  private submitScratch(session: Session, pauseWhenFull: boolean): number {
    const outcome = this.outcome;
    if (this.shuttingDown) return this.answer(session, ResultCode.SHUTTING_DOWN, outcome, false);
    if (!session.authenticated) return this.answer(session, ResultCode.NOT_AUTHENTICATED, outcome, true);
    const type = this.scratch.u16[CmdHeader.TYPE >>> 1];
    // Admin-only commands from anyone else stop here (the logic checks again): they never take a ring
    // slot, and a non-admin can never make the logic thread pause for a SNAPSHOT.
    if (!session.admin && (COMMAND_TRAITS[type] & TRAIT_ADMIN) !== 0) return this.answer(session, ResultCode.ADMIN_REQUIRED, outcome, false);
    // Cluster mode: a node that is not the leader answers writes with the leader's address.
    if (this.engine.notLeader !== undefined && (COMMAND_TRAITS[type] & TRAIT_READ_ONLY) === 0) {
      const leader = this.engine.notLeader();
      if (leader !== null) return this.answer(session, ResultCode.NOT_LEADER, outcome, false, leader === '' ? 'leader unknown' : `leader=${leader}`);
    }
    // Storage unavailable: a command that would change state is refused before it is sequenced, so
    // the logic never applies what the journal could not take (journal/storage_fault.ts). Reads go on.
    if ((COMMAND_TRAITS[type] & TRAIT_READ_ONLY) === 0 && this.storageFault !== undefined && this.storageFault() !== 0) {
      return this.answer(session, ResultCode.STORAGE_UNAVAILABLE, outcome, false);
    }
    if (session.inFlight >= this.config.maxInFlightPerConnection) {
      if (pauseWhenFull) return SUBMIT_DECLINED;
      return this.answer(session, ResultCode.TOO_MANY_IN_FLIGHT, outcome, false);
    }
    const principalInFlight = session.principalInFlight;
    if (principalInFlight !== null && principalInFlight.commands >= this.config.maxInFlightPerPrincipal && !session.admin) {
      if (pauseWhenFull) return SUBMIT_DECLINED;
      return this.answer(session, ResultCode.TOO_MANY_IN_FLIGHT, outcome, false,
        `principal ${session.principalId} has ${this.config.maxInFlightPerPrincipal} commands in flight (maxInFlightPerPrincipal)`);
    }
    const input = this.engine.input;
    const base = input.tryClaim();
    if (base < 0) {
      this.metrics.ringFullEvents++;
      this.endInputBatch();
      if (pauseWhenFull) return SUBMIT_DECLINED;
      return this.answer(session, ResultCode.BUSY, outcome, false);
    }
    const scratch = this.scratch;
    // Copy the record word by word: no subarray view to allocate. Int32 words, never float64: a float
    // copy may canonicalise NaN bit patterns, and seat lists and u32 fields can look like NaNs.
    const words = scratch.u32[CmdHeader.LENGTH >>> 2] >>> 2;
    const ring = input.buffer;
    const from = scratch.i32;
    const to = ring.i32;
    const baseWord = base >>> 2;
    for (let i = 0; i < words; i++) to[baseWord + i] = from[i];
    let flags = 0;
    if (session.admin) flags |= CMD_FLAG_ADMIN;
    if ((COMMAND_TRAITS[type] & TRAIT_READ_ONLY) !== 0) flags |= CMD_FLAG_READ_ONLY;
    input.stampHeader(base, session.id, session.principalId, flags);
    session.inFlight++;
    if (principalInFlight !== null) principalInFlight.commands++;
    this.claimedSinceFlush++;
    this.metrics.countCommand(type);
    return SUBMIT_ACCEPTED;
  }

  private answer(session: Session, code: number, outcome: TranslateResult, close: boolean, detail: string | null = null): number {
    this.metrics.countGatewayReply(code);
    this.metrics.countResult(code);
    // Only failures of the translation carry a detail (the field at fault); build the message then only.
    const message = detail ?? (code !== ResultCode.OK && outcome.code === code && outcome.detail !== '' ? outcome.message : null);
    session.transport.reply(code, outcome.correlationId, outcome.commandType, message);
    if (close) {
      session.transport.flush();
      session.transport.close(code);
      this.closeSession(session);
      return SUBMIT_CLOSED;
    }
    this.markDirty(session);
    return SUBMIT_ANSWERED;
  }

  private onResult(buffer: RecordBuffer, base: number): void {
    this.metrics.countResult(buffer.u16[(base + ResHeader.CODE) >>> 1]);
    const session = this.sessions.get(buffer.u32[(base + ResHeader.SESSION_ID) >>> 2]);
    if (session !== undefined) {
      session.inFlight--;
      const principalInFlight = session.principalInFlight;
      if (principalInFlight !== null) principalInFlight.commands--;
      session.transport.deliver(buffer, base);
      this.markDirty(session);
    }
    if (this.blocked.length > 0 && !this.resumeScheduled) {
      this.resumeScheduled = true;
      setImmediate(this.runResume);
    }
  }

  private markDirty(session: Session): void {
    if (session.dirty) return;
    session.dirty = true;
    this.dirty.push(session);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.runFlush);
    }
  }

  private flushDirty(): void {
    this.flushScheduled = false;
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      const session = dirty[i];
      session.dirty = false;
      if (!session.closed) session.transport.flush();
    }
    dirty.length = 0;
  }

  private resumeBlocked(): void {
    this.resumeScheduled = false;
    if (this.blocked.length === 0) return;
    const waiting = this.blocked.splice(0, this.blocked.length);
    for (const session of waiting) {
      session.blocked = false;
      if (!session.closed) session.transport.resume();
    }
  }

  private closeIdle(): void {
    const limit = Date.now() - this.config.idleTimeoutMs;
    // No copy of the session table (10,000 entries under a flood): deleting the entry being visited
    // is safe while iterating a Map.
    for (const session of this.sessions.values()) {
      if (session.transport.kind !== 'http' && session.inFlight === 0 && session.lastInputMs < limit) {
        this.closeWith(session, ResultCode.IDLE_TIMEOUT);
      }
    }
  }

  /**
   * The login-deadline sweep runs after the event loop's next poll for input, against the time taken
   * now: timers run after that poll, so a gateway thread that wakes late (a saturated machine) would
   * otherwise close a client whose Login arrived in time but is still unread in the kernel.
   */
  private scheduleLoginSweep(): void {
    if (this.loginSweepScheduled) return;
    this.loginSweepScheduled = true;
    const nowMs = Date.now();
    setImmediate(() => this.closeLoginExpired(this.loginClosesPerTick, nowMs));
  }

  /**
   * Closes connections still not logged in at their deadline (bytes sent meanwhile do not count), at
   * most LOGIN_CLOSE_SLICE at a time: a flood's deadlines expire by the hundred per tick, and closing
   * them in one go would hold the event loop for milliseconds while authenticated clients wait. Between
   * slices (setImmediate) the loop polls the sockets, so a client's command waits one slice at most.
   */
  private closeLoginExpired(budget: number, nowMs: number): void {
    const expired = this.preLogin.expired(nowMs, Math.min(budget, LOGIN_CLOSE_SLICE));
    for (const session of expired) {
      this.metrics.loginTimeouts++;
      this.closeWith(session, ResultCode.LOGIN_TIMEOUT);
    }
    const left = budget - expired.length;
    if (expired.length === LOGIN_CLOSE_SLICE && left > 0) setImmediate(() => this.closeLoginExpired(left, nowMs));
    else this.loginSweepScheduled = false;
  }

  /** Tells the client why, then closes its connection and forgets the session. */
  private closeWith(session: Session, code: number): void {
    session.transport.reply(code, 0, 0, null);
    session.transport.flush();
    session.transport.close(code);
    this.closeSession(session);
  }
}

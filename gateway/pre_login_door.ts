/**
 * The pre-login door: a child process that holds the binary TCP listener's connections until they
 * have sent a valid Login frame, so an attack by connections that never log in (slowloris, floods
 * of accepts and closes) costs the gateway thread nothing.
 *
 *   client ──connect──► door process (pre_login_door_process.ts): pool and per-address limits, login
 *                        deadline, frame limit, the first frame verified as a Login
 *                          │ invalid / late / evicted: answered with its code and closed there
 *                          ▼ a valid Login frame
 *                        reading stopped, the socket handed over (IPC, SCM_RIGHTS) with the bytes read
 *   gateway thread ◄─────┘ the key checked here (principals live here), then the connection is a normal one
 *
 * The gateway binds the port and passes the listening socket to the door once the door says it can
 * take it (its 'hello'), then closes its own copy when the door is ready: the door accepts every
 * connection. The hand-over is sound because the door stops reading for good before it sends (no
 * byte can be read and dropped after the Login frame) and forwards every byte it has read;
 * the gateway feeds those bytes first, then reads the socket where the door stopped. The key is
 * checked by the gateway, so a wrong key, maxConnections and everything after login behave as inline.
 * TLS connections cannot be handed over (their session state lives in the process that did the
 * handshake): with TLS, the gateway checks logins inline (tcp_server.ts).
 *
 * Until the door is ready the gateway accepts inline (no gap at start, and none at all if the door
 * cannot start). If the door process dies, the gateway logs it and takes the listener back inline on
 * the same port (the connections the door held are lost; their clients reconnect).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isTypeScriptModule, runnableModuleUrl } from '../core/module_url.ts';
import type { GatewayConfig } from './gateway_config.ts';
import { moveToSchedIdle } from './pre_login_door_launch.ts';
import { adoptTcpHandle, isRawTcpHandle, type ReadsInPlace } from './raw_tcp_handle.ts';
import { TCP_LISTEN_BACKLOG } from './port_probe.ts';

/** What the door needs of the gateway's configuration. */
export interface DoorConfig {
  readonly maxPreLoginConnections: number;
  readonly maxPreLoginConnectionsPerAddress: number;
  readonly loginTimeoutMs: number;
  readonly maxPreLoginFrameBytes: number;
}

/** Cumulative counters of the door, and the pre-login connections it holds now. */
export interface DoorStats {
  readonly open: number;
  /** Refused at accept: the source address had its share (TOO_MANY_UNAUTHENTICATED). */
  readonly rejected: number;
  /** Closed as the oldest of a full pool (TOO_MANY_UNAUTHENTICATED). */
  readonly evictions: number;
  /** Closed at the login deadline (LOGIN_TIMEOUT). */
  readonly loginTimeouts: number;
  /** Closed for a bad first frame (framing, verification, not a Login). */
  readonly protocolErrors: number;
  /** Handed over to the gateway with a Login frame. */
  readonly handedOver: number;
}

/** Gateway → door. */
export type ToDoor =
  | { readonly type: 'listen'; readonly config: DoorConfig } // with the listening net.Server as handle
  | { readonly type: 'drop' };

/** Door → gateway. */
export type FromDoor =
  | { readonly type: 'hello' } // its 'message' listener is in place: the listener may be sent
  | { readonly type: 'ready' }
  | ({ readonly type: 'stats' } & DoorStats)
  // with the connection's bare TCP handle; `bytes` (base64): everything the door read, the Login frame first
  | { readonly type: 'login'; readonly bytes: string; readonly remoteAddress: string; readonly openedMs: number };

export interface DoorHandlers {
  /** A connection that sent a Login frame: `bytes` must be fed before anything read from `socket`. */
  login(socket: Socket, bytes: Buffer, remoteAddress: string, openedMs: number): void;
  /** Where the sockets handed to login() read into (raw_tcp_handle.ts); absent: a new Buffer per read, as 'data'. */
  readonly reads?: ReadsInPlace;
  stats(stats: DoorStats): void;
  /** A line for the operator's log: the door runs, but not as configured (SCHED_IDLE unavailable: nice instead). */
  notice(line: string): void;
  /**
   * The door process died or could not start (not by close()): `server` is the listener the gateway
   * accepts on from now on (the same port).
   */
  died(server: Server, reason: string): void;
}

const DOOR_ENTRY = new URL('./pre_login_door_process.ts', import.meta.url);
/**
 * The door's heap is its pre-login connections (a bare TCP handle and a small object each,
 * raw_tcp_handle.ts) and the garbage of the ones an attack churns through (a 5 s deadline on 10,000
 * reopened connections: ~2,000 a second). A small young generation and a heap that grows by 10%
 * instead of V8's default factor keep the door's growth for 10,000 held at +7..+16 MB, against
 * +17..+37 MB with V8's defaults (bare handles; with net.Sockets it was ~30-50 against ~100 MB;
 * docs/performance.md, hostile). The door does nothing else, so more frequent collections cost it little.
 */
export const PRE_LOGIN_DOOR_V8_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=10'];
const START_TIMEOUT_MS = 30_000;

export class PreLoginDoor {
  private closing = false;
  /** Resolves true once the door accepts on the listener, false if it could not start (the gateway stays inline). */
  readonly ready: Promise<boolean>;

  private constructor(private readonly child: ChildProcess, private readonly exited: Promise<void>, ready: Promise<boolean>) {
    this.ready = ready;
  }

  /** The door process's id (tests, diagnostics). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * Forks the door and hands it `server` (bound, listening, accepting inline meanwhile); once the door
   * accepts on it, the gateway closes its own copy. No gap at start: until then, and for good if the
   * door cannot start, the gateway holds new connections itself. If the door dies later, `inline()`
   * makes the listener the gateway takes back on the same address.
   */
  static start(server: Server, config: GatewayConfig, handlers: DoorHandlers, inline: () => Server): PreLoginDoor {
    const entry = runnableModuleUrl(DOOR_ENTRY);
    const child = fork(fileURLToPath(entry), [], {
      // A profiled engine (node --cpu-prof, the benches' --profile) profiles its door too.
      execArgv: [...(isTypeScriptModule(entry) ? ['--import', 'tsx'] : []), ...PRE_LOGIN_DOOR_V8_FLAGS, ...process.execArgv.filter((flag) => flag.startsWith('--cpu-prof'))],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      // The door's scheduling priority (gateway option preLoginDoorNice, default +10). Under an attack
      // the door works hard (accepts, closes, reads); on a busy machine the gateway's and the logic's
      // threads, which serve clients that logged in, come first. A login waits longer then, an
      // authenticated command does not. With preLoginDoorPolicy idle, until the door is ready.
      if (child.pid !== undefined && config.preLoginDoorNice > 0) setPriority(child.pid, Math.min(19, getPriority(child.pid) + config.preLoginDoorNice));
    } catch { /* not allowed here (a container without the right): the door runs at the gateway's priority */ }
    const doorConfig: DoorConfig = {
      maxPreLoginConnections: config.maxPreLoginConnections, maxPreLoginConnectionsPerAddress: config.maxPreLoginConnectionsPerAddress,
      loginTimeoutMs: config.loginTimeoutMs, maxPreLoginFrameBytes: config.maxPreLoginFrameBytes,
    };
    const address = server.address();
    const listenOn = typeof address === 'object' && address !== null ? { host: address.address, port: address.port } : null;
    let started = false;
    let door: PreLoginDoor | null = null;
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => giveUp(`did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      const giveUp = (why: string): void => {
        clearTimeout(timer);
        if (started || door?.closing === true) return resolve(false);
        started = true; // not to be taken back: the gateway never let go
        child.kill('SIGKILL');
        handlers.died(server, `the pre-login door process ${why}`);
        resolve(false);
      };
      child.on('error', (error) => giveUp(`failed: ${error.message}`));
      child.once('exit', (code, signal) => {
        if (!started) return giveUp(`exited at start (code ${code}, signal ${signal})`);
        if (door?.closing === true) return;
        const fallback = inline();
        fallback.on('error', (error) => handlers.died(fallback, `the gateway could not take the TCP listener back: ${error.message}`));
        if (listenOn !== null) fallback.listen({ host: listenOn.host, port: listenOn.port, backlog: TCP_LISTEN_BACKLOG });
        handlers.died(fallback, `the pre-login door process exited (code ${code}, signal ${signal})`);
      });
      child.on('message', (message: FromDoor, handle: unknown) => {
        if (message.type === 'hello') {
          const listen: ToDoor = { type: 'listen', config: doorConfig };
          child.send(listen, server, (error) => { if (error !== null) giveUp(`could not be given the listener: ${error.message}`); });
        } else if (message.type === 'ready') {
          clearTimeout(timer);
          if (started) return;
          started = true;
          // The door accepts from here on; the gateway's copy of the listening socket would compete for them.
          server.close();
          // SCHED_IDLE only now: its start-up would wait for idle cores too (pre_login_door_launch.ts).
          if (config.preLoginDoorPolicy !== 'idle' || child.pid === undefined) return resolve(true);
          void moveToSchedIdle(child.pid).then((why) => {
            if (why !== null && door?.closing !== true) handlers.notice(`preLoginDoorPolicy idle: ${why}; the pre-login door runs at nice +${config.preLoginDoorNice} instead`);
            resolve(true);
          });
        } else if (message.type === 'stats') {
          handlers.stats(message);
        } else if (message.type === 'login') {
          // The door sends the bare TCP handle (raw_tcp_handle.ts); without one there is nothing to take over.
          if (isRawTcpHandle(handle)) handlers.login(adoptTcpHandle(handle, handlers.reads ?? null), Buffer.from(message.bytes, 'base64'), message.remoteAddress, message.openedMs);
        }
      });
    });
    door = new PreLoginDoor(child, exited, ready);
    return door;
  }

  /** Closes every connection the door holds (a network failure drill); it keeps accepting. */
  drop(): void {
    const message: ToDoor = { type: 'drop' };
    if (this.child.connected) this.child.send(message);
  }

  /** Stops the door process (its pre-login connections close with it). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

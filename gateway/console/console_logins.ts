/**
 * Console logins: the admin key is typed into the login form once and posted (never put in a URL, a
 * page or a log); an admin key is exchanged for a random session token sent back as a cookie that
 * scripts cannot read and other sites cannot make the browser send:
 *   Set-Cookie: ringline_console=<token>; Path=/console; HttpOnly; SameSite=Strict; Max-Age=...[; Secure]
 * Tokens live in memory only (a restart logs everybody out), expire after `ttlMs`, and at most
 * MAX_CONSOLE_LOGINS are kept (the oldest goes first). The console is read-only: a token can open the
 * page and its stream, nothing else; the key it came from is not kept.
 */
import { randomBytes } from 'node:crypto';

export const CONSOLE_COOKIE = 'ringline_console';
export const MAX_CONSOLE_LOGINS = 64;
export const DEFAULT_CONSOLE_LOGIN_TTL_MS = 8 * 3600_000;

export interface ConsoleLogin {
  readonly principalId: number;
  readonly expiresMs: number;
}

export class ConsoleLogins {
  private readonly logins = new Map<string, ConsoleLogin>();

  constructor(private readonly ttlMs = DEFAULT_CONSOLE_LOGIN_TTL_MS, private readonly now: () => number = Date.now) {}

  /** A new token for `principalId` (an admin: the caller checked). */
  create(principalId: number): string {
    this.sweep();
    while (this.logins.size >= MAX_CONSOLE_LOGINS) {
      const oldest = this.logins.keys().next().value as string;
      this.logins.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    this.logins.set(token, { principalId, expiresMs: this.now() + this.ttlMs });
    return token;
  }

  /** The login a Cookie header carries, or null (none, unknown, expired). */
  fromCookieHeader(cookieHeader: string): ConsoleLogin | null {
    const token = cookieValue(cookieHeader, CONSOLE_COOKIE);
    if (token === null) return null;
    const login = this.logins.get(token);
    if (login === undefined) return null;
    if (login.expiresMs <= this.now()) {
      this.logins.delete(token);
      return null;
    }
    return login;
  }

  /** Forgets the token a Cookie header carries (logout). */
  revoke(cookieHeader: string): void {
    const token = cookieValue(cookieHeader, CONSOLE_COOKIE);
    if (token !== null) this.logins.delete(token);
  }

  get size(): number {
    return this.logins.size;
  }

  setCookie(token: string, secure: boolean): string {
    return `${CONSOLE_COOKIE}=${token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.ttlMs / 1000)}${secure ? '; Secure' : ''}`;
  }

  static clearCookie(secure: boolean): string {
    return `${CONSOLE_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, login] of this.logins) if (login.expiresMs <= now) this.logins.delete(token);
  }
}

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string, name: string): string | null {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? null : value;
    }
  }
  return null;
}

/** The `key` field of an application/x-www-form-urlencoded body, or null. */
export function formField(body: string, field: string): string | null {
  const params = new URLSearchParams(body);
  const value = params.get(field);
  return value === null || value === '' ? null : value;
}

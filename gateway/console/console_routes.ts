/**
 * The operator console's HTTP routes on the uWS listener (read-only; docs/console.md):
 *
 *   GET  /console            the console page when the ringline_console cookie is a live login,
 *                            else the login form (no script: a password field posted to /console/login)
 *   POST /console/login      form body key=<admin key>: 303 to /console with the session cookie, or 401
 *                            with the form again (non-admin keys are refused: ADMIN_REQUIRED); 429 with
 *                            Retry-After while failed logins from the address, or from everywhere,
 *                            are over their limit (console_login_limiter.ts)
 *   POST /console/logout     forgets the login, clears the cookie, 303 to /console
 *   GET  /console/app.js     the page's script, /console/app.css its style (bundled at build time:
 *                            console_assets.generated.ts, written by scripts/build_console.ts)
 *   GET  /console/stream     Server-Sent Events, one `data:` frame per tick (console_feed.ts), for a
 *                            live login only (401 otherwise); ?symbols=1,2 watches those order books
 *
 * Every page is sent with a Content-Security-Policy that allows only this origin's script, style and
 * stream (no inline script, no framing). A console that cannot keep up skips frames instead of
 * buffering them: at most one frame waits in uWS per console.
 */
import type { HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { ResultCode } from '../../codec/result_codes.ts';
import type { PrincipalStore } from '../principal_store.ts';
import { CONSOLE_ASSETS } from './console_assets.generated.ts';
import { parseSymbolList } from './console_books.ts';
import type { ConsoleFeed } from './console_feed.ts';
import { ConsoleLoginLimiter } from './console_login_limiter.ts';
import { ConsoleLogins, formField } from './console_logins.ts';

/** Consoles streaming at once; more are answered 503. */
export const MAX_CONSOLE_STREAMS = 16;
const MAX_LOGIN_BODY_BYTES = 4096;
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['cache-control', 'no-store'],
  ['x-frame-options', 'DENY'],
];

export interface ConsoleRouteOptions {
  readonly principals: PrincipalStore;
  readonly feed: ConsoleFeed;
  readonly logins: ConsoleLogins;
  /** Brakes repeated failed logins; default: DEFAULT_LOGIN_LIMITS. */
  readonly loginLimiter?: ConsoleLoginLimiter;
  /** The listener serves TLS: the cookie gets Secure. */
  readonly secure: boolean;
}

export interface ConsoleRoutes {
  /** Consoles streaming now. */
  readonly streams: number;
  /** Ends every stream (engine stopping). */
  closeStreams(): void;
}

export function addConsoleRoutes(app: TemplatedApp, options: ConsoleRouteOptions): ConsoleRoutes {
  const { principals, feed, logins, secure } = options;
  const limiter = options.loginLimiter ?? new ConsoleLoginLimiter();
  /** Each streaming console and how to end it. */
  const streams = new Map<HttpResponse, () => void>();

  app.get('/console', (res, req) => {
    const login = logins.fromCookieHeader(req.getHeader('cookie'));
    if (login === null) return sendPage(res, '200 OK', loginPage(''));
    sendPage(res, '200 OK', CONSOLE_ASSETS.consoleHtml);
  });
  app.get('/console/app.js', (res) => sendAsset(res, 'text/javascript; charset=utf-8', CONSOLE_ASSETS.appJs));
  app.get('/console/app.css', (res) => sendAsset(res, 'text/css; charset=utf-8', CONSOLE_ASSETS.appCss));

  app.post('/console/login', (res) => {
    const address = Buffer.from(res.getRemoteAddressAsText()).toString('latin1');
    readSmallBody(res, MAX_LOGIN_BODY_BYTES, (body) => {
      const verdict = limiter.check(address);
      if (!verdict.allowed) {
        // Whatever the form holds, the key is not looked at: a throttled guesser learns nothing.
        const who = verdict.scope === 'address' ? 'from your address' : 'from everywhere';
        return sendPage(res, '429 Too Many Requests', loginPage(`Too many failed logins ${who}: try again in ${verdict.retryAfterSeconds} s (LOGIN_RATE_LIMITED, ${ResultCode.LOGIN_RATE_LIMITED}).`),
          [['retry-after', String(verdict.retryAfterSeconds)]]);
      }
      if (body === null) {
        limiter.failed(address);
        return sendPage(res, '413 Payload Too Large', loginPage('The form was too large.'));
      }
      const key = formField(body, 'key');
      const principal = key === null ? null : principals.authenticate(key);
      if (principal === null || !principal.admin) limiter.failed(address);
      if (principal === null) return sendPage(res, '401 Unauthorized', loginPage(key === null ? 'Enter the admin key.' : 'That key is not known (BAD_CREDENTIALS).'));
      if (!principal.admin) return sendPage(res, '403 Forbidden', loginPage(`The console needs an admin key (ADMIN_REQUIRED, ${ResultCode.ADMIN_REQUIRED}).`));
      const token = logins.create(principal.id);
      res.cork(() => {
        res.writeStatus('303 See Other').writeHeader('location', '/console').writeHeader('set-cookie', logins.setCookie(token, secure));
        for (const [name, value] of SECURITY_HEADERS) res.writeHeader(name, value);
        res.end();
      });
    });
  });

  app.post('/console/logout', (res, req) => {
    logins.revoke(req.getHeader('cookie'));
    res.onAborted(() => { /* nothing to undo */ });
    res.cork(() => {
      res.writeStatus('303 See Other').writeHeader('location', '/console').writeHeader('set-cookie', ConsoleLogins.clearCookie(secure)).end();
    });
  });

  app.get('/console/stream', (res, req) => {
    const login = logins.fromCookieHeader(req.getHeader('cookie'));
    const symbols = parseSymbolList(req.getQuery('symbols') ?? '');
    if (login === null) return sendText(res, '401 Unauthorized', 'log in at /console first\n');
    if (symbols === null) return sendText(res, '400 Bad Request', 'symbols: up to 8 positive integer symbol ids, comma separated\n');
    if (streams.size >= MAX_CONSOLE_STREAMS) return sendText(res, '503 Service Unavailable', `at most ${MAX_CONSOLE_STREAMS} consoles stream at once\n`);
    let closed = false;
    let congested = false;
    const unsubscribe = feed.subscribe({
      symbolIds: symbols,
      principalId: login.principalId,
      send: (text) => {
        if (closed || congested) return;
        res.cork(() => {
          if (!res.write(`data: ${text}\n\n`)) {
            congested = true;
            res.onWritable(() => {
              congested = false;
              return true;
            });
          }
        });
      },
    });
    const end = (): void => {
      if (closed) return;
      closed = true;
      streams.delete(res);
      unsubscribe();
    };
    streams.set(res, end);
    res.onAborted(end);
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('content-type', 'text/event-stream').writeHeader('cache-control', 'no-store').writeHeader('x-content-type-options', 'nosniff');
      res.write(`retry: 2000\n\n`);
    });
  });

  return {
    get streams() { return streams.size; },
    closeStreams(): void {
      for (const [res, end] of [...streams]) {
        end();
        res.cork(() => res.end());
      }
    },
  };
}

function loginPage(message: string): string {
  return CONSOLE_ASSETS.loginHtml.replace('<!--message-->', message === '' ? '' : `<p class="error" role="alert">${escapeHtml(message)}</p>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendPage(res: HttpResponse, status: string, html: string, extraHeaders: readonly (readonly [string, string])[] = []): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'text/html; charset=utf-8');
    for (const [name, value] of [...SECURITY_HEADERS, ...extraHeaders]) res.writeHeader(name, value);
    res.end(html);
  });
}

function sendAsset(res: HttpResponse, contentType: string, text: string): void {
  res.cork(() => res.writeStatus('200 OK').writeHeader('content-type', contentType).writeHeader('x-content-type-options', 'nosniff').writeHeader('cache-control', 'no-cache').end(text));
}

function sendText(res: HttpResponse, status: string, text: string): void {
  res.cork(() => res.writeStatus(status).writeHeader('content-type', 'text/plain; charset=utf-8').end(text));
}

/** A small body as text, or null when it is larger than `maxBytes` (the answer goes out at once). */
function readSmallBody(res: HttpResponse, maxBytes: number, done: (body: string | null) => void): void {
  const chunks: Buffer[] = [];
  let total = 0;
  let finished = false;
  res.onAborted(() => { finished = true; });
  res.onData((chunk, isLast) => {
    if (finished) return;
    total += chunk.byteLength;
    if (total > maxBytes) {
      finished = true;
      done(null);
      return;
    }
    chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) {
      finished = true;
      done(Buffer.concat(chunks).toString('utf8'));
    }
  });
}

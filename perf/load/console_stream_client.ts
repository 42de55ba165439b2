/**
 * A console client for tests and the bench: logs in like the login form (key posted once, cookie
 * back) and reads Server-Sent Events frames from /console/stream.
 */
import type { BookView } from '../../gateway/console/console_books.ts';
import type { ConsoleFrame } from '../../gateway/console/console_frame.ts';
import type { SymbolTrades } from '../../gateway/console/console_trades.ts';

export interface StreamedFrame extends ConsoleFrame {
  readonly intervalMs: number;
  readonly health: Record<string, unknown>;
  readonly books: readonly BookView[];
  readonly trades: readonly SymbolTrades[];
}

/** Posts the key to /console/login; returns the `name=value` of the session cookie. */
export async function consoleLogin(httpUrl: string, key: string): Promise<string> {
  const response = await fetch(`${httpUrl}/console/login`, { method: 'POST', body: new URLSearchParams({ key }), redirect: 'manual' });
  const cookie = response.headers.get('set-cookie');
  if (response.status !== 303 || cookie === null) throw new Error(`console login failed: ${response.status} ${await response.text()}`);
  return cookie.split(';')[0];
}

/**
 * Reads frames from the stream until `done(frames)` holds (then closes it) or `timeoutMs` passes
 * (then throws with what arrived).
 */
export async function readConsoleFrames(
  httpUrl: string, cookie: string, symbols: string, done: (frames: StreamedFrame[]) => boolean, timeoutMs = 45_000,
): Promise<StreamedFrame[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const frames: StreamedFrame[] = [];
  try {
    const response = await fetch(`${httpUrl}/console/stream${symbols === '' ? '' : `?symbols=${symbols}`}`, { headers: { cookie }, signal: abort.signal });
    if (response.status !== 200 || response.body === null) throw new Error(`console stream: ${response.status} ${await response.text()}`);
    expectEventStream(response.headers.get('content-type'));
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = pending.indexOf('\n\n')) >= 0) {
        const event = pending.slice(0, end);
        pending = pending.slice(end + 2);
        for (const line of event.split('\n')) if (line.startsWith('data: ')) frames.push(JSON.parse(line.slice(6)) as StreamedFrame);
      }
      if (done(frames)) break;
    }
    abort.abort();
    return frames;
  } catch (error) {
    if (abort.signal.aborted && done(frames)) return frames;
    throw new Error(`console stream: ${(error as Error).message}; ${frames.length} frames arrived`);
  } finally {
    clearTimeout(timer);
  }
}

function expectEventStream(contentType: string | null): void {
  if (contentType !== 'text/event-stream') throw new Error(`console stream: content-type ${contentType}`);
}

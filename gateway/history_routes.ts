/**
 * GET /v1/accounts/:accountId/orders | fills | statement — a user's history, read from the PostgreSQL
 * projection (projection/history_store.ts) when the engine runs with --postgres.
 *
 * Authorization is the commands' own, decided by the engine: the key authenticates the principal
 * (401 otherwise); an admin may read any account; anybody else's request first runs the read-only
 * command getBalance {accountId, assetId: 0} as that principal, and the engine's ladder answers
 * ACCOUNT_NOT_FOUND (303, HTTP 422) for an account the principal may not act for — exactly what a
 * command on somebody else's account answers, so the route tells nobody whether the account exists.
 * Any later rung (ASSET_NOT_FOUND for asset 0) means the account is the caller's.
 *
 * Query parameters: limit (1–1000, default 100), before (the previous page's nextBefore), and for
 * the statement assetId. A wrong one answers INVALID_FIELD_VALUE naming it. PostgreSQL unreachable:
 * STORAGE_UNAVAILABLE (503) with the reason. They count among maxHttpInFlight and the caller's
 * maxHttpInFlightPerPrincipal (BUSY beyond).
 */
import type { HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import type { RecordBuffer } from '../codec/records/record_buffer.ts';
import { ResHeader } from '../codec/records/result_descriptor.ts';
import { ResultCode } from '../codec/result_codes.ts';
import {
  DEFAULT_HISTORY_LIMIT, HISTORY_VIEWS, MAX_HISTORY_LIMIT, parseCursor, queryInteger, type HistoryQuery, type HistoryStore, type HistoryView,
} from '../projection/history_store.ts';
import { EVENTS_DISABLED_MESSAGE } from './event_hub.ts';
import { SUBMIT_ACCEPTED, type GatewayCore } from './gateway_core.ts';
import { requestKey, writeError, writeJson } from './http_reply.ts';
import type { Session, SessionTransport } from './session.ts';

const MAX_ID = 2 ** 53 - 1;

/** Runs the authorization probe as the caller and reports the engine's result code once. */
class AuthorizationProbe implements SessionTransport {
  readonly kind = 'http' as const;
  session: Session | null = null;
  private done = false;

  constructor(private readonly core: GatewayCore, private readonly onCode: (code: number) => void) {}

  deliver(result: RecordBuffer, base: number): void {
    this.finish(result.u16[(base + ResHeader.CODE) >>> 1]);
  }

  reply(code: number): void {
    this.finish(code);
  }

  flush(): void { /* nothing is written to a socket */ }
  resume(): void { /* never paused */ }
  close(): void { /* nothing to close */ }

  private finish(code: number): void {
    if (this.done) return;
    this.done = true;
    if (this.session !== null) this.core.closeSession(this.session);
    this.onCode(code);
  }
}

/**
 * Asks the engine whether the principal of `key` may act for `accountId`: resolves OK, or the code to
 * answer (ACCOUNT_NOT_FOUND, BAD_CREDENTIALS, BUSY, SHUTTING_DOWN...).
 */
function authorize(core: GatewayCore, key: string, accountId: number, schedulePublish: () => void): Promise<number> {
  return new Promise((resolve) => {
    const probe = new AuthorizationProbe(core, (code) => resolve(code === ResultCode.OK || code === ResultCode.ASSET_NOT_FOUND ? ResultCode.OK : code));
    const session = core.openSession(probe);
    if (session === null) return resolve(core.refusalCode);
    probe.session = session;
    const authCode = core.authenticate(session, key);
    if (authCode !== ResultCode.OK) return probe.reply(authCode);
    if (session.admin) return probe.reply(ResultCode.OK);
    if (core.submitJson(session, { type: 'getBalance', accountId, assetId: 0 }) === SUBMIT_ACCEPTED) schedulePublish();
  });
}

export function addHistoryRoutes(app: TemplatedApp, core: GatewayCore, history: HistoryStore | null, schedulePublish: () => void): void {
  app.get('/v1/accounts/:accountId/:view', (res, req) => {
    // Everything from req is read now: uWS invalidates it when this handler returns.
    const key = requestKey(req);
    const accountText = req.getParameter(0);
    const view = req.getParameter(1) as HistoryView;
    const limitText = req.getQuery('limit') ?? '';
    const beforeText = req.getQuery('before') ?? '';
    const assetText = req.getQuery('assetId') ?? '';
    core.metrics.httpRequestsTotal++;
    if (!HISTORY_VIEWS.includes(view)) return writeError(res, ResultCode.NOT_FOUND_ROUTE, `history views: ${HISTORY_VIEWS.join(', ')}`);
    const caller = key === null ? null : core.principals.authenticate(key);
    if (key === null || caller === null) {
      return writeError(res, key === null ? ResultCode.NOT_AUTHENTICATED : ResultCode.BAD_CREDENTIALS);
    }
    if (!core.eventsEnabled) return writeError(res, ResultCode.EVENTS_DISABLED, EVENTS_DISABLED_MESSAGE);
    if (history === null) {
      return writeError(res, ResultCode.NOT_FOUND_ROUTE, 'history needs the engine started with --postgres URL (the database `ringline project` writes)');
    }
    let query: HistoryQuery;
    try {
      query = {
        accountId: queryInteger('accountId', accountText, 1, MAX_ID, null) as number,
        limit: queryInteger('limit', limitText, 1, MAX_HISTORY_LIMIT, DEFAULT_HISTORY_LIMIT) as number,
        before: parseCursor(beforeText),
        assetId: queryInteger('assetId', assetText, 1, MAX_ID, null),
      };
      if (query.accountId === null) throw new RangeError('accountId is required');
    } catch (error) {
      return writeError(res, ResultCode.INVALID_FIELD_VALUE, (error as Error).message);
    }
    // History requests count among the HTTP requests in flight: a flood is answered BUSY, never queued without bound.
    const refused = core.takeHttpSlot(caller);
    if (refused !== null) return writeError(res, ResultCode.BUSY, refused);
    let aborted = false;
    let answered = false;
    res.onAborted(() => { aborted = true; });
    const answer = (write: (r: HttpResponse) => void): void => {
      if (answered) return;
      answered = true;
      core.giveHttpSlot(caller.id);
      if (!aborted) write(res);
    };
    authorize(core, key, query.accountId, schedulePublish).then(async (code) => {
      if (code !== ResultCode.OK) return answer((r) => writeError(r, code));
      try {
        const page = await history.page(view, query);
        answer((r) => writeJson(r, '200 OK', { code: 0, name: 'OK', view, ...page }));
      } catch (error) {
        answer((r) => writeError(r, ResultCode.STORAGE_UNAVAILABLE, (error as Error).message));
      }
    }, (error: unknown) => answer((r) => writeError(r, ResultCode.INTERNAL_ERROR, (error as Error).message)));
  });
}

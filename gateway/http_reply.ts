/** JSON answers and the API key of an HTTP request, shared by every uWS HTTP route. */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { ResultCode, resultMessage, resultName } from '../codec/result_codes.ts';
import { httpStatusFor } from './http_status.ts';

const JSON_HEADERS = 'application/json';

/** The key from `Authorization: Bearer K` or `X-Api-Key: K`, or null. Read before the handler returns. */
export function requestKey(req: HttpRequest): string | null {
  const auth = req.getHeader('authorization');
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const apiKey = req.getHeader('x-api-key');
  return apiKey === '' ? null : apiKey;
}

/**
 * `closeConnection`: end the keep-alive connection with this response. A stopping gateway does, or a
 * client's kept-alive connection would stay with it and be answered SHUTTING_DOWN for as long as the
 * process runs (a cluster node changing role starts a new gateway on the same port).
 */
export function writeJson(res: HttpResponse, status: string, body: unknown, closeConnection = false): void {
  const text = JSON.stringify(body);
  res.cork(() => res.writeStatus(status).writeHeader('content-type', JSON_HEADERS).end(text, closeConnection));
}

/** A result code as the JSON error body every route answers with. */
export function writeError(res: HttpResponse, code: number, detail?: string): void {
  const body: Record<string, unknown> = { code, name: resultName(code), message: resultMessage(code), sequence: 0 };
  if (detail !== undefined) body.detail = detail;
  writeJson(res, httpStatusFor(code), body, code === ResultCode.SHUTTING_DOWN);
}

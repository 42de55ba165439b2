/** The HTTP status that goes with a result code on the JSON routes. */
import { ResultCode } from '../codec/result_codes.ts';

export function httpStatusFor(code: number): string {
  switch (code) {
    case ResultCode.OK: return '200 OK';
    case ResultCode.NOT_AUTHENTICATED:
    case ResultCode.BAD_CREDENTIALS: return '401 Unauthorized';
    case ResultCode.NOT_OWNER:
    case ResultCode.ADMIN_REQUIRED: return '403 Forbidden';
    case ResultCode.NOT_FOUND_ROUTE: return '404 Not Found';
    case ResultCode.FRAME_TOO_LARGE: return '413 Payload Too Large';
    case ResultCode.TOO_MANY_IN_FLIGHT: return '429 Too Many Requests';
    case ResultCode.BUSY:
    case ResultCode.STORAGE_UNAVAILABLE:
    case ResultCode.SHUTTING_DOWN: return '503 Service Unavailable';
    case ResultCode.INTERNAL_ERROR: return '500 Internal Server Error';
    case ResultCode.EVENTS_DISABLED: return '501 Not Implemented';
    default:
      // Other 1xx: the request itself is wrong. 3xx-5xx: the engine applied the rules and said no.
      return code < 200 ? '400 Bad Request' : '422 Unprocessable Entity';
  }
}

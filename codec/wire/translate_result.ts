/**
 * What translateRequest / translateJsonRequest report besides the code. Reuse one per connection or
 * per gateway: filling it allocates nothing unless the request is a Login (the API key string) or the
 * caller asks for `message` (built on demand).
 */
import { ResultCode, resultMessage } from '../result_codes.ts';

export class TranslateResult {
  /** The translation's result code (also returned). */
  code: ResultCode = ResultCode.OK;
  /** Which field or part failed, e.g. "transfer.amount" ('' when none). */
  detail = '';
  /** The client's correlation id, known as soon as it was read (0 before, or when it was invalid). */
  correlationId = 0;
  /** The command's type once the union was read (also when its body then failed); 0 for Login or unknown. */
  commandType = 0;
  /** Bytes of the record written (multiple of 8). */
  recordBytes = 0;
  /** True when the request is a Login: no record was written; `apiKey` holds the key. */
  isLogin = false;
  apiKey = '';
  /** A Login's session option: cancel the principal's orders when the session closes. */
  cancelOnDisconnect = false;

  reset(): void {
    this.code = ResultCode.OK;
    this.detail = '';
    this.correlationId = 0;
    this.commandType = 0;
    this.recordBytes = 0;
    this.isLogin = false;
    this.apiKey = '';
    this.cancelOnDisconnect = false;
  }

  fail(code: ResultCode, detail: string): ResultCode {
    this.code = code;
    this.detail = detail;
    return code;
  }

  /** The human message: the code's message and the field it concerns. Allocates; call on failure only. */
  get message(): string {
    return this.detail === '' ? resultMessage(this.code) : `${resultMessage(this.code)} (${this.detail})`;
  }
}

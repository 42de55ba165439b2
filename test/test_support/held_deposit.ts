/**
 * Storage-fault tests: deposit 1, 2, 3… one at a time until one is not answered because storage became
 * unavailable (the batch the journal could not take is held, not acknowledged).
 */
import { expect } from 'vitest';
import { ResultCode } from '../../codec/result_codes.ts';
import type { ResponseJson } from '../../codec/types/response_json.ts';

export interface HeldDeposit {
  /** The sum of the deposits answered OK before it. */
  readonly acknowledged: number;
  /** The unanswered deposit's reply, to come once storage returns. */
  readonly held: Promise<ResponseJson>;
  readonly heldAmount: number;
}

export async function depositUntilHeld(options: {
  readonly deposit: (amount: number) => Promise<ResponseJson>;
  readonly unavailable: () => boolean | Promise<boolean>;
  /** Runs before each deposit. */
  readonly before?: () => void;
  readonly maxDeposits: number;
  readonly pollMs?: number;
}): Promise<HeldDeposit> {
  let acknowledged = 0;
  for (let amount = 1; ; amount++) {
    expect(amount, `storage still available after ${options.maxDeposits} deposits`).toBeLessThan(options.maxDeposits);
    options.before?.();
    let answered: ResponseJson | null = null;
    const pending = options.deposit(amount).then((r) => { answered = r; return r; });
    const deadline = Date.now() + 60_000;
    while (answered === null && !(await options.unavailable())) {
      if (Date.now() > deadline) throw new Error(`deposit ${amount}: neither answered nor storage unavailable within 60 s`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 20));
    }
    if (answered === null) return { acknowledged, held: pending, heldAmount: amount };
    expect((answered as ResponseJson).code).toBe(ResultCode.OK);
    acknowledged += amount;
  }
}

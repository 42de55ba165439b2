/**
 * Records with hostile field values (NaN, ±Infinity, -0, negatives, fractions, 2^53 and beyond, huge
 * counts, unknown types) straight into apply(): the gateway should never let them through, but the
 * business logic must still answer each with a result code, never throw, never write past its result
 * slot, and never break an invariant. Valid setup commands are mixed in so hostile values also meet
 * existing accounts, items, events and resting orders.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CmdHeader, CMD_MAX_RECORD_BYTES, CommandType } from '../../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResHeader, RES_MAX_RECORD_BYTES } from '../../codec/records/result_descriptor.ts';
import { checkInvariants } from './test_support/invariants.ts';
import { LogicHarness } from './test_support/logic_harness.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from './state_machine.ts';

const NASTY = [NaN, Infinity, -Infinity, -0, 0, -1, 0.5, 1, 2, 3, 5, 10, 100, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e300, -1e300];
const TYPES = [...Object.values(CommandType), 0, 1, 99, 255, 300, 65535];

describe('hostile records', () => {
  it('every record gets a result code; nothing throws; invariants hold (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({
        type: fc.constantFrom(...TYPES),
        length: fc.oneof({ arbitrary: fc.constant(-1), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: CMD_MAX_RECORD_BYTES }), weight: 1 }),
        // Mostly plausible values (so commands get deep into their ladders), some hostile ones.
        fields: fc.array(fc.oneof({ arbitrary: fc.constantFrom(1, 2, 3, 5, 10), weight: 4 }, { arbitrary: fc.constantFrom(...NASTY), weight: 1 }),
          { minLength: 8, maxLength: 8 }),
        words: fc.array(fc.oneof({ arbitrary: fc.nat({ max: 3 }), weight: 4 }, { arbitrary: fc.oneof(fc.nat({ max: 12 }), fc.constant(0xffffffff), fc.nat()), weight: 1 }),
          { minLength: 4, maxLength: 4 }),
        admin: fc.boolean(),
      }), { minLength: 1, maxLength: 120 }),
      (records) => {
        const machine = createStateMachine({ ...DEFAULT_LOGIC_CONFIG, maxStopOrders: 64, doneOrderWindow: 64, maxAccounts: 16, maxBalances: 64, maxOrders: 64, maxPriceLevels: 32,
          maxSeats: 64, maxItems: 8, maxEvents: 4, idempotencyWindow: 8 });
        // A small valid world for hostile values to meet.
        const h = new LogicHarness(machine);
        const admin = { principalId: 1, admin: true };
        h.run(admin, { kind: 'createAsset', assetId: 1 });
        h.run(admin, { kind: 'createAsset', assetId: 2 });
        for (const id of [1, 2, 3]) {
          h.run({ principalId: 1 }, { kind: 'createAccount', accountId: id });
          h.run(admin, { kind: 'deposit', accountId: id, assetId: 1, amount: 1000 });
          h.run(admin, { kind: 'deposit', accountId: id, assetId: 2, amount: 1000 });
        }
        h.run({ principalId: 1 }, { kind: 'createItem', itemId: 1, merchantAccountId: 1, priceAssetId: 1, unitPrice: 2, stock: 10 });
        h.run({ principalId: 1 }, { kind: 'createEvent', eventId: 1, merchantAccountId: 1, priceAssetId: 1, seatPrice: 5, seatCount: 10 });
        h.run(admin, { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 1, lotSize: 1 });
        h.run({ principalId: 1 }, { kind: 'placeOrder', symbolId: 1, accountId: 2, price: 5, quantity: 3, side: 2, orderType: 1, timeInForce: 1 });

        const cmd = createRecordBuffer(new ArrayBuffer(CMD_MAX_RECORD_BYTES));
        const out = createRecordBuffer(new ArrayBuffer(RES_MAX_RECORD_BYTES * 2));
        let sequence = h.nextSequence;
        for (const r of records) {
          cmd.bytes.fill(0);
          // Body fields: f64 at 48..104, then u32 words (counts, seats, u8 enums) after them.
          for (let i = 0; i < 8; i++) cmd.f64[6 + i] = r.fields[i];
          // Counts (seat lists at 64, checkout at 64/68) and order enums (80..83) for some types.
          if (r.type === CommandType.BOOK_SEATS || r.type === CommandType.RELEASE_SEATS || r.type === CommandType.CHECKOUT) {
            cmd.u32[64 >>> 2] = r.words[0];
            cmd.u32[68 >>> 2] = r.words[1];
          }
          if (r.type === CommandType.PLACE_ORDER) {
            cmd.bytes[80] = 1 + (r.words[0] & 1);
            cmd.bytes[81] = r.words[1] & 3;
            cmd.bytes[82] = r.words[2] & 3;
            cmd.bytes[83] = r.words[3] & 1;
          }
          cmd.u32[CmdHeader.LENGTH >>> 2] = r.length < 0 ? CMD_MAX_RECORD_BYTES : r.length & ~7;
          cmd.u16[CmdHeader.TYPE >>> 1] = r.type;
          cmd.u16[3] = r.admin ? 2 : 0;
          cmd.f64[CmdHeader.SEQUENCE >>> 3] = sequence++;
          cmd.u32[7] = 1;
          out.bytes.fill(0xee);
          const length = machine.apply(cmd, 0, out, 0);
          expect(length).toBe(out.u32[ResHeader.LENGTH >>> 2]);
          expect(length).toBeGreaterThanOrEqual(40);
          expect(length).toBeLessThanOrEqual(RES_MAX_RECORD_BYTES);
          // Nothing written past the result slot.
          expect(out.bytes.subarray(RES_MAX_RECORD_BYTES).every((b) => b === 0xee)).toBe(true);
        }
        expect(checkInvariants(machine)).toEqual([]);
      },
    ), { numRuns: 150 });
  });
});

/**
 * What the logic emits, command by command: a maker learns of its fill, every balance that moved is
 * reported with its new values, a rejected or repeated command emits nothing, and the same input
 * always emits the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderType, Side, TimeInForce } from '../../codec/records/command_descriptor.ts';
import { decodeEvents, type RinglineEvent } from '../../codec/records/event_decoder.ts';
import { BufferEventSink } from './event_emitter.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG, type LogicStateMachine } from './state_machine.ts';
import { LogicHarness, type HarnessHeader } from './test_support/logic_harness.ts';
import type { CommandSpec } from './test_support/command_writer.ts';

const ADMIN: HarnessHeader = { principalId: 1, admin: true };
const MAKER: HarnessHeader = { principalId: 7 };
const TAKER: HarnessHeader = { principalId: 8 };
const BASE = 1;
const QUOTE = 2;
const SYMBOL = 10;
const MAKER_ACCOUNT = 100;
const TAKER_ACCOUNT = 200;

function setUp(): { machine: LogicStateMachine; harness: LogicHarness; sink: BufferEventSink; take: () => RinglineEvent[] } {
  const machine = createStateMachine({ ...DEFAULT_LOGIC_CONFIG });
  const sink = new BufferEventSink(4096);
  machine.events.sink = sink;
  const harness = new LogicHarness(machine);
  const take = (): RinglineEvent[] => {
    const events = decodeEvents(sink.records());
    sink.count = 0;
    return events;
  };
  return { machine, harness, sink, take };
}

function market(harness: LogicHarness): void {
  harness.run(ADMIN, { kind: 'createAsset', assetId: BASE });
  harness.run(ADMIN, { kind: 'createAsset', assetId: QUOTE });
  harness.run(ADMIN, { kind: 'createSymbol', symbolId: SYMBOL, baseAssetId: BASE, quoteAssetId: QUOTE, tickSize: 1, lotSize: 1 });
  harness.run(MAKER, { kind: 'createAccount', accountId: MAKER_ACCOUNT });
  harness.run(TAKER, { kind: 'createAccount', accountId: TAKER_ACCOUNT });
  harness.run(ADMIN, { kind: 'deposit', accountId: MAKER_ACCOUNT, assetId: BASE, amount: 50 });
  harness.run(ADMIN, { kind: 'deposit', accountId: TAKER_ACCOUNT, assetId: QUOTE, amount: 10_000 });
}

const limit = (accountId: number, side: number, price: number, quantity: number, timeInForce: number = TimeInForce.GTC): CommandSpec =>
  ({ kind: 'placeOrder', symbolId: SYMBOL, accountId, side, price, quantity, orderType: OrderType.LIMIT, timeInForce });

const ORDER = fc.record({
  taker: fc.boolean(), buy: fc.boolean(), price: fc.integer({ min: 90, max: 110 }), quantity: fc.integer({ min: 1, max: 20 }),
  tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK), cancel: fc.nat(8),
});

type OrderSpec = typeof ORDER extends fc.Arbitrary<infer T> ? T : never;

/** A funded market, then `orders` (each sometimes preceded by cancelling the previous one). */
function runOrders(harness: LogicHarness, orders: readonly OrderSpec[]): void {
  market(harness);
  harness.run(ADMIN, { kind: 'deposit', accountId: MAKER_ACCOUNT, assetId: QUOTE, amount: 10_000 });
  harness.run(ADMIN, { kind: 'deposit', accountId: TAKER_ACCOUNT, assetId: BASE, amount: 50 });
  const placed: number[] = [];
  for (const o of orders) {
    const who = o.taker ? TAKER : MAKER;
    const account = o.taker ? TAKER_ACCOUNT : MAKER_ACCOUNT;
    if (o.cancel === 0 && placed.length > 0) {
      harness.run(who, { kind: 'cancelOrder', symbolId: SYMBOL, orderId: placed[placed.length - 1] });
    }
    placed.push(harness.run(who, limit(account, o.buy ? Side.BUY : Side.SELL, o.price, o.quantity, o.tif)).inputSequence);
  }
}

describe('event emission', () => {
  it('a fill reaches the maker: accepted, rested, then fill, order done and both parties\' balances', () => {
    const { harness, take } = setUp();
    market(harness);
    const setup = take();
    expect(setup.filter((e) => e.kind === 'balance_changed')).toMatchObject([
      { accountId: MAKER_ACCOUNT, assetId: BASE, available: 50, reserved: 0, cause: 'deposit', principalId: 7, index: 0, last: true },
      { accountId: TAKER_ACCOUNT, assetId: QUOTE, available: 10_000, reserved: 0, cause: 'deposit', principalId: 8, index: 0, last: true },
    ]);

    const rest = harness.run(MAKER, limit(MAKER_ACCOUNT, Side.SELL, 100, 30));
    expect(take()).toMatchObject([
      { kind: 'order_accepted', sequence: rest.inputSequence, index: 0, orderId: rest.inputSequence, accountId: MAKER_ACCOUNT, symbolId: SYMBOL,
        side: 'sell', price: 100, quantity: 30, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC, principalId: 7, last: false },
      { kind: 'level_changed', index: 1, symbolId: SYMBOL, side: 'sell', price: 100, quantity: 30, principalId: 0 },
      { kind: 'order_rested', index: 2, orderId: rest.inputSequence, price: 100, restingQuantity: 30, last: false },
      { kind: 'balance_changed', index: 3, accountId: MAKER_ACCOUNT, assetId: BASE, available: 20, reserved: 30, cause: 'order', last: true },
    ]);

    const hit = harness.run(TAKER, limit(TAKER_ACCOUNT, Side.BUY, 120, 30, TimeInForce.IOC));
    const events = take();
    expect(events.map((e) => [e.sequence, e.index])).toEqual(events.map((_, i) => [hit.inputSequence, i]));
    expect(events).toMatchObject([
      { kind: 'order_accepted', orderId: hit.inputSequence, side: 'buy', price: 120, quantity: 30, principalId: 8 },
      { kind: 'fill', symbolId: SYMBOL, price: 100, quantity: 30, takerSide: 'buy', makerOrderId: rest.inputSequence, takerOrderId: hit.inputSequence,
        makerAccountId: MAKER_ACCOUNT, takerAccountId: TAKER_ACCOUNT, principalId: 8, counterpartyPrincipalId: 7 },
      { kind: 'order_done', orderId: rest.inputSequence, accountId: MAKER_ACCOUNT, reason: 'filled', filledQuantity: 30, principalId: 7 },
      { kind: 'level_changed', side: 'sell', price: 100, quantity: 0 },
      { kind: 'order_done', orderId: hit.inputSequence, accountId: TAKER_ACCOUNT, reason: 'filled', filledQuantity: 30, principalId: 8 },
      // Balances in first-touch order, each once, with the values after the command.
      { kind: 'balance_changed', accountId: TAKER_ACCOUNT, assetId: QUOTE, available: 7_000, reserved: 0 },
      { kind: 'balance_changed', accountId: TAKER_ACCOUNT, assetId: BASE, available: 30, reserved: 0 },
      { kind: 'balance_changed', accountId: MAKER_ACCOUNT, assetId: BASE, available: 20, reserved: 0, principalId: 7 },
      { kind: 'balance_changed', accountId: MAKER_ACCOUNT, assetId: QUOTE, available: 3_000, reserved: 0, principalId: 7, last: true },
    ]);
  });

  it('an IOC remainder ends as expired, a cancel as cancelled, releasing the reservation', () => {
    const { harness, take } = setUp();
    market(harness);
    take();
    const ioc = harness.run(TAKER, limit(TAKER_ACCOUNT, Side.BUY, 50, 10, TimeInForce.IOC));
    expect(take()).toMatchObject([
      { kind: 'order_accepted', orderId: ioc.inputSequence },
      { kind: 'order_done', orderId: ioc.inputSequence, reason: 'expired', filledQuantity: 0 },
      { kind: 'balance_changed', accountId: TAKER_ACCOUNT, assetId: QUOTE, available: 10_000, reserved: 0, last: true },
    ]);
    const gtc = harness.run(MAKER, limit(MAKER_ACCOUNT, Side.SELL, 100, 5));
    take();
    harness.run(MAKER, { kind: 'cancelOrder', symbolId: SYMBOL, orderId: gtc.inputSequence });
    expect(take()).toMatchObject([
      { kind: 'order_done', orderId: gtc.inputSequence, reason: 'cancelled' },
      { kind: 'level_changed', side: 'sell', price: 100, quantity: 0 },
      { kind: 'balance_changed', accountId: MAKER_ACCOUNT, assetId: BASE, available: 50, reserved: 0, cause: 'order_cancel', last: true },
    ]);
  });

  it('a rejected command, a read-only command and a repeated idempotency id emit nothing', () => {
    const { harness, take } = setUp();
    market(harness);
    take();
    expect(harness.run(TAKER, { kind: 'transfer', fromAccountId: TAKER_ACCOUNT, toAccountId: MAKER_ACCOUNT, assetId: QUOTE, amount: 1e9 }).code).not.toBe(0);
    expect(harness.run(TAKER, { kind: 'getBalance', accountId: TAKER_ACCOUNT, assetId: QUOTE }).code).toBe(0);
    expect(take()).toEqual([]);
    const once = { ...TAKER, idempotencyId: 55 };
    harness.run(once, { kind: 'transfer', fromAccountId: TAKER_ACCOUNT, toAccountId: MAKER_ACCOUNT, assetId: QUOTE, amount: 5 });
    expect(take().map((e) => e.kind)).toEqual(['transferred', 'balance_changed', 'balance_changed']);
    harness.run(once, { kind: 'transfer', fromAccountId: TAKER_ACCOUNT, toAccountId: MAKER_ACCOUNT, assetId: QUOTE, amount: 5 });
    expect(take()).toEqual([]);
  });

  it('the same commands emit the same bytes (property: random order streams on two machines)', () => {
    fc.assert(fc.property(fc.array(ORDER, { minLength: 1, maxLength: 60 }), (orders) => {
      const runs = [setUp(), setUp()].map(({ harness, sink }) => {
        runOrders(harness, orders);
        return Buffer.from(sink.records());
      });
      expect(runs[0].equals(runs[1])).toBe(true);
      // Totally ordered by (sequence, index), indexes dense from 0, the last of each command flagged.
      const events = decodeEvents(runs[0]);
      for (let i = 1; i < events.length; i++) {
        const [a, b] = [events[i - 1], events[i]];
        expect(b.sequence === a.sequence ? b.index === a.index + 1 && !a.last : b.sequence > a.sequence && b.index === 0 && a.last).toBe(true);
      }
    }), { numRuns: 40 });
  });
  it('a reused or foreign slot gets the same bytes as a fresh one (property: every record overwrites the last, any kind after any kind)', () => {
    fc.assert(fc.property(fc.array(ORDER, { minLength: 1, maxLength: 60 }), (orders) => {
      const fresh = setUp();
      runOrders(fresh.harness, orders);
      const machine = createStateMachine({ ...DEFAULT_LOGIC_CONFIG });
      const copies: Buffer[] = [];
      const oneSlot = new BufferEventSink(1, (bytes, byteLength) => copies.push(Buffer.from(bytes.subarray(0, byteLength))));
      oneSlot.buffer.bytes.fill(0xff); // a foreign slot: any kind, any body
      machine.events.sink = oneSlot;
      runOrders(new LogicHarness(machine), orders);
      oneSlot.flush();
      expect(Buffer.concat(copies).equals(Buffer.from(fresh.sink.records()))).toBe(true);
    }), { numRuns: 40 });
  });

  it('events off (engine option events: false): no record at all, the same results and state (property: random order streams)', () => {
    fc.assert(fc.property(fc.array(ORDER, { minLength: 1, maxLength: 60 }), (orders) => {
      const on = setUp();
      const off = setUp();
      off.machine.setEventsEnabled(false);
      runOrders(on.harness, orders);
      runOrders(off.harness, orders);
      expect(on.sink.count).toBeGreaterThan(0);
      expect(off.sink.count).toBe(0);
      expect(off.machine.stateHash()).toBe(on.machine.stateHash());
      // Switched back on, the next command emits complete, well-formed events again.
      off.machine.setEventsEnabled(true);
      off.harness.run(ADMIN, { kind: 'deposit', accountId: MAKER_ACCOUNT, assetId: BASE, amount: 3 });
      const [deposit] = off.take();
      expect(deposit).toMatchObject({ kind: 'balance_changed', accountId: MAKER_ACCOUNT, assetId: BASE, index: 0, last: true });
    }), { numRuns: 15 });
  });
});

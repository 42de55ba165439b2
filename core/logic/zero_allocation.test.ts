/**
 * apply() must not allocate once the code is warm, whatever the size of ids, amounts, prices and
 * timestamps (values beyond the small-integer range are boxed by V8 whenever they cross a call
 * boundary as arguments or return values). The V8 sampling heap profiler, asked to keep samples of
 * objects already collected, attributes every sampled allocation to the function that made it.
 */
import { describe, expect, it } from 'vitest';
import { OrderType, Side, TimeInForce } from '../../codec/records/command_descriptor.ts';
import { createRecordBuffer } from '../../codec/records/record_buffer.ts';
import { CancelAllResult, PositionResult, ResHeader } from '../../codec/records/result_descriptor.ts';
import { type CommandHeader, type CommandSpec, writeCommand } from './test_support/command_writer.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG } from './state_machine.ts';
import { sampleAllocatedBytes } from '../test_support/heap_sampling.ts';
import { FIRST_REPLICATED_PRINCIPAL_ID } from './principal_registry.ts';
import { BufferEventSink } from './event_emitter.ts';
import { EvtHeader, EVT_RECORD_BYTES, EventKind, MAX_EVENT_KIND } from '../../codec/records/event_descriptor.ts';

const BIG = 4_000_000_000; // beyond 2^31: ids, prices and amounts that cannot be small integers
const ASSET = BIG + 1;
const QUOTE = BIG + 2;
const account = (i: number): number => BIG * 2 + i;
const ADMIN: CommandHeader = { sequence: 0, principalId: 1, admin: true };

describe('zero allocation', () => {
  it('apply() allocates nothing when warm, with ids, amounts, prices and timestamps beyond 2^31, events emitted', async () => {
    const machine = createStateMachine({ ...DEFAULT_LOGIC_CONFIG, maxAccounts: 1024, maxBalances: 4096, maxSeats: 4096, maxOrders: 4096,
      maxPriceLevels: 1024, idempotencyWindow: 1024, maxStopOrders: 1024, doneOrderWindow: 1024 });
    // Every event record is really written (into a small buffer counted by kind whenever it fills).
    const eventsByKind = new Float64Array(MAX_EVENT_KIND + 1);
    machine.events.sink = new BufferEventSink(1024, (records, byteLength) => {
      for (let at = 0; at < byteLength; at += EVT_RECORD_BYTES) eventsByKind[records[at + EvtHeader.KIND] | (records[at + EvtHeader.KIND + 1] << 8)]++;
    });
    const one = createRecordBuffer(new ArrayBuffer(512));
    const out = createRecordBuffer(new ArrayBuffer(512));
    let sequence = 3_000_000_000;
    const run = (header: CommandHeader, spec: CommandSpec): number => {
      writeCommand(one, 0, { ...header, sequence: sequence++, timestampUs: 1.7e15 }, spec);
      machine.apply(one, 0, out, 0);
      return out.u16[ResHeader.CODE >>> 1];
    };
    run(ADMIN, { kind: 'createAsset', assetId: ASSET });
    run(ADMIN, { kind: 'createAsset', assetId: QUOTE });
    for (let i = 0; i < 64; i++) {
      run({ sequence: 0, principalId: 7 }, { kind: 'createAccount', accountId: account(i) });
      run(ADMIN, { kind: 'deposit', accountId: account(i), assetId: ASSET, amount: 1e14 });
      run(ADMIN, { kind: 'deposit', accountId: account(i), assetId: QUOTE, amount: 1e14 });
    }
    run({ sequence: 0, principalId: 7 }, { kind: 'createItem', itemId: BIG + 9, merchantAccountId: account(0), priceAssetId: ASSET, unitPrice: BIG, stock: 1e12 });
    run({ sequence: 0, principalId: 7 }, { kind: 'createEvent', eventId: BIG + 8, merchantAccountId: account(1), priceAssetId: ASSET, seatPrice: BIG, seatCount: 2048 });
    run(ADMIN, { kind: 'createSymbol', symbolId: BIG + 7, baseAssetId: ASSET, quoteAssetId: QUOTE, tickSize: 1, lotSize: 1 });
    const digest = { keyDigest0: 0xffffffff, keyDigest1: 1, keyDigest2: 2, keyDigest3: 3, keyDigest4: 4, keyDigest5: 5, keyDigest6: 6, keyDigest7: 0x80000000 };
    expect(run(ADMIN, { kind: 'createPrincipal', admin: 0, ...digest })).toBe(0);
    // Short sellers: quote only. Margin: initial 50%, maintenance 25%; the first trade gives a reference price.
    for (let i = 64; i < 68; i++) {
      run({ sequence: 0, principalId: 7 }, { kind: 'createAccount', accountId: account(i) });
      run(ADMIN, { kind: 'deposit', accountId: account(i), assetId: QUOTE, amount: 4e14 });
    }
    run(ADMIN, { kind: 'setMargin', symbolId: BIG + 7, initialMarginBps: 5000, maintenanceMarginBps: 2500 });
    run({ sequence: 0, principalId: 7 }, { kind: 'placeOrder', symbolId: BIG + 7, accountId: account(2), price: BIG + 100, quantity: 1, side: Side.BUY,
      orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC });
    run({ sequence: 0, principalId: 7 }, { kind: 'placeOrder', symbolId: BIG + 7, accountId: account(3), price: BIG + 100, quantity: 1, side: Side.SELL,
      orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC });

    // A repeating stream of every hot command; each round leaves the state as it found it (seats
    // released, resting orders cancelled or filled), so the stream can be applied again and again.
    const specs: [CommandHeader, CommandSpec][] = [];
    const who = { sequence: 0, principalId: 7, idempotencyId: 0 };
    for (let i = 0; i < 32; i++) {
      const a = account(2 + i);
      const b = account(34 + (i % 30));
      specs.push([who, { kind: 'transfer', fromAccountId: a, toAccountId: b, assetId: ASSET, amount: BIG + i }]);
      specs.push([who, { kind: 'buy', itemId: BIG + 9, buyerAccountId: a, quantity: 2, maxUnitPrice: BIG }]);
      specs.push([who, { kind: 'bookSeats', eventId: BIG + 8, buyerAccountId: a, seats: [2 * i, 2 * i + 1] }]);
      specs.push([who, { kind: 'releaseSeats', eventId: BIG + 8, holderAccountId: a, seats: [2 * i, 2 * i + 1] }]);
      specs.push([who, { kind: 'checkout', buyerAccountId: a, eventId: BIG + 8, lines: [{ itemId: BIG + 9, quantity: 1 }], seats: [100 + i] }]);
      specs.push([who, { kind: 'releaseSeats', eventId: BIG + 8, holderAccountId: a, seats: [100 + i] }]);
      specs.push([who, { kind: 'getBalance', accountId: a, assetId: ASSET }]);
      // Two-phase transfers finish and give their slot and id back, so the same ids work every round.
      specs.push([who, { kind: 'transferReserve', transferId: BIG + 50 + i, fromAccountId: a, toAccountId: b, assetId: ASSET, amount: BIG }]);
      specs.push([who, { kind: 'transferPost', transferId: BIG + 50 + i, amount: BIG - 1 }]);
      specs.push([who, { kind: 'transferReserve', transferId: BIG + 50 + i, fromAccountId: a, toAccountId: b, assetId: ASSET, amount: BIG }]);
      specs.push([who, { kind: 'transferVoid', transferId: BIG + 50 + i }]);
      // Stops: a trade at 99 triggers a's stop-market sell, which trades at 98 (the book was empty,
      // the last trade of the previous round was at 100).
      const sym = BIG + 7;
      const sell = (account: number, price: number, quantity: number): CommandSpec =>
        ({ kind: 'placeOrder', symbolId: sym, accountId: account, price, quantity, side: Side.SELL, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC });
      const bid = (account: number, price: number, quantity: number): CommandSpec =>
        ({ kind: 'placeOrder', symbolId: sym, accountId: account, price, quantity, side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC });
      specs.push([who, { kind: 'placeStopOrder', symbolId: sym, accountId: a, price: 0, quantity: 100, stopPrice: BIG + 99, side: Side.SELL,
        orderType: OrderType.STOP_MARKET, timeInForce: TimeInForce.IOC }]);
      specs.push([who, bid(b, BIG + 98, 100)]);
      specs.push([who, bid(b, BIG + 99, 100)]);
      specs.push([who, sell(a, BIG + 99, 100)]);
      // OCO: one whose limit leg fills (its stop leg ends), one whose stop leg triggers (its limit leg goes).
      specs.push([who, { kind: 'placeOcoOrder', symbolId: sym, accountId: a, price: BIG + 110, quantity: 50, stopPrice: BIG + 95, side: Side.SELL }]);
      specs.push([who, { kind: 'placeOrder', symbolId: sym, accountId: b, price: BIG + 110, quantity: 50, side: Side.BUY, orderType: OrderType.LIMIT,
        timeInForce: TimeInForce.IOC }]);
      specs.push([who, { kind: 'placeOcoOrder', symbolId: sym, accountId: a, price: BIG + 120, quantity: 50, stopPrice: BIG + 97, side: Side.SELL }]);
      specs.push([who, bid(b, BIG + 97, 100)]);
      specs.push([who, sell(a, BIG + 97, 50)]);
      // A waiting stop-limit, and cancel-all to clear it.
      specs.push([who, { kind: 'placeStopOrder', symbolId: sym, accountId: a, price: BIG + 150, quantity: 10, stopPrice: BIG + 150, side: Side.BUY,
        orderType: OrderType.STOP_LIMIT, timeInForce: TimeInForce.GTC }]);
      specs.push([who, { kind: 'cancelAllOrders', accountId: a, symbolId: sym }]);
      specs.push([who, { kind: 'placeOrder', symbolId: BIG + 7, accountId: a, price: BIG + 100 + (i % 5), quantity: 1000, side: Side.SELL, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC }]);
      specs.push([who, { kind: 'placeOrder', symbolId: BIG + 7, accountId: b, price: BIG + 104, quantity: 1500, side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC }]);
      // ...and back, so balances do not drift over the rounds (the buy reaches every ask above, so no order is left resting).
      specs.push([who, { kind: 'placeOrder', symbolId: BIG + 7, accountId: a, price: BIG + 100, quantity: 1000, side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC }]);
      specs.push([who, { kind: 'placeOrder', symbolId: BIG + 7, accountId: b, price: BIG + 97, quantity: 1500, side: Side.SELL, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC }]);
      specs.push([who, { kind: 'getDepth', symbolId: BIG + 7, levels: 5 }]);
      // Margin: a short sale that fills, a buy that covers it (the position closes); another short,
      // and a trade far up that liquidates it in the same command (market buy-to-cover); the last
      // trade goes back to 100 for the next round.
      const short = account(64 + (i % 4));
      const ask = (account: number, price: number, quantity: number): CommandSpec =>
        ({ kind: 'placeOrder', symbolId: sym, accountId: account, price, quantity, side: Side.SELL, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC });
      const take = (account: number, price: number, quantity: number): CommandSpec =>
        ({ kind: 'placeOrder', symbolId: sym, accountId: account, price, quantity, side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC });
      const up = BIG + 100 + BIG / 2;
      specs.push([who, bid(b, BIG + 100, 10)]);
      specs.push([who, sell(short, BIG + 100, 10)]);
      specs.push([who, { kind: 'getPosition', accountId: short, symbolId: sym }]);
      specs.push([who, ask(a, BIG + 100, 10)]);
      specs.push([who, take(short, BIG + 100, 10)]);
      specs.push([who, bid(b, BIG + 100, 10)]);
      specs.push([who, sell(short, BIG + 100, 10)]);
      specs.push([who, { kind: 'getPosition', accountId: short, symbolId: sym }]);
      specs.push([who, ask(a, up, 20)]);
      specs.push([who, take(b, up, 10)]);
      specs.push([who, { kind: 'getPosition', accountId: short, symbolId: sym }]);
      specs.push([who, bid(b, BIG + 100, 10)]);
      specs.push([who, sell(a, BIG + 100, 10)]);
    }
    // A replicated principal's key rotation (principal_registry.ts), every round.
    specs.push([{ ...ADMIN, idempotencyId: 0 }, { kind: 'rotatePrincipalKey', principalId: FIRST_REPLICATED_PRINCIPAL_ID, ...digest }]);
    const recordBytes = 128;
    const stream = createRecordBuffer(new ArrayBuffer(specs.length * recordBytes));
    const applyStream = (): void => {
      for (let i = 0; i < specs.length; i++) {
        writeCommand(stream, i * recordBytes, { ...specs[i][0], sequence: sequence++, timestampUs: 1.7e15 + i }, specs[i][1]);
      }
      for (let i = 0; i < specs.length; i++) machine.apply(stream, i * recordBytes, out, 0);
    };
    // The stream must really work (not be cheap rejections).
    let rejected = 0;
    const shorts: number[] = [];
    for (let i = 0; i < specs.length; i++) {
      writeCommand(stream, i * recordBytes, { ...specs[i][0], sequence: sequence++, timestampUs: 1.7e15 }, specs[i][1]);
      machine.apply(stream, i * recordBytes, out, 0);
      if (out.u16[ResHeader.CODE >>> 1] !== 0) rejected++;
      // Each cancel-all finds exactly the waiting stop-limit: every other stop was triggered or ended.
      if (specs[i][1].kind === 'cancelAllOrders') expect(out.f64[CancelAllResult.CANCELLED_ORDERS >>> 3]).toBe(1);
      // Short 10 after each short sale, 0 after the trade that liquidated it.
      if (specs[i][1].kind === 'getPosition') shorts.push(out.f64[PositionResult.SHORT_QUANTITY >>> 3]);
    }
    expect(rejected).toBe(0);
    expect(shorts.slice(0, 6)).toEqual([10, 10, 0, 10, 10, 0]);
    expect([machine.book.ordersInUse, machine.stops.inUse, machine.margin.positionsInUse]).toEqual([0, 0, 0]);
    // Warm up: every function optimized before sampling.
    for (let round = 0; round < 300; round++) applyStream();

    const rounds = 200;
    const { bytes: logicBytes, sites } = await sampleAllocatedBytes(() => {
      for (let round = 0; round < rounds; round++) {
        // Only apply() is sampled: the records of a round are written before it.
        for (let i = 0; i < specs.length; i++) {
          stream.f64[(i * recordBytes + 8) >>> 3] = sequence++;
        }
        for (let i = 0; i < specs.length; i++) machine.apply(stream, i * recordBytes, out, 0);
      }
    }, (url) => url.includes('/core/logic/'));
    const commands = rounds * specs.length;
    // Sampling is statistical: allow well under one byte per command (a per-command allocation is >= 16).
    expect({ bytesPerCommand: logicBytes / commands < 0.25, sites }).toEqual({ bytesPerCommand: true, sites: expect.any(Array) });
    // Emission ran on every path of the stream: each kind the stream exercises was written many times.
    for (const kind of ['ORDER_ACCEPTED', 'ORDER_RESTED', 'FILL', 'ORDER_DONE', 'BALANCE_CHANGED', 'TRANSFERRED', 'TRANSFER_RESERVED',
      'TRANSFER_POSTED', 'TRANSFER_VOIDED', 'STOCK_SOLD', 'SEAT_BOOKED', 'SEAT_RELEASED', 'LEVEL_CHANGED'] as const) {
      expect({ kind, many: eventsByKind[EventKind[kind]] > rounds }).toEqual({ kind, many: true });
    }
  });
});

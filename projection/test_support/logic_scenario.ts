/**
 * A seeded random trading / ticketing / transfer scenario run through the real business logic with
 * event emission on: projection tests and the projector bench write its events and compare the
 * tables with the logic's own state (balances, orders, items, seats).
 */
import { OrderType, Side, TimeInForce } from '../../codec/records/command_descriptor.ts';
import { decodeEvents, type RinglineEvent } from '../../codec/records/event_decoder.ts';
import { EVT_RECORD_BYTES } from '../../codec/records/event_descriptor.ts';
import { BalanceResult, ItemResult, OrderInfoResult, SeatResult } from '../../codec/records/result_descriptor.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { BufferEventSink } from '../../core/logic/event_emitter.ts';
import { createStateMachine, DEFAULT_LOGIC_CONFIG, type LogicStateMachine } from '../../core/logic/state_machine.ts';
import { LogicHarness, type HarnessHeader } from '../../core/logic/test_support/logic_harness.ts';
import { seededRandom } from '../../core/test_support/seeded_random.ts';

export const ADMIN: HarnessHeader = { principalId: 1, admin: true };
export const SYMBOL = 10;
export const BASE = 1;
export const QUOTE = 2;
export const ITEMS = [501, 502];
export const EVENT_ID = 700;
export const SEAT_COUNT = 40;

export interface Scenario {
  readonly machine: LogicStateMachine;
  readonly harness: LogicHarness;
  /** Accounts by owner: account 100 + p belongs to principal 10 + p. */
  readonly accounts: readonly number[];
  readonly events: RinglineEvent[];
  /** The same events as records (codec/records/event_descriptor.ts), back to back. */
  readonly records: Uint8Array;
  /** Every order id the scenario placed. */
  readonly orderIds: number[];
}

/** Records `from` to `to` (exclusive) of the scenario's events, as a view. */
export function recordSlice(scenario: Scenario, from: number, to = scenario.events.length): Uint8Array {
  return scenario.records.subarray(from * EVT_RECORD_BYTES, Math.min(to, scenario.events.length) * EVT_RECORD_BYTES);
}

export function principalOf(accountId: number): HarnessHeader {
  return { principalId: accountId - 90 };
}

/** Runs `commands` random commands after a fixed set-up; returns the machine and every event emitted. */
export function runScenario(seed: number, commands: number, accountCount = 6): Scenario {
  const machine = createStateMachine({ ...DEFAULT_LOGIC_CONFIG });
  const events: RinglineEvent[] = [];
  const chunks: Uint8Array[] = [];
  const sink = new BufferEventSink(4096, (bytes, byteLength) => {
    events.push(...decodeEvents(bytes, 0, byteLength / EVT_RECORD_BYTES));
    chunks.push(bytes.slice(0, byteLength));
  });
  machine.events.sink = sink;
  const harness = new LogicHarness(machine);
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const accounts = Array.from({ length: accountCount }, (_, i) => 100 + i);
  const orderIds: number[] = [];
  const ok = (code: number, what: string): void => {
    if (code !== ResultCode.OK) throw new Error(`scenario set-up: ${what} answered ${code}`);
  };

  ok(harness.run(ADMIN, { kind: 'createAsset', assetId: BASE }).code, 'createAsset');
  ok(harness.run(ADMIN, { kind: 'createAsset', assetId: QUOTE }).code, 'createAsset');
  ok(harness.run(ADMIN, { kind: 'createSymbol', symbolId: SYMBOL, baseAssetId: BASE, quoteAssetId: QUOTE, tickSize: 1, lotSize: 1 }).code, 'createSymbol');
  for (const account of accounts) {
    ok(harness.run(principalOf(account), { kind: 'createAccount', accountId: account }).code, 'createAccount');
    ok(harness.run(ADMIN, { kind: 'deposit', accountId: account, assetId: BASE, amount: 5_000 }).code, 'deposit');
    ok(harness.run(ADMIN, { kind: 'deposit', accountId: account, assetId: QUOTE, amount: 500_000 }).code, 'deposit');
  }
  for (const itemId of ITEMS) {
    ok(harness.run(principalOf(accounts[0]), { kind: 'createItem', itemId, merchantAccountId: accounts[0], priceAssetId: QUOTE, unitPrice: 7, stock: 30 }).code, 'createItem');
  }
  ok(harness.run(principalOf(accounts[1]), { kind: 'createEvent', eventId: EVENT_ID, merchantAccountId: accounts[1], priceAssetId: QUOTE, seatPrice: 11,
    seatCount: SEAT_COUNT }).code, 'createEvent');

  let transferId = 1;
  const pending: { id: number; owner: number }[] = [];
  for (let i = 0; i < commands; i++) {
    const account = pick(accounts);
    const me = principalOf(account);
    const roll = random();
    if (roll < 0.45) {
      const result = harness.run(me, { kind: 'placeOrder', symbolId: SYMBOL, accountId: account, side: random() < 0.5 ? Side.BUY : Side.SELL,
        price: int(95, 105), quantity: int(1, 20), orderType: OrderType.LIMIT, timeInForce: random() < 0.8 ? TimeInForce.GTC : TimeInForce.IOC });
      if (result.code === ResultCode.OK) orderIds.push(result.inputSequence);
    } else if (roll < 0.55 && orderIds.length > 0) {
      harness.run(me, { kind: 'cancelOrder', symbolId: SYMBOL, orderId: pick(orderIds) });
    } else if (roll < 0.6 && orderIds.length > 0) {
      harness.run(me, { kind: 'amendOrder', symbolId: SYMBOL, orderId: pick(orderIds), newPrice: int(95, 105), newQuantity: int(1, 20) });
    } else if (roll < 0.7) {
      harness.run(me, { kind: 'transfer', fromAccountId: account, toAccountId: pick(accounts), assetId: pick([BASE, QUOTE]), amount: int(1, 300) });
    } else if (roll < 0.76) {
      const id = transferId++;
      const result = harness.run(me, { kind: 'transferReserve', transferId: id, fromAccountId: account, toAccountId: pick(accounts), assetId: QUOTE, amount: int(1, 300) });
      if (result.code === ResultCode.OK) pending.push({ id, owner: account });
    } else if (roll < 0.82 && pending.length > 0) {
      const transfer = pending.splice(Math.floor(random() * pending.length), 1)[0];
      harness.run(principalOf(transfer.owner), random() < 0.5 ? { kind: 'transferPost', transferId: transfer.id, amount: 0 } : { kind: 'transferVoid', transferId: transfer.id });
    } else if (roll < 0.9) {
      harness.run(me, { kind: 'buy', itemId: pick(ITEMS), buyerAccountId: account, quantity: int(1, 3), maxUnitPrice: 0 });
    } else if (roll < 0.92) {
      harness.run(principalOf(accounts[0]), { kind: 'restock', itemId: pick(ITEMS), quantity: int(1, 5) });
    } else if (roll < 0.97) {
      harness.run(me, { kind: 'bookSeats', eventId: EVENT_ID, buyerAccountId: account, seats: [int(0, SEAT_COUNT - 1), int(0, SEAT_COUNT - 1)] });
    } else {
      harness.run(me, { kind: 'releaseSeats', eventId: EVENT_ID, holderAccountId: account, seats: [int(0, SEAT_COUNT - 1)] });
    }
  }
  sink.flush();
  return { machine, harness, accounts, events, records: Buffer.concat(chunks), orderIds };
}

/** Every balance cell of the logic: "account:asset" → [available, reserved]. */
export function logicBalances(machine: LogicStateMachine): Map<string, [number, number]> {
  const ledger = machine.ledger;
  const cells = new Map<string, [number, number]>();
  for (let c = 0; c < ledger.cellCount; c++) {
    const account = ledger.accountIds[ledger.cellAccount[c]];
    const asset = ledger.assetIds[ledger.cellAsset[c]];
    cells.set(`${account}:${asset}`, [ledger.available[c], ledger.reserved[c]]);
  }
  return cells;
}

/** The logic's answer for one order (getOrder, as admin): resting and filled quantity, or null when not found. */
export function logicOrder(scenario: Scenario, orderId: number): { resting: number; filled: number } | null {
  const result = scenario.harness.run(ADMIN, { kind: 'getOrder', symbolId: SYMBOL, orderId });
  if (result.code !== ResultCode.OK) return null;
  return { resting: result.f64(OrderInfoResult.RESTING_QUANTITY), filled: result.f64(OrderInfoResult.FILLED_QUANTITY) };
}

export function logicItem(scenario: Scenario, itemId: number): { stock: number; sold: number } {
  const result = scenario.harness.run(ADMIN, { kind: 'getItem', itemId });
  return { stock: result.f64(ItemResult.STOCK), sold: result.f64(ItemResult.SOLD) };
}

export function logicSeatHolder(scenario: Scenario, seat: number): number {
  return scenario.harness.run(ADMIN, { kind: 'getSeat', eventId: EVENT_ID, seat }).f64(SeatResult.HOLDER_ACCOUNT_ID);
}

export function logicBalance(scenario: Scenario, accountId: number, assetId: number): number {
  return scenario.harness.run(ADMIN, { kind: 'getBalance', accountId, assetId }).f64(BalanceResult.AVAILABLE);
}

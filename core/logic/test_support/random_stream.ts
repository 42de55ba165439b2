/**
 * Random command streams over one fixed world, resolved against the reference model's state as they
 * run (orders to cancel are ones that rest, transfers to finish are ones that are pending): the
 * reference-model comparison and the snapshot-upgrade fixtures draw their streams from here.
 */
import fc from 'fast-check';
import { OrderType, Side, TimeInForce } from '../../../codec/records/command_descriptor.ts';
import type { CommandSpec } from './command_writer.ts';
import type { HarnessHeader } from './logic_harness.ts';
import type { ReferenceModel } from './reference_model.ts';
import { ADMIN } from './scenario_table.ts';
import { DEFAULT_LOGIC_CONFIG } from '../state_machine.ts';
import type { LogicConfig } from '../state_machine_api.ts';

export const RANDOM_STREAM_CONFIG: LogicConfig = {
  ...DEFAULT_LOGIC_CONFIG, maxStopOrders: 256, doneOrderWindow: 2048, maxAssets: 4, maxAccounts: 32, maxBalances: 128, maxPendingTransfers: 2048, maxItems: 8,
  maxEvents: 4, maxSeats: 64, maxSymbols: 4, maxOrders: 4096, maxPriceLevels: 1024, idempotencyWindow: 8,
};
export const ACCOUNTS = 24;
const PRINCIPALS = 6;
export const accountId = (k: number): number => 101 + (k % ACCOUNTS);
export const ownerOf = (account: number): number => 10 * (((account - 101) % PRINCIPALS) + 1);

/** The fixed world every stream starts from. */
export function setup(): { who: HarnessHeader; spec: CommandSpec }[] {
  const rows: { who: HarnessHeader; spec: CommandSpec }[] = [];
  for (const assetId of [1, 2, 3]) rows.push({ who: ADMIN, spec: { kind: 'createAsset', assetId } });
  for (let k = 0; k < ACCOUNTS; k++) {
    const id = accountId(k);
    rows.push({ who: { principalId: ownerOf(id) }, spec: { kind: 'createAccount', accountId: id } });
    // The last four accounts start with quote money only: they have no base balance cells yet.
    if (k < ACCOUNTS - 4) rows.push({ who: ADMIN, spec: { kind: 'deposit', accountId: id, assetId: 1, amount: 2_000 } });
    rows.push({ who: ADMIN, spec: { kind: 'deposit', accountId: id, assetId: 2, amount: 200_000 } });
    if (k < ACCOUNTS - 4) rows.push({ who: ADMIN, spec: { kind: 'deposit', accountId: id, assetId: 3, amount: 500 } });
  }
  rows.push({ who: ADMIN, spec: { kind: 'createSymbol', symbolId: 1, baseAssetId: 1, quoteAssetId: 2, tickSize: 5, lotSize: 10 } });
  rows.push({ who: ADMIN, spec: { kind: 'createSymbol', symbolId: 2, baseAssetId: 3, quoteAssetId: 2, tickSize: 1, lotSize: 1 } });
  // Short selling in symbol 1 from the start (initial 10%, maintenance 5%: a short is liquidated ~5% up).
  rows.push({ who: ADMIN, spec: { kind: 'setMargin', symbolId: 1, initialMarginBps: 1000, maintenanceMarginBps: 500 } });
  [[1, 101, 7], [2, 102, 13], [3, 103, 20]].forEach(([itemId, merchant, unitPrice]) =>
    rows.push({ who: { principalId: ownerOf(merchant) }, spec: { kind: 'createItem', itemId, merchantAccountId: merchant, priceAssetId: 2, unitPrice, stock: 40 } }));
  rows.push({ who: { principalId: ownerOf(103) }, spec: { kind: 'createItem', itemId: 4, merchantAccountId: 103, priceAssetId: 3, unitPrice: 2, stock: 40 } });
  rows.push({ who: { principalId: ownerOf(104) }, spec: { kind: 'createEvent', eventId: 1, merchantAccountId: 104, priceAssetId: 2, seatPrice: 30, seatCount: 24 } });
  rows.push({ who: { principalId: ownerOf(105) }, spec: { kind: 'createEvent', eventId: 2, merchantAccountId: 105, priceAssetId: 3, seatPrice: 5, seatCount: 10 } });
  return rows;
}

/** A random operation: a kind and random numbers resolved against the current state when it runs. */
export interface Op {
  readonly kind: string;
  readonly n: readonly number[];
  readonly asOwner: boolean;
  readonly idem: number;
}
const KINDS: readonly [string, number][] = [
  ['limit', 30], ['market', 4], ['cancel', 7], ['amend', 10], ['transfer', 7], ['reserve', 4], ['finish', 4], ['buy', 6],
  ['book', 4], ['release', 3], ['checkout', 5], ['deposit', 2], ['withdraw', 2], ['read', 5], ['restock', 1],
  ['stop', 8], ['oco', 4], ['cancelAll', 1], ['short', 8], ['margin', 1],
];
export const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.oneof(...KINDS.map(([kind, weight]) => ({ arbitrary: fc.constant(kind), weight }))),
  n: fc.array(fc.nat({ max: 1_000_000 }), { minLength: 8, maxLength: 8 }),
  asOwner: fc.nat({ max: 19 }).map((x) => x !== 0),
  idem: fc.nat({ max: 99 }).map((x) => (x < 10 ? 1 + x : 0)),
});

export function resolve(op: Op, ref: ReferenceModel): { account: number; spec: CommandSpec } {
  const [a, b, c, d, e, f, g, h] = op.n;
  const account = accountId(a);
  const resting = [...ref.symbols.values()].flatMap((s) => [...s.orders, ...s.stops]);
  const pickOrder = resting.length > 0 ? resting[b % resting.length] : undefined;
  // Around the last trade price of the symbol (or mid-book before the first trade).
  const near = (symbolId: number, steps: number): number => {
    const last = ref.symbols.get(symbolId)?.last ?? 0;
    return symbolId === 1 ? Math.max(5, (last === 0 ? 100 : last) + 5 * steps) : Math.max(1, (last === 0 ? 98 : last) + steps);
  };
  switch (op.kind) {
    case 'limit': {
      const symbolId = 1 + (c % 2);
      const side = 1 + (d % 2);
      // Buys mostly below sells with an overlap: books grow and still cross often.
      const price = symbolId === 1 ? (side === Side.BUY ? 70 : 95) + 5 * (e % 8) : (side === Side.BUY ? 90 : 98) + (e % 10);
      const quantity = symbolId === 1 ? 10 * (1 + (f % 8)) : 1 + (f % 12);
      const timeInForce = g % 10 < 7 ? TimeInForce.GTC : g % 10 < 9 ? TimeInForce.IOC : TimeInForce.FOK;
      return { account, spec: { kind: 'placeOrder', symbolId, accountId: account, price, quantity, side, orderType: OrderType.LIMIT, timeInForce, selfTrade: h % 3 === 0 ? 1 : 0 } };
    }
    case 'market': {
      const symbolId = 1 + (c % 2);
      const quantity = symbolId === 1 ? 10 * (1 + (f % 15)) : 1 + (f % 20);
      return { account, spec: { kind: 'placeOrder', symbolId, accountId: account, price: 0, quantity, side: 1 + (d % 2), orderType: OrderType.MARKET,
        timeInForce: g % 3 === 0 ? TimeInForce.FOK : TimeInForce.IOC, selfTrade: h % 2 } };
    }
    case 'stop': {
      const symbolId = 1 + (c % 2);
      const side = 1 + (d % 2);
      // Mostly on the valid side of the last trade (buy stops above, sell stops below), sometimes not.
      const away = 1 + (e % 6);
      const stopPrice = near(symbolId, (side === Side.BUY ? away : -away) * (h % 9 === 0 ? -1 : 1));
      const quantity = symbolId === 1 ? 10 * (1 + (f % 6)) : 1 + (f % 10);
      const market = g % 2 === 0;
      const timeInForce = market ? (g % 6 === 0 ? TimeInForce.FOK : TimeInForce.IOC) : [TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK][(g >> 1) % 4];
      const price = market ? 0 : stopPrice + (symbolId === 1 ? 5 : 1) * ((side === Side.BUY ? 1 : -1) * ((g >> 3) % 3));
      return { account, spec: { kind: 'placeStopOrder', symbolId, accountId: account, price: Math.max(price, symbolId === 1 ? 5 : 1), quantity, stopPrice, side,
        orderType: market ? OrderType.STOP_MARKET : OrderType.STOP_LIMIT, timeInForce, selfTrade: h % 3 === 0 ? 1 : 0 } };
    }
    case 'oco': {
      const symbolId = 1 + (c % 2);
      const side = 1 + (d % 2);
      // A sell: take profit above the last price, stop below it; a buy the other way round.
      const dir = side === Side.SELL ? 1 : -1;
      const price = near(symbolId, dir * (e % 5));
      const stopPrice = near(symbolId, -dir * (1 + (f % 5)));
      const quantity = symbolId === 1 ? 10 * (1 + (g % 5)) : 1 + (g % 8);
      return { account, spec: { kind: 'placeOcoOrder', symbolId, accountId: account, price, quantity, stopPrice, side, selfTrade: h % 4 === 0 ? 1 : 0 } };
    }
    case 'short': {
      // A sell by an account that mostly lacks the base (the last four never had any): a short sale
      // where the symbol has margin, near the last price so it trades and moves the price.
      const seller = e % 3 === 0 ? account : accountId(ACCOUNTS - 4 + (a % 4));
      const symbolId = c % 5 === 0 ? 2 : 1;
      // Now and then far more than any collateral covers (INSUFFICIENT_MARGIN).
      const quantity = f % 9 === 0 ? 50_000 : symbolId === 1 ? 10 * (1 + (f % 6)) : 1 + (f % 10);
      if (g % 4 === 0) {
        return { account: seller, spec: { kind: 'placeOrder', symbolId, accountId: seller, price: 0, quantity, side: Side.SELL, orderType: OrderType.MARKET,
          timeInForce: TimeInForce.IOC, selfTrade: h % 2 } };
      }
      return { account: seller, spec: { kind: 'placeOrder', symbolId, accountId: seller, price: near(symbolId, (d % 5) - 1), quantity, side: Side.SELL,
        orderType: OrderType.LIMIT, timeInForce: g % 4 === 1 ? TimeInForce.IOC : TimeInForce.GTC, selfTrade: h % 3 === 0 ? 1 : 0 } };
    }
    case 'margin': {
      // Mostly valid margins (tighter and looser), sometimes invalid ones or "off".
      const initialMarginBps = [1000, 2000, 600, 0, 500, 100_001][d % 6];
      const maintenanceMarginBps = [500, 1500, 500, 0, 700, 500][d % 6];
      return { account, spec: { kind: 'setMargin', symbolId: 1 + (c % 3 === 0 ? 1 : 0), initialMarginBps, maintenanceMarginBps } };
    }
    case 'cancelAll':
      return { account, spec: { kind: 'cancelAllOrders', accountId: c % 4 === 0 ? 0 : account, symbolId: d % 3 } };
    case 'cancel':
      if (!pickOrder || c % 10 === 0) return { account, spec: { kind: 'cancelOrder', symbolId: 1 + (c % 2), orderId: 1 + (d % 900) } };
      return { account: pickOrder.account, spec: { kind: 'cancelOrder', symbolId: pickOrder.symbol, orderId: pickOrder.id } };
    case 'amend': {
      if (!pickOrder) return { account, spec: { kind: 'amendOrder', symbolId: 1, orderId: 5, newPrice: 0, newQuantity: 10 } };
      const sym = pickOrder.symbol;
      const newPrice = c % 3 === 0 ? 0 : sym === 1 ? 80 + 5 * (e % 9) : 95 + (e % 11);
      const newQuantity = sym === 1 ? 10 * (d % 9) : d % 13;
      return { account: pickOrder.account, spec: { kind: 'amendOrder', symbolId: sym, orderId: pickOrder.id, newPrice, newQuantity } };
    }
    case 'transfer':
      return { account, spec: { kind: 'transfer', fromAccountId: account, toAccountId: accountId(c), assetId: 1 + (d % 3), amount: e % 5000 } };
    case 'reserve':
      return { account, spec: { kind: 'transferReserve', transferId: 1 + (b % 400), fromAccountId: account, toAccountId: accountId(c), assetId: 1 + (d % 3), amount: e % 3000 } };
    case 'finish': {
      const ids = [...ref.transfers.keys()];
      const transferId = ids.length > 0 && c % 8 !== 0 ? ids[b % ids.length] : 1 + (b % 400);
      const t = ref.transfers.get(transferId);
      const owner = t ? t.from : account;
      return d % 2 === 0
        ? { account: owner, spec: { kind: 'transferVoid', transferId } }
        : { account: owner, spec: { kind: 'transferPost', transferId, amount: e % 3 === 0 ? 0 : e % 2500 } };
    }
    case 'buy':
      return { account, spec: { kind: 'buy', itemId: 1 + (b % 5), buyerAccountId: account, quantity: c % 7, maxUnitPrice: d % 4 === 0 ? 10 + (e % 15) : 0 } };
    case 'book':
      return { account, spec: { kind: 'bookSeats', eventId: 1 + (b % 2), buyerAccountId: account, seats: [c % 26, d % 26, e % 26].slice(0, 1 + (f % 3)) } };
    case 'release': {
      const ev = ref.events.get(1 + (b % 2));
      const held = ev ? ev.holders.flatMap((holder, seat) => (holder !== 0 ? [[holder, seat]] : [])) : [];
      if (held.length === 0) return { account, spec: { kind: 'releaseSeats', eventId: 1 + (b % 2), holderAccountId: account, seats: [c % 24] } };
      const [holder, seat] = held[c % held.length];
      const seats = d % 3 === 0 ? [seat, held[e % held.length][1]] : [seat];
      return { account: holder, spec: { kind: 'releaseSeats', eventId: 1 + (b % 2), holderAccountId: holder, seats } };
    }
    case 'checkout': {
      const lines = [{ itemId: 1 + (c % 4), quantity: 1 + (d % 4) }, { itemId: 1 + (e % 4), quantity: d % 5 }].slice(0, 1 + (f % 2));
      const seats = g % 2 === 0 ? [] : [h % 25, (h >> 5) % 25].slice(0, 1 + (h % 2));
      return { account, spec: { kind: 'checkout', buyerAccountId: account, eventId: seats.length > 0 ? 1 + (b % 2) : 0, lines: c % 9 === 0 ? [] : lines, seats } };
    }
    case 'deposit':
      return { account, spec: { kind: 'deposit', accountId: account, assetId: 1 + (c % 3), amount: d % 10_000 } };
    case 'withdraw':
      return { account, spec: { kind: 'withdraw', accountId: account, assetId: 1 + (c % 3), amount: d % 10_000 } };
    case 'restock':
      return { account: 101 + (c % 3), spec: { kind: 'restock', itemId: 1 + (c % 4), quantity: d % 30 } };
    default: {
      const read = c % 5;
      if (read === 0) return { account, spec: { kind: 'getBalance', accountId: account, assetId: 1 + (d % 3) } };
      if (read === 1) return { account, spec: { kind: 'getDepth', symbolId: 1 + (d % 2), levels: 1 + (e % 12) } };
      if (read === 2 && pickOrder && e % 2 === 0) return { account: pickOrder.account, spec: { kind: 'getOrder', symbolId: pickOrder.symbol, orderId: pickOrder.id } };
      // Any recent id: resting, waiting, ended (the done window) or never an order.
      if (read === 2) return { account, spec: { kind: 'getOrder', symbolId: 1 + (d % 2), orderId: Math.max(1, ref.lastSequence - (e % 300)) } };
      if (read === 3 && f % 2 === 0) return { account, spec: { kind: 'getSeat', eventId: 1 + (d % 2), seat: e % 25 } };
      if (read === 3) return { account, spec: { kind: 'getPosition', accountId: account, symbolId: 1 + (d % 3) } };
      return { account, spec: { kind: 'getItem', itemId: 1 + (d % 5) } };
    }
  }
}

/** Who sends `spec` (resolved from `op` for `account`): its owner or another principal, now and then an admin. */
export function headerFor(op: Op, account: number, spec: CommandSpec): HarnessHeader {
  const admin = op.n[7] % 40 === 0;
  const principalId = op.asOwner ? ownerOf(account) : 10 * (1 + (op.n[6] % PRINCIPALS));
  const isAdminKind = spec.kind === 'deposit' || spec.kind === 'withdraw' || spec.kind === 'setMargin';
  return { principalId: isAdminKind && op.asOwner ? 1 : principalId, admin: admin || (isAdminKind && op.asOwner), idempotencyId: op.idem };
}

/**
 * A slow, obviously-correct model of the business logic: plain objects, Maps and sorted arrays, no
 * typed arrays, no pools, no hash tables of our own. The property tests run random command streams
 * through it and through the real state machine and demand the same results and the same state.
 *
 * It follows the same validation ladders (documented in ledger.ts, pending_transfers.ts,
 * inventory.ts, seats.ts, checkout.ts, matching.ts) but ignores capacities: the tests size the real
 * machine so no capacity is reached (capacity codes are covered by the scenario tables).
 */
import { MAX_SEATS_PER_COMMAND, OrderType, SelfTradePrevention, Side, TimeInForce } from '../../../codec/records/command_descriptor.ts';
import { MAX_DEPTH_LEVELS_PER_SIDE, MAX_LISTED_FILLS, OrderStatus } from '../../../codec/records/result_descriptor.ts';
import { isAdminCommand, isReadOnlyCommand } from '../../../codec/registry/command_traits.ts';
import { ResultCode as R } from '../../../codec/result_codes.ts';
import { fullSpec, type CommandHeader, type CommandSpec, type FullCommandSpec } from './command_writer.ts';
import { STORED_RESULT_BYTES } from '../idempotency.ts';
import { DEFAULT_MAX_PRINCIPALS } from '../logic_config.ts';
import { FIRST_REPLICATED_PRINCIPAL_ID } from '../principal_registry.ts';

/** A result reduced to what both implementations must agree on. */
export interface Outcome {
  code: number;
  failedLeg: number;
  duplicate: boolean;
  fillsTruncated: boolean;
  /** Body values in the order listed per command in summarizeResult (result_summary.ts). */
  values: number[];
  /** Listed fills: [makerOrderId, price, quantity]. */
  fills: [number, number, number][];
}

interface Balance { available: number; reserved: number }
interface RefOrder {
  id: number; account: number; symbol: number; side: number; type: number; tif: number; stp: number;
  price: number; remaining: number; filled: number; priority: number;
  /** Entered as a triggered stop (reported as STOP_LIMIT / STOP_MARKET). */
  stop?: boolean;
  /** The limit leg of an OCO pair whose stop leg still waits. */
  oco?: boolean;
  /** A short sale (margin.ts): reserves no base, borrows it as it fills. */
  short?: boolean;
}
/** A short position (margin.ts): base owed, base on working short sells, quote locked as collateral. */
export interface RefPosition { account: number; symbol: number; short: number; pending: number; collateral: number; liquidatedAt: number }
/** A waiting (or, inside one command, triggered) stop; `type` is what it becomes: LIMIT or MARKET. */
interface RefStop {
  id: number; account: number; symbol: number; side: number; type: number; tif: number; stp: number;
  price: number; stopPrice: number; quantity: number; arrival: number; oco: boolean;
}
interface RefSymbol {
  id: number; base: number; quote: number; tick: number; lot: number; orders: RefOrder[]; stops: RefStop[]; last: number;
  initialBps: number; maintenanceBps: number;
}
interface RefDone { id: number; account: number; symbol: number; price: number; filled: number; side: number; type: number; tif: number; status: number }

const MAX = Number.MAX_SAFE_INTEGER;
const positive = (x: number): boolean => Number.isSafeInteger(x) && x > 0;
const STORED_FILLS = Math.floor((STORED_RESULT_BYTES - 72) / 24);
const digestOf = (spec: { keyDigest0: number; keyDigest1: number; keyDigest2: number; keyDigest3: number; keyDigest4: number;
  keyDigest5: number; keyDigest6: number; keyDigest7: number }): number[] =>
  [spec.keyDigest0, spec.keyDigest1, spec.keyDigest2, spec.keyDigest3, spec.keyDigest4, spec.keyDigest5, spec.keyDigest6, spec.keyDigest7];
/** What GET_ORDER reports as the type of an order that entered as a triggered stop. */
const stopType = (type: number, stop: boolean): number => (!stop ? type : type === OrderType.LIMIT ? OrderType.STOP_LIMIT : OrderType.STOP_MARKET);

export class ReferenceModel {
  readonly supply = new Map<number, number>();
  readonly owners = new Map<number, number>();
  readonly balances = new Map<string, Balance>();
  readonly transfers = new Map<number, { from: number; to: number; asset: number; amount: number }>();
  readonly items = new Map<number, { merchant: number; asset: number; price: number; stock: number; sold: number; supplied: number }>();
  readonly events = new Map<number, { merchant: number; asset: number; price: number; holders: number[] }>();
  readonly symbols = new Map<number, RefSymbol>();
  /** Open short positions, in the order they were opened. */
  readonly positions: RefPosition[] = [];
  /** The symbol the current command traded in (every trade of a command is in one symbol). */
  private traded: RefSymbol | null = null;
  /** Whether the taker being matched is a short sale. */
  private takerShort = false;
  /** Liquidations entered so far, and those whose trades triggered stops (for tests that demand coverage). */
  liquidations = 0;
  liquidationCascades = 0;
  private readonly remembered = new Map<string, Outcome>();
  private readonly rememberedOrder: string[] = [];
  private priorityClock = 0;
  /** Stops triggered in the current command, in the order they enter. */
  private triggered: RefStop[] = [];
  /** Ended orders, oldest first, at most doneWindow. */
  private readonly done: RefDone[] = [];
  private principal = 0;
  private admin = false;
  private sequence = 0;
  /** Replicated principals: id → key digest words; the next id; the revoked ids. */
  private readonly principalKeys = new Map<number, number[]>();
  private nextPrincipalId = FIRST_REPLICATED_PRINCIPAL_ID;
  private readonly revokedPrincipals = new Set<number>();

  /** The sequence of the last command applied (for generators that name recent order ids). */
  get lastSequence(): number {
    return this.sequence;
  }

  constructor(private readonly idempotencyWindow: number, private readonly doneWindow = Number.MAX_SAFE_INTEGER,
    private readonly maxPrincipals = DEFAULT_MAX_PRINCIPALS) {}

  apply(header: CommandHeader, spec: CommandSpec): Outcome {
    this.principal = header.principalId;
    this.admin = header.admin === true;
    this.sequence = header.sequence;
    const idem = header.idempotencyId ?? 0;
    const key = `${this.principal}/${idem}`;
    const remember = idem !== 0 && !isReadOnlyCommand(spec.kind);
    if (remember) {
      const stored = this.remembered.get(key);
      if (stored) return { ...stored, duplicate: true };
    }
    const outcome: Outcome = { code: R.OK, failedLeg: -1, duplicate: false, fillsTruncated: false, values: [], fills: [] };
    outcome.code = this.revokedPrincipals.has(this.principal) ? R.PRINCIPAL_REVOKED
      : isAdminCommand(spec.kind) && !this.admin ? R.ADMIN_REQUIRED : this.dispatch(fullSpec(spec), outcome);
    if (outcome.code !== R.OK) {
      outcome.values = [];
      outcome.fills = [];
    }
    if (outcome.fills.length > MAX_LISTED_FILLS) {
      outcome.fills = outcome.fills.slice(0, MAX_LISTED_FILLS);
      outcome.fillsTruncated = true;
    }
    if (remember) {
      const stored = { ...outcome, fills: [...outcome.fills] };
      if (stored.fills.length > STORED_FILLS) {
        stored.fills = stored.fills.slice(0, STORED_FILLS);
        stored.fillsTruncated = true;
      }
      this.remembered.set(key, stored);
      this.rememberedOrder.push(key);
      if (this.rememberedOrder.length > this.idempotencyWindow) this.remembered.delete(this.rememberedOrder.shift() as string);
    }
    return outcome;
  }

  balance(account: number, asset: number): Balance {
    const k = `${account}/${asset}`;
    let b = this.balances.get(k);
    if (!b) {
      b = { available: 0, reserved: 0 };
      this.balances.set(k, b);
    }
    return b;
  }

  /** Exists and the caller may act for it: anything else is ACCOUNT_NOT_FOUND (existence not disclosed). */
  private acting(account: number): boolean {
    return this.owners.has(account) && this.mayAct(account);
  }

  private mayAct(account: number): boolean {
    return this.admin || this.owners.get(account) === this.principal;
  }

  private dispatch(spec: FullCommandSpec, out: Outcome): number {
    switch (spec.kind) {
      case 'createAsset':
        if (spec.assetId === 0) return R.ID_MUST_NOT_BE_ZERO;
        if (!positive(spec.assetId)) return R.INTEGER_OUT_OF_RANGE;
        if (this.supply.has(spec.assetId)) return R.ASSET_EXISTS;
        this.supply.set(spec.assetId, 0);
        return R.OK;
      case 'createAccount': {
        const ownerField = spec.ownerPrincipalId;
        if (spec.accountId === 0) return R.ID_MUST_NOT_BE_ZERO;
        if (!positive(spec.accountId)) return R.INTEGER_OUT_OF_RANGE;
        if (!(Number.isInteger(ownerField) && ownerField >= 0 && ownerField <= 0xffffffff)) return R.INVALID_FIELD_VALUE;
        const owner = ownerField === 0 ? this.principal : ownerField;
        if (owner !== this.principal && !this.admin) return R.ADMIN_REQUIRED;
        if (this.owners.has(spec.accountId)) return R.ACCOUNT_EXISTS;
        this.owners.set(spec.accountId, owner);
        return R.OK;
      }
      case 'deposit':
      case 'withdraw': {
        if (!this.owners.has(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
        if (!this.supply.has(spec.assetId)) return R.ASSET_NOT_FOUND;
        if (!positive(spec.amount)) return R.AMOUNT_MUST_BE_POSITIVE;
        const supply = this.supply.get(spec.assetId) as number;
        const b = this.balance(spec.accountId, spec.assetId);
        if (spec.kind === 'deposit') {
          if (supply + spec.amount > MAX) return R.BALANCE_OVERFLOW;
          b.available += spec.amount;
          this.supply.set(spec.assetId, supply + spec.amount);
        } else {
          if (b.available < spec.amount) return R.INSUFFICIENT_FUNDS;
          b.available -= spec.amount;
          this.supply.set(spec.assetId, supply - spec.amount);
        }
        out.values = [b.available, b.reserved];
        return R.OK;
      }
      case 'transfer': {
        const code = this.checkPair(spec.fromAccountId, spec.toAccountId, spec.assetId, spec.amount);
        if (code !== R.OK) return code;
        const from = this.balance(spec.fromAccountId, spec.assetId);
        from.available -= spec.amount;
        this.balance(spec.toAccountId, spec.assetId).available += spec.amount;
        out.values = [from.available, from.reserved];
        return R.OK;
      }
      case 'transferReserve': {
        if (spec.transferId === 0) return R.ID_MUST_NOT_BE_ZERO;
        if (!positive(spec.transferId)) return R.INTEGER_OUT_OF_RANGE;
        if (this.transfers.has(spec.transferId)) return R.TRANSFER_EXISTS;
        const code = this.checkPair(spec.fromAccountId, spec.toAccountId, spec.assetId, spec.amount);
        if (code !== R.OK) return code;
        const from = this.balance(spec.fromAccountId, spec.assetId);
        from.available -= spec.amount;
        from.reserved += spec.amount;
        this.transfers.set(spec.transferId, { from: spec.fromAccountId, to: spec.toAccountId, asset: spec.assetId, amount: spec.amount });
        out.values = [spec.amount];
        return R.OK;
      }
      case 'transferPost':
      case 'transferVoid': {
        const t = this.transfers.get(spec.transferId);
        if (!t || !this.mayAct(t.from)) return R.TRANSFER_NOT_FOUND;
        const from = this.balance(t.from, t.asset);
        let paid = 0;
        if (spec.kind === 'transferPost') {
          if (spec.amount !== 0 && !positive(spec.amount)) return R.AMOUNT_MUST_BE_POSITIVE;
          if (spec.amount > t.amount) return R.POST_EXCEEDS_RESERVED;
          paid = spec.amount === 0 ? t.amount : spec.amount;
          this.balance(t.to, t.asset).available += paid;
        }
        this.transfers.delete(spec.transferId); // finished: the id is forgotten, its slot reclaimed
        from.reserved -= t.amount;
        from.available += t.amount - paid;
        out.values = [spec.kind === 'transferPost' ? paid : t.amount];
        return R.OK;
      }
      case 'getBalance': {
        if (!this.acting(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
        if (!this.supply.has(spec.assetId)) return R.ASSET_NOT_FOUND;
        const b = this.balances.get(`${spec.accountId}/${spec.assetId}`) ?? { available: 0, reserved: 0 };
        out.values = [b.available, b.reserved];
        return R.OK;
      }
      case 'createItem': {
        const listed = this.checkListing(spec.itemId, this.items, R.ITEM_EXISTS, spec.merchantAccountId, spec.priceAssetId, spec.unitPrice);
        if (listed !== R.OK) return listed;
        if (spec.stock !== 0 && !positive(spec.stock)) return R.QUANTITY_MUST_BE_POSITIVE;
        const item = { merchant: spec.merchantAccountId, asset: spec.priceAssetId, price: spec.unitPrice, stock: spec.stock, sold: 0, supplied: spec.stock };
        this.items.set(spec.itemId, item);
        out.values = [item.stock, item.sold, item.price, 0];
        return R.OK;
      }
      case 'restock': {
        const item = this.items.get(spec.itemId);
        if (!item) return R.ITEM_NOT_FOUND;
        if (!this.mayAct(item.merchant)) return R.NOT_OWNER;
        if (!positive(spec.quantity)) return R.QUANTITY_MUST_BE_POSITIVE;
        if (item.supplied + spec.quantity > MAX) return R.INTEGER_OUT_OF_RANGE;
        item.stock += spec.quantity;
        item.supplied += spec.quantity;
        out.values = [item.stock, item.sold, item.price, 0];
        return R.OK;
      }
      case 'buy': {
        const item = this.items.get(spec.itemId);
        if (!item) return R.ITEM_NOT_FOUND;
        if (!this.acting(spec.buyerAccountId)) return R.ACCOUNT_NOT_FOUND;
        if (!positive(spec.quantity)) return R.QUANTITY_MUST_BE_POSITIVE;
        const max = spec.maxUnitPrice;
        if (max !== 0 && !positive(max)) return R.PRICE_MUST_BE_POSITIVE;
        if (max !== 0 && item.price > max) return R.PRICE_ABOVE_LIMIT;
        if (item.stock < spec.quantity) return R.INSUFFICIENT_STOCK;
        const total = item.price * spec.quantity;
        const b = this.balance(spec.buyerAccountId, item.asset);
        if (b.available < total) return R.INSUFFICIENT_FUNDS;
        b.available -= total;
        this.balance(item.merchant, item.asset).available += total;
        item.stock -= spec.quantity;
        item.sold += spec.quantity;
        out.values = [item.stock, item.sold, item.price, total];
        return R.OK;
      }
      case 'getItem': {
        const item = this.items.get(spec.itemId);
        if (!item) return R.ITEM_NOT_FOUND;
        out.values = [item.stock, item.sold, item.price, 0];
        return R.OK;
      }
      case 'createEvent': {
        const listed = this.checkListing(spec.eventId, this.events, R.EVENT_EXISTS, spec.merchantAccountId, spec.priceAssetId, spec.seatPrice);
        if (listed !== R.OK) return listed;
        if (!positive(spec.seatCount)) return R.SEAT_COUNT_INVALID;
        this.events.set(spec.eventId, { merchant: spec.merchantAccountId, asset: spec.priceAssetId, price: spec.seatPrice,
          holders: new Array<number>(spec.seatCount).fill(0) });
        return R.OK;
      }
      case 'bookSeats':
      case 'releaseSeats': {
        const account = spec.kind === 'bookSeats' ? spec.buyerAccountId : spec.holderAccountId;
        const ev = this.events.get(spec.eventId);
        if (!ev) return R.EVENT_NOT_FOUND;
        if (!this.acting(account)) return R.ACCOUNT_NOT_FOUND;
        if (spec.seats.length < 1 || spec.seats.length > MAX_SEATS_PER_COMMAND) return R.SEAT_COUNT_INVALID;
        const booking = spec.kind === 'bookSeats';
        const seatCode = this.checkSeats(ev.holders, spec.seats, booking ? 0 : account);
        if (seatCode.code !== R.OK) return seatCode.code;
        const total = ev.price * spec.seats.length;
        if (booking) {
          const b = this.balance(account, ev.asset);
          if (b.available < total) return R.INSUFFICIENT_FUNDS;
          b.available -= total;
          this.balance(ev.merchant, ev.asset).available += total;
        } else {
          const m = this.balance(ev.merchant, ev.asset);
          if (m.available < total) return R.INSUFFICIENT_FUNDS;
          m.available -= total;
          this.balance(account, ev.asset).available += total;
        }
        for (const seat of spec.seats) ev.holders[seat] = booking ? account : 0;
        out.values = [total];
        return R.OK;
      }
      case 'getSeat': {
        const ev = this.events.get(spec.eventId);
        if (!ev) return R.EVENT_NOT_FOUND;
        if (!(Number.isInteger(spec.seat) && spec.seat >= 0 && spec.seat < ev.holders.length)) return R.SEAT_OUT_OF_RANGE;
        out.values = [ev.holders[spec.seat]];
        return R.OK;
      }
      case 'checkout':
        return this.checkout(spec, out);
      case 'createSymbol': {
        if (spec.symbolId === 0) return R.ID_MUST_NOT_BE_ZERO;
        if (!positive(spec.symbolId)) return R.INTEGER_OUT_OF_RANGE;
        if (this.symbols.has(spec.symbolId)) return R.SYMBOL_EXISTS;
        if (!this.supply.has(spec.baseAssetId) || !this.supply.has(spec.quoteAssetId)) return R.ASSET_NOT_FOUND;
        if (spec.baseAssetId === spec.quoteAssetId) return R.SYMBOL_ASSETS_SAME;
        if (!positive(spec.tickSize)) return R.INVALID_PRICE;
        if (!positive(spec.lotSize)) return R.INVALID_QUANTITY;
        this.symbols.set(spec.symbolId, { id: spec.symbolId, base: spec.baseAssetId, quote: spec.quoteAssetId, tick: spec.tickSize, lot: spec.lotSize,
          orders: [], stops: [], last: 0, initialBps: 0, maintenanceBps: 0 });
        return R.OK;
      }
      case 'placeOrder':
        return this.place(spec, out);
      case 'cancelOrder': {
        const sym = this.symbols.get(spec.symbolId);
        if (!sym) return R.SYMBOL_NOT_FOUND;
        const o = sym.orders.find((x) => x.id === spec.orderId);
        if (!o) {
          const st = sym.stops.find((x) => x.id === spec.orderId);
          if (!st) return R.ORDER_NOT_FOUND;
          if (!this.mayAct(st.account)) return R.ORDER_NOT_FOUND;
          out.values = [st.id, st.quantity];
          this.cancelStop(sym, st);
          return R.OK;
        }
        if (!this.mayAct(o.account)) return R.ORDER_NOT_FOUND;
        out.values = [o.id, o.remaining];
        this.cancelResting(sym, o, true);
        return R.OK;
      }
      case 'placeStopOrder':
        return this.placeStop(spec, out);
      case 'placeOcoOrder':
        return this.placeOco(spec, out);
      case 'cancelAllOrders':
        return this.cancelAll(spec, out);
      case 'amendOrder':
        return this.amend(spec, out);
      case 'getOrder': {
        const sym = this.symbols.get(spec.symbolId);
        if (!sym) return R.SYMBOL_NOT_FOUND;
        const o = sym.orders.find((x) => x.id === spec.orderId);
        if (o) {
          if (!this.mayAct(o.account)) return R.ORDER_NOT_FOUND;
          out.values = [o.id, o.account, o.price, o.remaining, o.filled, o.side, stopType(o.type, o.stop === true), o.tif, OrderStatus.RESTING];
          return R.OK;
        }
        const st = sym.stops.find((x) => x.id === spec.orderId);
        if (st) {
          if (!this.mayAct(st.account)) return R.ORDER_NOT_FOUND;
          out.values = [st.id, st.account, st.price, st.quantity, 0, st.side, stopType(st.type, true), st.tif, OrderStatus.PENDING];
          return R.OK;
        }
        const d = this.done.find((x) => x.id === spec.orderId && x.symbol === spec.symbolId);
        if (!d) return R.ORDER_NOT_FOUND;
        if (!this.mayAct(d.account)) return R.ORDER_NOT_FOUND;
        out.values = [d.id, d.account, d.price, 0, d.filled, d.side, d.type, d.tif, d.status];
        return R.OK;
      }
      case 'getDepth': {
        const sym = this.symbols.get(spec.symbolId);
        if (!sym) return R.SYMBOL_NOT_FOUND;
        if (!positive(spec.levels)) return R.INVALID_FIELD_VALUE;
        const limit = Math.min(spec.levels, MAX_DEPTH_LEVELS_PER_SIDE);
        const bids = this.levels(sym, Side.BUY).slice(0, limit);
        const asks = this.levels(sym, Side.SELL).slice(0, limit);
        out.values = [bids.length, asks.length, ...bids.flat(), ...asks.flat()];
        return R.OK;
      }
      case 'snapshot':
        out.values = [this.sequence];
        return R.OK;
      case 'getStateHash':
        return R.OK;
      case 'setMargin': {
        const sym = this.symbols.get(spec.symbolId);
        if (!sym) return R.SYMBOL_NOT_FOUND;
        const im = spec.initialMarginBps;
        const mm = spec.maintenanceMarginBps;
        const off = im === 0 && mm === 0;
        if (!off && !(mm >= 1 && mm <= im && im <= 100_000 && Number.isInteger(im) && Number.isInteger(mm))) return R.INVALID_MARGIN;
        if (off && this.positions.some((p) => p.symbol === sym.id)) return R.MARGIN_IN_USE;
        sym.initialBps = im;
        sym.maintenanceBps = mm;
        return R.OK;
      }
      case 'getPosition': {
        const sym = this.symbols.get(spec.symbolId);
        if (!sym) return R.SYMBOL_NOT_FOUND;
        if (!this.acting(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
        const p = this.positions.find((x) => x.account === spec.accountId && x.symbol === sym.id);
        out.values = p ? [p.short, p.pending, p.collateral, sym.last, Math.ceil((p.short * sym.last * (10_000 + sym.maintenanceBps)) / 10_000)]
          : [0, 0, 0, sym.last, 0];
        return R.OK;
      }
      case 'setQuota':
        // Quotas are not modelled here (the property test's capacities stay below the default quotas):
        // only the command's own checks are.
        if (!(spec.principalId >= 1 && spec.principalId <= 0xffffffff)) return R.INVALID_FIELD_VALUE;
        return spec.quota >= 1 && spec.quota <= 6 ? R.OK : R.INVALID_FIELD_VALUE;
      case 'reserveIds':
        // Ranges are not modelled (the random stream reserves none; id_ranges.test.ts covers them): only
        // the command's own checks are, with no range reserved before.
        if (!(spec.principalId >= 1 && spec.principalId <= 0xffffffff)) return R.INVALID_FIELD_VALUE;
        if (![1, 2, 3, 6].includes(spec.idKind)) return R.INVALID_FIELD_VALUE;
        return positive(spec.firstId) && positive(spec.lastId) && spec.firstId <= spec.lastId ? R.OK : R.INTEGER_OUT_OF_RANGE;
      case 'createPrincipal': {
        if (spec.admin !== 0 && spec.admin !== 1) return R.INVALID_FIELD_VALUE;
        if (this.nextPrincipalId - FIRST_REPLICATED_PRINCIPAL_ID >= this.maxPrincipals) return R.PRINCIPAL_TABLE_FULL;
        const id = this.nextPrincipalId++;
        this.principalKeys.set(id, digestOf(spec));
        out.values = [id];
        return R.OK;
      }
      case 'revokePrincipal':
        if (!this.principalKeys.has(spec.principalId)) return R.PRINCIPAL_NOT_FOUND;
        if (this.revokedPrincipals.has(spec.principalId)) return R.PRINCIPAL_REVOKED;
        this.revokedPrincipals.add(spec.principalId);
        out.values = [spec.principalId];
        return R.OK;
      case 'rotatePrincipalKey':
        if (!this.principalKeys.has(spec.principalId)) return R.PRINCIPAL_NOT_FOUND;
        if (this.revokedPrincipals.has(spec.principalId)) return R.PRINCIPAL_REVOKED;
        this.principalKeys.set(spec.principalId, digestOf(spec));
        out.values = [spec.principalId];
        return R.OK;
    }
  }

  /** The ladder CREATE_ITEM and CREATE_EVENT share (core/logic/listing_check.ts). */
  private checkListing(id: number, listed: ReadonlyMap<number, unknown>, exists: number, merchant: number, asset: number,
    price: number): number {
    if (id === 0) return R.ID_MUST_NOT_BE_ZERO;
    if (!positive(id)) return R.INTEGER_OUT_OF_RANGE;
    if (listed.has(id)) return exists;
    if (!this.acting(merchant)) return R.ACCOUNT_NOT_FOUND;
    if (!this.supply.has(asset)) return R.ASSET_NOT_FOUND;
    if (!positive(price)) return R.PRICE_MUST_BE_POSITIVE;
    return R.OK;
  }

  /** Price levels of one side, best first: [price, total quantity]. */
  levels(sym: RefSymbol, side: number): [number, number][] {
    const byPrice = new Map<number, number>();
    for (const o of this.sorted(sym, side)) byPrice.set(o.price, (byPrice.get(o.price) ?? 0) + o.remaining);
    return [...byPrice.entries()];
  }

  /** Resting orders of one side in priority order: best price first, then earliest priority. */
  sorted(sym: RefSymbol, side: number): RefOrder[] {
    return sym.orders.filter((o) => o.side === side)
      .sort((a, b) => (a.price === b.price ? a.priority - b.priority : side === Side.BUY ? b.price - a.price : a.price - b.price));
  }

  private checkPair(fromId: number, toId: number, assetId: number, amount: number): number {
    if (!this.acting(fromId)) return R.ACCOUNT_NOT_FOUND;
    if (!this.owners.has(toId)) return R.ACCOUNT_NOT_FOUND;
    if (!this.supply.has(assetId)) return R.ASSET_NOT_FOUND;
    if (fromId === toId) return R.SAME_ACCOUNT;
    if (!positive(amount)) return R.AMOUNT_MUST_BE_POSITIVE;
    if ((this.balances.get(`${fromId}/${assetId}`)?.available ?? 0) < amount) return R.INSUFFICIENT_FUNDS;
    return R.OK;
  }

  private checkSeats(holders: number[], seats: readonly number[], holder: number): { code: number; at: number } {
    const seen = new Set<number>();
    for (let i = 0; i < seats.length; i++) {
      const seat = seats[i];
      if (seat >= holders.length) return { code: R.SEAT_OUT_OF_RANGE, at: i };
      if (seen.has(seat)) return { code: R.DUPLICATE_SEAT, at: i };
      seen.add(seat);
      if (holders[seat] !== holder) return { code: holder === 0 ? R.SEAT_TAKEN : R.SEAT_NOT_HELD, at: i };
    }
    return { code: R.OK, at: -1 };
  }

  private checkout(spec: Extract<FullCommandSpec, { kind: 'checkout' }>, out: Outcome): number {
    const lines = spec.lines;
    const seats = spec.seats;
    if (!this.acting(spec.buyerAccountId)) return R.ACCOUNT_NOT_FOUND;
    if (lines.length + seats.length === 0) return R.CHECKOUT_EMPTY;
    let asset = 0;
    let total = 0;
    const want = new Map<number, number>();
    for (let i = 0; i < lines.length; i++) {
      out.failedLeg = i;
      const item = this.items.get(lines[i].itemId);
      if (!item) return R.ITEM_NOT_FOUND;
      if (!positive(lines[i].quantity)) return R.QUANTITY_MUST_BE_POSITIVE;
      if (asset === 0) asset = item.asset;
      else if (item.asset !== asset) return R.CHECKOUT_MIXED_ASSETS;
      const taken = (want.get(lines[i].itemId) ?? 0) + lines[i].quantity;
      if (taken > item.stock) return R.INSUFFICIENT_STOCK;
      want.set(lines[i].itemId, taken);
      total += item.price * lines[i].quantity;
    }
    const ev = seats.length > 0 ? this.events.get(spec.eventId) : undefined;
    if (seats.length > 0) {
      out.failedLeg = lines.length;
      if (!ev) return R.EVENT_NOT_FOUND;
      if (asset === 0) asset = ev.asset;
      else if (ev.asset !== asset) return R.CHECKOUT_MIXED_ASSETS;
      const seatCode = this.checkSeats(ev.holders, seats, 0);
      if (seatCode.code !== R.OK) {
        out.failedLeg = lines.length + seatCode.at;
        return seatCode.code;
      }
      total += ev.price * seats.length;
    }
    out.failedLeg = -1;
    const buyer = this.balance(spec.buyerAccountId, asset);
    if (buyer.available < total) return R.INSUFFICIENT_FUNDS;
    for (const line of lines) {
      const item = this.items.get(line.itemId);
      if (!item) throw new Error('unreachable');
      item.stock -= line.quantity;
      item.sold += line.quantity;
      this.balance(item.merchant, asset).available += item.price * line.quantity;
    }
    if (ev) {
      for (const seat of seats) ev.holders[seat] = spec.buyerAccountId;
      this.balance(ev.merchant, asset).available += ev.price * seats.length;
    }
    buyer.available -= total;
    out.values = [total];
    return R.OK;
  }

  private place(spec: Extract<FullCommandSpec, { kind: 'placeOrder' }>, out: Outcome): number {
    const sym = this.symbols.get(spec.symbolId);
    if (!sym) return R.SYMBOL_NOT_FOUND;
    if (!this.acting(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
    const { side, orderType, timeInForce: tif, price, quantity } = spec;
    const stp = spec.selfTrade;
    if (side !== Side.BUY && side !== Side.SELL) return R.INVALID_SIDE;
    const market = orderType === OrderType.MARKET;
    if (!market && orderType !== OrderType.LIMIT) return R.INVALID_ORDER_TYPE;
    if (tif !== TimeInForce.GTC && tif !== TimeInForce.IOC && tif !== TimeInForce.FOK) return R.INVALID_TIME_IN_FORCE;
    if (market && tif === TimeInForce.GTC) return R.INVALID_TIME_IN_FORCE;
    if (stp !== SelfTradePrevention.NONE && stp !== SelfTradePrevention.CANCEL_RESTING) return R.INVALID_FIELD_VALUE;
    if (market ? price !== 0 : !positive(price) || price % sym.tick !== 0) return R.INVALID_PRICE;
    if (!positive(quantity) || quantity % sym.lot !== 0) return R.INVALID_QUANTITY;
    const base = this.balance(spec.accountId, sym.base);
    const quote = this.balance(spec.accountId, sym.quote);
    let short = false;
    let lock = 0;
    if (side === Side.BUY) {
      if (market ? quote.available <= 0 : quote.available < price * quantity) return R.INSUFFICIENT_FUNDS;
    } else if (base.available < quantity) {
      const check = this.checkShort(sym, spec.accountId, quantity);
      if (check.code !== R.OK) return check.code;
      short = true;
      lock = check.lock;
    }
    const opposite = side === Side.BUY ? Side.SELL : Side.BUY;
    if (market && this.sorted(sym, opposite).length === 0) return R.NO_LIQUIDITY;
    if (tif === TimeInForce.FOK && !this.fillable(sym, spec.accountId, side, market ? -1 : price, quantity, stp,
      market && side === Side.BUY ? quote.available : -1)) {
      return R.FOK_NOT_FILLABLE;
    }
    if (short) {
      this.openShort(sym, spec.accountId, quantity, lock);
    } else if (side === Side.SELL) {
      base.available -= quantity;
      base.reserved += quantity;
    } else if (!market) {
      quote.available -= price * quantity;
      quote.reserved += price * quantity;
    }
    this.takerShort = short;
    const filled = this.match(sym, spec.accountId, side, market ? -1 : price, quantity, stp, out.fills);
    this.takerShort = false;
    const remaining = quantity - filled;
    let status: number = OrderStatus.FILLED;
    if (remaining > 0) {
      if (tif === TimeInForce.GTC) {
        sym.orders.push({ id: this.sequence, account: spec.accountId, symbol: spec.symbolId, side, type: orderType, tif, stp,
          price, remaining, filled, priority: ++this.priorityClock, short });
        status = OrderStatus.RESTING;
      } else {
        if (short) {
          this.releasePending(sym, spec.accountId, remaining);
        } else if (side === Side.SELL) {
          base.reserved -= remaining;
          base.available += remaining;
        } else if (!market) {
          quote.reserved -= price * remaining;
          quote.available += price * remaining;
        }
        status = OrderStatus.CANCELLED;
      }
    }
    if (status !== OrderStatus.RESTING) this.recordDone(this.sequence, spec.accountId, spec.symbolId, price, filled, side, orderType, tif, status);
    out.values = [this.sequence, filled, status === OrderStatus.RESTING ? remaining : 0, status, out.fills.length];
    this.afterTrades();
    return R.OK;
  }

  /** Side of the order named by the last AMEND_ORDER that found its order (for test checks). */
  sideOfLastAmend = 0;

  private amend(spec: Extract<FullCommandSpec, { kind: 'amendOrder' }>, out: Outcome): number {
    const sym = this.symbols.get(spec.symbolId);
    if (!sym) return R.SYMBOL_NOT_FOUND;
    const o = sym.orders.find((x) => x.id === spec.orderId);
    if (!o) return this.amendStop(sym, spec, out);
    this.sideOfLastAmend = o.side;
    if (!this.mayAct(o.account)) return R.ORDER_NOT_FOUND;
    if (!positive(spec.newQuantity)) return R.INVALID_AMEND;
    if (spec.newQuantity % sym.lot !== 0) return R.INVALID_QUANTITY;
    if (spec.newPrice !== 0 && (!positive(spec.newPrice) || spec.newPrice % sym.tick !== 0)) return R.INVALID_PRICE;
    const target = spec.newPrice === 0 ? o.price : spec.newPrice;
    const base = this.balance(o.account, sym.base);
    const quote = this.balance(o.account, sym.quote);
    const cell = o.side === Side.BUY ? quote : base;
    const short = o.short === true;
    if (target === o.price && spec.newQuantity <= o.remaining) {
      const cut = o.remaining - spec.newQuantity;
      const amount = o.side === Side.BUY ? o.price * cut : cut;
      if (short) this.releasePending(sym, o.account, cut);
      else {
        cell.reserved -= amount;
        cell.available += amount;
      }
      o.remaining = spec.newQuantity;
      out.values = [o.id, o.filled, o.remaining, OrderStatus.RESTING, 0];
      return R.OK;
    }
    const delta = o.side === Side.BUY ? target * spec.newQuantity - o.price * o.remaining : spec.newQuantity - o.remaining;
    let lock = 0;
    if (short) {
      if (delta > 0) {
        const check = this.checkShort(sym, o.account, delta);
        if (check.code !== R.OK) return check.code;
        lock = check.lock;
      }
    } else if (delta > cell.available) return R.INSUFFICIENT_FUNDS;
    sym.orders.splice(sym.orders.indexOf(o), 1);
    if (!short) {
      cell.available -= delta;
      cell.reserved += delta;
    } else if (delta > 0) this.openShort(sym, o.account, delta, lock);
    else if (delta < 0) this.releasePending(sym, o.account, -delta);
    o.price = target;
    this.takerShort = short;
    const filled = this.match(sym, o.account, o.side, target, spec.newQuantity, o.stp, out.fills);
    this.takerShort = false;
    if (filled > 0 && o.oco) this.endOcoStopLeg(sym, o);
    o.filled += filled;
    const left = spec.newQuantity - filled;
    if (left > 0) {
      o.remaining = left;
      o.priority = ++this.priorityClock;
      sym.orders.push(o);
      out.values = [o.id, o.filled, left, OrderStatus.RESTING, out.fills.length];
    } else {
      o.remaining = 0;
      this.recordOrder(o, OrderStatus.FILLED);
      out.values = [o.id, o.filled, 0, OrderStatus.FILLED, out.fills.length];
    }
    this.afterTrades();
    return R.OK;
  }

  private cancelResting(sym: RefSymbol, o: RefOrder, record: boolean): void {
    if (o.oco) this.endOcoStopLeg(sym, o);
    if (record) this.recordOrder(o, OrderStatus.CANCELLED);
    sym.orders.splice(sym.orders.indexOf(o), 1);
    if (o.short === true) {
      this.releasePending(sym, o.account, o.remaining);
      return;
    }
    const cell = this.balance(o.account, o.side === Side.BUY ? sym.quote : sym.base);
    const amount = o.side === Side.BUY ? o.price * o.remaining : o.remaining;
    cell.reserved -= amount;
    cell.available += amount;
  }

  private crosses(side: number, limit: number, makerPrice: number): boolean {
    return limit < 0 || (side === Side.BUY ? makerPrice <= limit : makerPrice >= limit);
  }

  /** A dry run of match(): a self-fill (prevention NONE) pays the quote back, so it costs no budget. */
  private fillable(sym: RefSymbol, account: number, side: number, limit: number, quantity: number, stp: number, budget: number): boolean {
    let need = quantity;
    let money = budget;
    for (const m of this.sorted(sym, side === Side.BUY ? Side.SELL : Side.BUY)) {
      if (!this.crosses(side, limit, m.price)) return false;
      const own = m.account === account;
      if (stp === SelfTradePrevention.CANCEL_RESTING && own) continue;
      let take = Math.min(need, m.remaining);
      if (money >= 0) {
        take = Math.min(take, Math.floor(money / m.price / sym.lot) * sym.lot);
        if (take === 0) return false;
        if (!own) money -= take * m.price;
      }
      need -= take;
      if (need === 0) return true;
    }
    return false;
  }

  private match(sym: RefSymbol, account: number, side: number, limit: number, quantity: number, stp: number, fills: [number, number, number][]): number {
    let remaining = quantity;
    const marketBuy = limit < 0 && side === Side.BUY;
    const takerQuote = this.balance(account, sym.quote);
    for (const m of this.sorted(sym, side === Side.BUY ? Side.SELL : Side.BUY)) {
      if (remaining === 0 || !this.crosses(side, limit, m.price)) break;
      if (stp === SelfTradePrevention.CANCEL_RESTING && m.account === account) {
        this.cancelResting(sym, m, true);
        continue;
      }
      let qty = Math.min(remaining, m.remaining);
      if (marketBuy) {
        qty = Math.min(qty, Math.floor(takerQuote.available / m.price / sym.lot) * sym.lot);
        if (qty === 0) break;
      }
      const value = qty * m.price;
      const makerQuote = this.balance(m.account, sym.quote);
      const seller = side === Side.BUY ? m.account : account;
      const buyer = side === Side.BUY ? account : m.account;
      // The seller's leg (a short sale borrows the base), then the buyer's (a buy covers a short first).
      if (side === Side.BUY ? m.short === true : this.takerShort) this.borrow(sym, seller, qty, m.price);
      else {
        this.balance(seller, sym.base).reserved -= qty;
        this.balance(seller, sym.quote).available += value;
      }
      if (side === Side.BUY) {
        if (marketBuy) takerQuote.available -= value;
        else {
          takerQuote.reserved -= limit * qty;
          takerQuote.available += (limit - m.price) * qty;
        }
      } else {
        makerQuote.reserved -= value;
      }
      this.balance(buyer, sym.base).available += qty;
      this.cover(sym, buyer, qty, m.price);
      if (this.listing) fills.push([m.id, m.price, qty]);
      m.remaining -= qty;
      m.filled += qty;
      remaining -= qty;
      if (m.oco) this.endOcoStopLeg(sym, m);
      if (m.remaining === 0) {
        this.recordOrder(m, OrderStatus.FILLED);
        sym.orders.splice(sym.orders.indexOf(m), 1);
      }
      sym.last = m.price;
      this.traded = sym;
      this.collect(sym, m.price);
    }
    return quantity - remaining;
  }

  /** False while a triggered stop trades: its fills are in no result. */
  private listing = true;

  private recordOrder(o: RefOrder, status: number): void {
    this.recordDone(o.id, o.account, o.symbol, o.price, o.filled, o.side, stopType(o.type, o.stop === true), o.tif, status);
  }

  private recordDone(id: number, account: number, symbol: number, price: number, filled: number, side: number, type: number, tif: number, status: number): void {
    this.done.push({ id, account, symbol, price, filled, side, type, tif, status });
    if (this.done.length > this.doneWindow) this.done.shift();
  }

  /** Stops a trade at `price` reaches, into the triggered queue: buy stops lowest first, then sell stops highest first. */
  private collect(sym: RefSymbol, price: number): void {
    const buys = sym.stops.filter((x) => x.side === Side.BUY && x.stopPrice <= price)
      .sort((a, b) => a.stopPrice - b.stopPrice || a.arrival - b.arrival);
    const sells = sym.stops.filter((x) => x.side === Side.SELL && x.stopPrice >= price)
      .sort((a, b) => b.stopPrice - a.stopPrice || a.arrival - b.arrival);
    for (const st of [...buys, ...sells]) {
      sym.stops.splice(sym.stops.indexOf(st), 1);
      this.triggered.push(st);
    }
  }

  /** The stop leg of OCO limit leg `o` ends (waiting or triggered); `o` is a plain order from now on. */
  private endOcoStopLeg(sym: RefSymbol, o: RefOrder): void {
    o.oco = false;
    const waiting = sym.stops.findIndex((x) => x.id === o.id);
    if (waiting >= 0) sym.stops.splice(waiting, 1);
    const queued = this.triggered.findIndex((x) => x.id === o.id);
    if (queued >= 0) this.triggered.splice(queued, 1);
  }

  private stopReservation(st: RefStop): number {
    if (st.oco) return 0;
    if (st.side === Side.SELL) return st.quantity;
    return (st.type === OrderType.MARKET ? st.stopPrice : st.price) * st.quantity;
  }

  private cancelStop(sym: RefSymbol, st: RefStop): void {
    sym.stops.splice(sym.stops.indexOf(st), 1);
    if (st.oco) {
      const leg = sym.orders.find((x) => x.id === st.id);
      if (leg) {
        leg.oco = false;
        this.cancelResting(sym, leg, true);
      }
      return;
    }
    const cell = this.balance(st.account, st.side === Side.BUY ? sym.quote : sym.base);
    const amount = this.stopReservation(st);
    cell.reserved -= amount;
    cell.available += amount;
    this.recordDone(st.id, st.account, st.symbol, st.price, 0, st.side, stopType(st.type, true), st.tif, OrderStatus.CANCELLED);
  }

  private stopPriceValid(sym: RefSymbol, side: number, stopPrice: number): boolean {
    if (!positive(stopPrice) || stopPrice % sym.tick !== 0) return false;
    return sym.last === 0 || (side === Side.BUY ? stopPrice > sym.last : stopPrice < sym.last);
  }

  private placeStop(spec: Extract<CommandSpec, { kind: 'placeStopOrder' }>, out: Outcome): number {
    const sym = this.symbols.get(spec.symbolId);
    if (!sym) return R.SYMBOL_NOT_FOUND;
    if (!this.owners.has(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
    if (!this.mayAct(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
    const { side, orderType, timeInForce: tif, quantity, stopPrice } = spec;
    const price = spec.price ?? 0;
    const stp = spec.selfTrade ?? 0;
    if (side !== Side.BUY && side !== Side.SELL) return R.INVALID_SIDE;
    const market = orderType === OrderType.STOP_MARKET;
    if (!market && orderType !== OrderType.STOP_LIMIT) return R.INVALID_ORDER_TYPE;
    if (tif !== TimeInForce.GTC && tif !== TimeInForce.IOC && tif !== TimeInForce.FOK) return R.INVALID_TIME_IN_FORCE;
    if (market && tif === TimeInForce.GTC) return R.INVALID_TIME_IN_FORCE;
    if (stp !== SelfTradePrevention.NONE && stp !== SelfTradePrevention.CANCEL_RESTING) return R.INVALID_FIELD_VALUE;
    if (market ? price !== 0 : !positive(price) || price % sym.tick !== 0) return R.INVALID_PRICE;
    if (!positive(quantity) || quantity % sym.lot !== 0) return R.INVALID_QUANTITY;
    if (!this.stopPriceValid(sym, side, stopPrice)) return R.INVALID_STOP_PRICE;
    const st: RefStop = { id: this.sequence, account: spec.accountId, symbol: spec.symbolId, side, type: market ? OrderType.MARKET : OrderType.LIMIT,
      tif, stp, price, stopPrice, quantity, arrival: this.sequence, oco: false };
    const cell = this.balance(spec.accountId, side === Side.BUY ? sym.quote : sym.base);
    const need = this.stopReservation(st);
    if (cell.available < need) return R.INSUFFICIENT_FUNDS;
    cell.available -= need;
    cell.reserved += need;
    sym.stops.push(st);
    out.values = [this.sequence, 0, quantity, OrderStatus.PENDING, 0];
    return R.OK;
  }

  private placeOco(spec: Extract<CommandSpec, { kind: 'placeOcoOrder' }>, out: Outcome): number {
    const sym = this.symbols.get(spec.symbolId);
    if (!sym) return R.SYMBOL_NOT_FOUND;
    if (!this.owners.has(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
    if (!this.mayAct(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
    const { side, price, quantity, stopPrice } = spec;
    const stp = spec.selfTrade ?? 0;
    if (side !== Side.BUY && side !== Side.SELL) return R.INVALID_SIDE;
    if (stp !== SelfTradePrevention.NONE && stp !== SelfTradePrevention.CANCEL_RESTING) return R.INVALID_FIELD_VALUE;
    if (!positive(price) || price % sym.tick !== 0) return R.INVALID_PRICE;
    if (!positive(quantity) || quantity % sym.lot !== 0) return R.INVALID_QUANTITY;
    if (!this.stopPriceValid(sym, side, stopPrice) || (side === Side.BUY ? stopPrice <= price : stopPrice >= price)) return R.INVALID_STOP_PRICE;
    const cell = this.balance(spec.accountId, side === Side.BUY ? sym.quote : sym.base);
    const need = side === Side.BUY ? price * quantity : quantity;
    if (cell.available < need) return R.INSUFFICIENT_FUNDS;
    cell.available -= need;
    cell.reserved += need;
    const filled = this.match(sym, spec.accountId, side, price, quantity, stp, out.fills);
    let status: number = OrderStatus.FILLED;
    if (quantity - filled > 0) {
      sym.orders.push({ id: this.sequence, account: spec.accountId, symbol: spec.symbolId, side, type: OrderType.LIMIT, tif: TimeInForce.GTC, stp,
        price, remaining: quantity - filled, filled, priority: ++this.priorityClock, oco: filled === 0 });
      status = OrderStatus.RESTING;
    } else {
      this.recordDone(this.sequence, spec.accountId, spec.symbolId, price, filled, side, OrderType.LIMIT, TimeInForce.GTC, status);
    }
    if (filled === 0) {
      sym.stops.push({ id: this.sequence, account: spec.accountId, symbol: spec.symbolId, side, type: OrderType.MARKET, tif: TimeInForce.IOC, stp,
        price: 0, stopPrice, quantity, arrival: this.sequence, oco: true });
    }
    out.values = [this.sequence, filled, quantity - filled, status, out.fills.length];
    this.afterTrades();
    return R.OK;
  }

  private amendStop(sym: RefSymbol, spec: Extract<CommandSpec, { kind: 'amendOrder' }>, out: Outcome): number {
    const st = sym.stops.find((x) => x.id === spec.orderId);
    if (!st) return R.ORDER_NOT_FOUND;
    this.sideOfLastAmend = st.side;
    if (!this.mayAct(st.account)) return R.ORDER_NOT_FOUND;
    if (!positive(spec.newQuantity)) return R.INVALID_AMEND;
    if (spec.newQuantity % sym.lot !== 0) return R.INVALID_QUANTITY;
    const market = st.type === OrderType.MARKET;
    if (spec.newPrice !== 0 && (market || !positive(spec.newPrice) || spec.newPrice % sym.tick !== 0)) return R.INVALID_PRICE;
    const cell = this.balance(st.account, st.side === Side.BUY ? sym.quote : sym.base);
    const before = this.stopReservation(st);
    const after = this.stopReservation({ ...st, quantity: spec.newQuantity, price: spec.newPrice !== 0 ? spec.newPrice : st.price });
    if (after - before > cell.available) return R.INSUFFICIENT_FUNDS;
    cell.available -= after - before;
    cell.reserved += after - before;
    if (spec.newPrice !== 0) st.price = spec.newPrice;
    st.quantity = spec.newQuantity;
    out.values = [st.id, 0, st.quantity, OrderStatus.PENDING, 0];
    return R.OK;
  }

  private cancelAll(given: Extract<CommandSpec, { kind: 'cancelAllOrders' }>, out: Outcome): number {
    const spec = { accountId: given.accountId ?? 0, symbolId: given.symbolId ?? 0 };
    if (spec.accountId !== 0) {
      if (!this.owners.has(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
      if (!this.mayAct(spec.accountId)) return R.ACCOUNT_NOT_FOUND;
    }
    if (spec.symbolId !== 0 && !this.symbols.has(spec.symbolId)) return R.SYMBOL_NOT_FOUND;
    const mine = (account: number): boolean => (spec.accountId === 0 ? this.owners.get(account) === this.principal : account === spec.accountId);
    let cancelled = 0;
    for (const [symbolId, sym] of this.symbols) {
      if (spec.symbolId !== 0 && symbolId !== spec.symbolId) continue;
      for (const o of sym.orders.filter((x) => mine(x.account))) {
        this.cancelResting(sym, o, true);
        cancelled++;
      }
      for (const st of sym.stops.filter((x) => mine(x.account))) {
        if (!sym.stops.includes(st)) continue;
        this.cancelStop(sym, st);
        cancelled++;
      }
    }
    out.values = [cancelled];
    return R.OK;
  }

  /** Enters the triggered stops, front first, until none is left (their trades may trigger more). */
  private runTriggered(): void {
    const listing = this.listing;
    this.listing = false;
    for (let st = this.triggered.shift(); st !== undefined; st = this.triggered.shift()) {
      const sym = this.symbols.get(st.symbol) as RefSymbol;
      const base = this.balance(st.account, sym.base);
      const quote = this.balance(st.account, sym.quote);
      const market = st.type === OrderType.MARKET;
      let quantity = st.quantity;
      if (st.oco) {
        const leg = sym.orders.find((x) => x.id === st.id) as RefOrder;
        quantity = leg.remaining;
        leg.oco = false;
        this.cancelResting(sym, leg, false);
        if (st.side === Side.SELL) {
          base.available -= quantity;
          base.reserved += quantity;
        }
      } else if (st.side === Side.BUY && market) {
        quote.reserved -= st.stopPrice * quantity;
        quote.available += st.stopPrice * quantity;
      }
      const limit = market ? -1 : st.price;
      const opposite = st.side === Side.BUY ? Side.SELL : Side.BUY;
      let filled = 0;
      const noLiquidity = this.sorted(sym, opposite).length === 0;
      const vetoed = st.tif === TimeInForce.FOK &&
        !this.fillable(sym, st.account, st.side, limit, quantity, st.stp, market && st.side === Side.BUY ? quote.available : -1);
      if (!(market && noLiquidity) && !vetoed) filled = this.match(sym, st.account, st.side, limit, quantity, st.stp, []);
      const remaining = quantity - filled;
      const type = stopType(st.type, true);
      if (remaining > 0 && st.tif === TimeInForce.GTC) {
        sym.orders.push({ id: st.id, account: st.account, symbol: st.symbol, side: st.side, type: st.type, tif: st.tif, stp: st.stp,
          price: st.price, remaining, filled, priority: ++this.priorityClock, stop: true });
        continue;
      }
      if (remaining > 0) {
        if (st.side === Side.SELL) {
          base.reserved -= remaining;
          base.available += remaining;
        } else if (!market) {
          quote.reserved -= st.price * remaining;
          quote.available += st.price * remaining;
        }
      }
      this.recordDone(st.id, st.account, st.symbol, st.price, filled, st.side, type, st.tif, remaining > 0 ? OrderStatus.CANCELLED : OrderStatus.FILLED);
    }
    this.listing = listing;
  }

  // ---- margin (margin.ts) ---------------------------------------------------------------------------

  /** The position an account holds on a symbol's base asset (whichever symbol it was opened in). */
  private positionOnBase(account: number, base: number): RefPosition | undefined {
    return this.positions.find((p) => p.account === account && (this.symbols.get(p.symbol) as RefSymbol).base === base);
  }

  private checkShort(sym: RefSymbol, account: number, quantity: number): { code: number; lock: number } {
    if (sym.maintenanceBps === 0) return { code: R.INSUFFICIENT_FUNDS, lock: 0 };
    if (sym.last === 0) return { code: R.NO_REFERENCE_PRICE, lock: 0 };
    const p = this.positionOnBase(account, sym.base);
    if (p && p.symbol !== sym.id) return { code: R.SHORT_IN_OTHER_SYMBOL, lock: 0 };
    const short = p?.short ?? 0;
    const want = Math.ceil(((short + (p?.pending ?? 0) + quantity) * sym.last * sym.initialBps) / 10_000) + short * sym.last;
    const lock = Math.max(0, want - (p?.collateral ?? 0));
    if (this.balance(account, sym.quote).available < lock) return { code: R.INSUFFICIENT_MARGIN, lock: 0 };
    return { code: R.OK, lock };
  }

  private openShort(sym: RefSymbol, account: number, quantity: number, lock: number): void {
    let p = this.positionOnBase(account, sym.base);
    if (!p) {
      p = { account, symbol: sym.id, short: 0, pending: 0, collateral: 0, liquidatedAt: -1 };
      this.positions.push(p);
    }
    const quote = this.balance(account, sym.quote);
    quote.available -= lock;
    quote.reserved += lock;
    p.collateral += lock;
    p.pending += quantity;
  }

  private borrow(sym: RefSymbol, account: number, quantity: number, price: number): void {
    const p = this.positionOnBase(account, sym.base) as RefPosition;
    p.short += quantity;
    p.pending -= quantity;
    p.collateral += quantity * price;
    this.balance(account, sym.quote).reserved += quantity * price;
  }

  private cover(sym: RefSymbol, account: number, quantity: number, price: number): void {
    const p = this.positionOnBase(account, sym.base);
    if (!p || p.symbol !== sym.id || p.short === 0) return;
    const k = Math.min(quantity, p.short);
    this.balance(account, sym.base).available -= k;
    p.short -= k;
    const release = Math.min(k * price, p.collateral);
    p.collateral -= release;
    const quote = this.balance(account, sym.quote);
    quote.reserved -= release;
    quote.available += release;
    this.closeIfDone(p);
  }

  private releasePending(sym: RefSymbol, account: number, quantity: number): void {
    const p = this.positionOnBase(account, sym.base) as RefPosition;
    p.pending -= quantity;
    this.closeIfDone(p);
  }

  private closeIfDone(p: RefPosition): void {
    if (p.short !== 0 || p.pending !== 0) return;
    const quote = this.balance(p.account, (this.symbols.get(p.symbol) as RefSymbol).quote);
    quote.reserved -= p.collateral;
    quote.available += p.collateral;
    this.positions.splice(this.positions.indexOf(p), 1);
  }

  /** After a command's own order: its triggered stops, then liquidations (first in open order first) and their stops. */
  private afterTrades(): void {
    this.runTriggered();
    const sym = this.traded;
    this.traded = null;
    if (sym === null) return;
    for (;;) {
      const maintenance = 10_000 + sym.maintenanceBps;
      const p = this.positions.find((x) => x.symbol === sym.id && x.short > 0 && x.liquidatedAt !== this.sequence
        && x.collateral * 10_000 < x.short * sym.last * maintenance);
      if (!p) break;
      this.liquidate(sym, p);
      this.liquidations++;
      if (this.triggered.length > 0) this.liquidationCascades++;
      this.runTriggered();
    }
    this.traded = null;
  }

  /** Releases the collateral and buys back the short at market (IOC, cancelling the account's own asks it meets). */
  private liquidate(sym: RefSymbol, p: RefPosition): void {
    const quote = this.balance(p.account, sym.quote);
    p.liquidatedAt = this.sequence;
    quote.reserved -= p.collateral;
    quote.available += p.collateral;
    p.collateral = 0;
    const listing = this.listing;
    this.listing = false;
    if (this.sorted(sym, Side.SELL).length > 0 && quote.available > 0) {
      this.match(sym, p.account, Side.BUY, -1, p.short, SelfTradePrevention.CANCEL_RESTING, []);
    }
    this.listing = listing;
    if (this.positions.includes(p)) {
      const lock = Math.min(quote.available, Math.ceil(((p.short + p.pending) * sym.last * sym.initialBps) / 10_000) + p.short * sym.last);
      quote.available -= lock;
      quote.reserved += lock;
      p.collateral = lock;
      this.closeIfDone(p);
    }
  }
}

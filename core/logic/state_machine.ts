/**
 * The business logic: applies input records in sequence and writes one result record per input.
 *
 * apply() is the hot path: it reads the header, answers a repeated idempotency id from the stored
 * first result, checks the admin flag for admin commands, then runs the command's validation ladder
 * (documented in each module) and, only when every rule passes, changes state. It never allocates,
 * never reads a clock (time is the record's timestampUs) and never iterates an unordered collection.
 *
 * Precedence for every command: duplicate idempotency id (stored result) → PRINCIPAL_REVOKED for a
 * revoked principal (principal_registry.ts) → ADMIN_REQUIRED for admin commands → the command's own ladder. In every CREATE_* ladder the new id comes first: 0 is
 * ID_MUST_NOT_BE_ZERO, anything else that is not an integer in 1..2^53-1 is INTEGER_OUT_OF_RANGE.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { ApplyContext } from './apply_context.ts';
import { CheckoutProcessor } from './checkout.ts';
import { Idempotency, type IdempotencyWindowState } from './idempotency.ts';
import { Inventory } from './inventory.ts';
import { Ledger } from './ledger.ts';
import { DoneOrders } from './done_orders.ts';
import { Matching } from './matching.ts';
import { OrderBook } from './order_book.ts';
import { OrderQueries } from './order_queries.ts';
import { Seats } from './seats.ts';
import { DEFAULT_MAX_ID_RANGES, DEFAULT_MAX_POSITIONS, DEFAULT_MAX_PRINCIPALS, validateLogicConfig } from './logic_config.ts';
import { IdRanges } from './id_ranges.ts';
import { Margin } from './margin.ts';
import { PrincipalQuotas } from './principal_quotas.ts';
import { PendingTransfers } from './pending_transfers.ts';
import { StateArena, type ArenaSection } from './state_arena.ts';
import { PRINCIPAL_TABLE_SECTION, PrincipalRegistry } from './principal_registry.ts';
import type { EventEmitter, EventSink } from './event_emitter.ts';
import { StopBook } from './stop_book.ts';
import { StopOrders } from './stop_orders.ts';
import { computeStateHash, stateHashHex, stateHashOut } from './state_hash.ts';
import type { LogicConfig, StateMachine, StateSection } from './state_machine_api.ts';
import type { CommandType } from '../../codec/records/command_descriptor.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as resultDescriptorModule from '../../codec/records/result_descriptor.ts';
import * as commandRegistryModule from '../../codec/registry/command_registry.ts';
import * as commandTraitsModule from '../../codec/registry/command_traits.ts';
import * as resultCodesModule from '../../codec/result_codes.ts';
import * as principalQuotasModule from './principal_quotas.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { CmdHeader, CMD_FLAG_ADMIN, FIRST_SEQUENCE } = commandDescriptorModule;
const { AmountResult, BalanceResult, ItemResult, PriceResult, PrincipalResult, ResHeader, SeatResult, SnapshotResult, StateHashResult } = resultDescriptorModule;
const { COMMAND_ROWS } = commandRegistryModule;
const { COMMAND_TRAITS, TRAIT_ADMIN, TRAIT_READ_ONLY } = commandTraitsModule;
const { ResultCode } = resultCodesModule;
const { defaultQuotaLimits } = principalQuotasModule;

export { DEFAULT_LOGIC_CONFIG, validateLogicConfig } from './logic_config.ts';

/** applyWith's storedSlot when apply() looks the idempotency id up itself. */
const LOOK_UP = -2;


export class LogicStateMachine implements StateMachine {
  readonly arena = new StateArena();
  readonly ledger: Ledger;
  readonly transfers: PendingTransfers;
  readonly idempotency: Idempotency;
  readonly inventory: Inventory;
  readonly seats: Seats;
  readonly checkout: CheckoutProcessor;
  readonly book: OrderBook;
  readonly matching: Matching;
  readonly stops: StopBook;
  readonly doneOrders: DoneOrders;
  readonly stopOrders: StopOrders;
  readonly margin: Margin;
  readonly orderQueries: OrderQueries;
  readonly principals: PrincipalRegistry;
  private readonly sectionsBeforePrincipals: readonly ArenaSection[];
  readonly config: LogicConfig;
  /** [0] last applied sequence (FIRST_SEQUENCE - 1, i.e. 0, the empty state, before the first record). */
  private readonly meta: Float64Array;
  /** The per-record scratch the handlers share (public for the handler table below). */
  readonly ctx = new ApplyContext();

  constructor(config: LogicConfig) {
    this.config = validateLogicConfig(config);
    const arena = this.arena;
    // Not hashed: read-only commands advance it, and a replay may skip them.
    this.meta = arena.f64('meta', 1, false);
    this.meta[0] = FIRST_SEQUENCE - 1;
    const quotas = new PrincipalQuotas(arena, config.maxPrincipals ?? DEFAULT_MAX_PRINCIPALS, defaultQuotaLimits({
      accounts: config.maxAccounts, items: config.maxItems, events: config.maxEvents, seats: config.maxSeats,
      openOrders: config.maxOrders, pendingTransfers: config.maxPendingTransfers,
    }, config.quotas));
    const idRanges = new IdRanges(arena, config.maxIdRanges ?? DEFAULT_MAX_ID_RANGES);
    this.ledger = new Ledger(arena, config.maxAssets, config.maxAccounts, config.maxBalances, quotas, idRanges);
    this.transfers = new PendingTransfers(arena, this.ledger, config.maxPendingTransfers);
    this.inventory = new Inventory(arena, this.ledger, config.maxItems);
    this.seats = new Seats(arena, this.ledger, config.maxEvents, config.maxSeats);
    this.checkout = new CheckoutProcessor(this.ledger, this.inventory, this.seats, config.maxItems);
    this.book = new OrderBook(arena, config.maxSymbols, config.maxOrders, config.maxPriceLevels);
    this.stops = new StopBook(arena, config.maxSymbols, config.maxStopOrders);
    this.doneOrders = new DoneOrders(arena, config.doneOrderWindow);
    this.margin = new Margin(arena, config.maxSymbols, config.maxBalances, config.maxPositions ?? Math.min(config.maxAccounts, DEFAULT_MAX_POSITIONS),
      this.ledger, this.book, this.ctx);
    this.matching = new Matching(this.ledger, this.book, this.stops, this.doneOrders, this.margin);
    this.stopOrders = new StopOrders(this.ledger, this.book, this.stops, this.doneOrders, this.matching);
    // After a command's own order (matching.runTriggered): its triggered stops, then the liquidations its
    // trades call for (margin.afterTrades).
    this.orderQueries = new OrderQueries(this.ledger, this.book, this.stops, this.doneOrders);
    this.idempotency = new Idempotency(arena, config.idempotencyWindow);
    // Last: snapshots written before principals were state lack these sections (state_arena.ts).
    const beforePrincipals = arena.list().length;
    this.principals = new PrincipalRegistry(arena, config.maxPrincipals ?? DEFAULT_MAX_PRINCIPALS);
    this.sectionsBeforePrincipals = arena.list().slice(0, beforePrincipals);
    this.events = this.ledger.events;
    this.events.symbolIds = this.book.symbolIds;
    this.doneOrders.events = this.events;
    this.book.events = this.events;
  }

  /**
   * The sections the state hash covers: all of them, except the principal sections while no principal
   * was ever created — then the hash is the one a build without them computed, so its snapshots (and
   * their recorded hashes) still load. Both lists are built once: choosing allocates nothing.
   */
  hashedSections(): readonly ArenaSection[] {
    this.idempotency.settle();
    return this.principals.pristine() ? this.sectionsBeforePrincipals : this.arena.list();
  }

  principalTable(): SharedArrayBuffer | null {
    return this.arena.sharedSection(PRINCIPAL_TABLE_SECTION);
  }

  /** Event emission (event_emitter.ts): records go to `events.sink`, a discarding sink until one is attached. */
  readonly events: EventEmitter;

  attachEventSink(sink: EventSink): void {
    this.events.sink = sink;
  }

  setEventsEnabled(on: boolean): void {
    this.events.setEnabled(on);
  }

  get lastAppliedSequence(): number {
    return this.meta[0];
  }

  apply(cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number): number {
    return this.applyWith(cmd, cmdBase, out, outBase, LOOK_UP);
  }

  applyLookedUp(cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number, storedSlot: number): number {
    return this.applyWith(cmd, cmdBase, out, outBase, storedSlot);
  }

  /** apply() with the idempotency lookup's answer given (a repeat's stored slot, or -1 for a new id) or LOOK_UP. */
  private applyWith(cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number, storedSlot: number): number {
    const f64 = cmd.f64;
    const type = cmd.u16[(cmdBase + CmdHeader.TYPE) >>> 1];
    const flags = cmd.u16[(cmdBase + CmdHeader.FLAGS) >>> 1];
    const principal = cmd.u32[(cmdBase + CmdHeader.PRINCIPAL_ID) >>> 2];
    const sequenceAt = (cmdBase + CmdHeader.SEQUENCE) >>> 3;
    const idempotencyAt = (cmdBase + CmdHeader.IDEMPOTENCY_ID) >>> 3;
    const traits = COMMAND_TRAITS[type];
    const ctx = this.ctx;
    ctx.reset(principal, (flags & CMD_FLAG_ADMIN) !== 0);
    ctx.numbers[0] = f64[sequenceAt];
    ctx.numbers[1] = f64[(cmdBase + CmdHeader.TIMESTAMP_US) >>> 3];
    this.meta[0] = f64[sequenceAt];

    const remember = f64[idempotencyAt] !== 0 && (traits & TRAIT_READ_ONLY) === 0;
    if (remember) {
      const slot = storedSlot === LOOK_UP ? this.idempotency.findAt(principal, f64, idempotencyAt) : storedSlot;
      if (slot >= 0) return this.idempotency.replay(slot, cmd, cmdBase, out, outBase);
    }

    this.events.beginCommand(ctx.numbers, type);
    const code = this.principals.revoked(principal)
      ? ResultCode.PRINCIPAL_REVOKED
      : (traits & TRAIT_ADMIN) !== 0 && !ctx.admin
      ? ResultCode.ADMIN_REQUIRED
      : type < HANDLER_TABLE_SIZE ? HANDLER_BY_TYPE[type](this, cmd, cmdBase, out, outBase) : ResultCode.UNKNOWN_COMMAND;
    this.events.endCommand();
    const length = code === ResultCode.OK ? ctx.resultBytes : ResHeader.BYTES;

    const o32 = out.u32;
    o32[(outBase + ResHeader.LENGTH) >>> 2] = length;
    out.u16[(outBase + ResHeader.COMMAND_TYPE) >>> 1] = type;
    out.u16[(outBase + ResHeader.CODE) >>> 1] = code;
    out.f64[(outBase + ResHeader.INPUT_SEQUENCE) >>> 3] = f64[sequenceAt];
    o32[(outBase + ResHeader.SESSION_ID) >>> 2] = cmd.u32[(cmdBase + CmdHeader.SESSION_ID) >>> 2];
    o32[(outBase + ResHeader.PRINCIPAL_ID) >>> 2] = principal;
    out.f64[(outBase + ResHeader.CORRELATION_ID) >>> 3] = f64[(cmdBase + CmdHeader.CORRELATION_ID) >>> 3];
    o32[(outBase + ResHeader.FLAGS) >>> 2] = ctx.resultFlags;
    out.i32[(outBase + ResHeader.FAILED_LEG_INDEX) >>> 2] = ctx.failedLeg;

    if (remember) this.idempotency.remember(principal, f64, idempotencyAt, out, outBase);
    return length;
  }

  balanceBody(code: number, out: RecordBuffer, o: number): number {
    if (code !== ResultCode.OK) return code;
    const cell = this.ledger.lastCell;
    out.f64[(o + BalanceResult.AVAILABLE) >>> 3] = cell < 0 ? 0 : this.ledger.available[cell];
    out.f64[(o + BalanceResult.RESERVED) >>> 3] = cell < 0 ? 0 : this.ledger.reserved[cell];
    this.ctx.resultBytes = BalanceResult.BYTES;
    return code;
  }

  itemBody(code: number, out: RecordBuffer, o: number): number {
    if (code !== ResultCode.OK) return code;
    const inventory = this.inventory;
    const item = inventory.lastItem;
    const f = out.f64;
    f[(o + ItemResult.STOCK) >>> 3] = inventory.stock[item];
    f[(o + ItemResult.SOLD) >>> 3] = inventory.sold[item];
    f[(o + ItemResult.UNIT_PRICE) >>> 3] = inventory.unitPrice[item];
    f[(o + ItemResult.TOTAL_PRICE) >>> 3] = inventory.lastTotal[0];
    this.ctx.resultBytes = ItemResult.BYTES;
    return code;
  }

  /** `total` holds the price in [0] (an array, so the value is not boxed across the call). */
  priceBody(code: number, total: Float64Array, out: RecordBuffer, o: number): number {
    if (code !== ResultCode.OK) return code;
    out.f64[(o + PriceResult.TOTAL_PRICE) >>> 3] = total[0];
    this.ctx.resultBytes = PriceResult.BYTES;
    return code;
  }

  principalBody(code: number, out: RecordBuffer, o: number): number {
    if (code !== ResultCode.OK) return code;
    out.f64[(o + PrincipalResult.PRINCIPAL_ID) >>> 3] = this.principals.lastId[0];
    this.ctx.resultBytes = PrincipalResult.BYTES;
    return code;
  }

  amountBody(code: number, out: RecordBuffer, o: number): number {
    if (code !== ResultCode.OK) return code;
    out.f64[(o + AmountResult.AMOUNT) >>> 3] = this.transfers.lastAmount[0];
    this.ctx.resultBytes = AmountResult.BYTES;
    return code;
  }

  stateHash(): string {
    computeStateHash(this.hashedSections());
    return stateHashHex(stateHashOut.high, stateHashOut.low);
  }

  exportState(): StateSection[] {
    this.idempotency.settle();
    return this.arena.exportSections();
  }

  liveSections(): readonly StateSection[] {
    this.idempotency.settle();
    return this.arena.list();
  }

  importState(sections: readonly StateSection[]): void {
    this.idempotency.settle();
    this.arena.importSections(sections);
  }

  setReplaying(on: boolean): void {
    this.idempotency.setReplaying(on);
  }

  setLookupsAhead(on: boolean): void {
    this.idempotency.setLookupsAhead(on);
  }

  idempotencyWindowState(): IdempotencyWindowState {
    return this.idempotency.windowState();
  }

  memoryReport(): { name: string; bytes: number }[] {
    return this.arena.memoryReport();
  }
}

/** Applies one command's body; returns its result code (ctx.resultBytes = the result's length on OK). */
type Handler = (m: LogicStateMachine, cmd: RecordBuffer, b: number, out: RecordBuffer, o: number) => number;

/**
 * One handler per registry command (codec/registry/command_registry.ts), keyed by its CommandType name:
 * the compiler rejects a missing or unknown name, and the table below is checked again at load.
 */
const HANDLERS: { readonly [N in keyof typeof CommandType]: Handler } = {
  CREATE_ASSET: (m, cmd, b) => m.ledger.createAsset(cmd, b),
  CREATE_ACCOUNT: (m, cmd, b) => m.ledger.createAccount(cmd, b, m.ctx),
  DEPOSIT: (m, cmd, b, out, o) => m.balanceBody(m.ledger.depositOrWithdraw(cmd, b, false), out, o),
  WITHDRAW: (m, cmd, b, out, o) => m.balanceBody(m.ledger.depositOrWithdraw(cmd, b, true), out, o),
  TRANSFER: (m, cmd, b, out, o) => m.balanceBody(m.ledger.transfer(cmd, b, m.ctx), out, o),
  GET_BALANCE: (m, cmd, b, out, o) => m.balanceBody(m.ledger.getBalance(cmd, b, m.ctx), out, o),
  TRANSFER_RESERVE: (m, cmd, b, out, o) => m.amountBody(m.transfers.reserve(cmd, b, m.ctx), out, o),
  TRANSFER_POST: (m, cmd, b, out, o) => m.amountBody(m.transfers.post(cmd, b, m.ctx), out, o),
  TRANSFER_VOID: (m, cmd, b, out, o) => m.amountBody(m.transfers.void(cmd, b, m.ctx), out, o),
  CREATE_ITEM: (m, cmd, b, out, o) => m.itemBody(m.inventory.create(cmd, b, m.ctx), out, o),
  RESTOCK: (m, cmd, b, out, o) => m.itemBody(m.inventory.restock(cmd, b, m.ctx), out, o),
  BUY: (m, cmd, b, out, o) => m.itemBody(m.inventory.buy(cmd, b, m.ctx), out, o),
  GET_ITEM: (m, cmd, b, out, o) => m.itemBody(m.inventory.get(cmd, b), out, o),
  CREATE_EVENT: (m, cmd, b) => m.seats.create(cmd, b, m.ctx),
  BOOK_SEATS: (m, cmd, b, out, o) => m.priceBody(m.seats.bookOrRelease(cmd, b, false, m.ctx), m.seats.lastTotal, out, o),
  RELEASE_SEATS: (m, cmd, b, out, o) => m.priceBody(m.seats.bookOrRelease(cmd, b, true, m.ctx), m.seats.lastTotal, out, o),
  GET_SEAT: (m, cmd, b, out, o) => {
    const code = m.seats.getSeat(cmd, b);
    if (code === ResultCode.OK) {
      out.f64[(o + SeatResult.HOLDER_ACCOUNT_ID) >>> 3] = m.seats.lastHolderId[0];
      m.ctx.resultBytes = SeatResult.BYTES;
    }
    return code;
  },
  CHECKOUT: (m, cmd, b, out, o) => m.priceBody(m.checkout.checkout(cmd, b, m.ctx), m.checkout.lastTotal, out, o),
  CREATE_SYMBOL: (m, cmd, b) => m.matching.createSymbol(cmd, b),
  PLACE_ORDER: (m, cmd, b, out, o) => m.matching.place(cmd, b, m.ctx, out, o),
  CANCEL_ORDER: (m, cmd, b, out, o) => m.matching.cancel(cmd, b, m.ctx, out, o),
  AMEND_ORDER: (m, cmd, b, out, o) => m.matching.amend(cmd, b, m.ctx, out, o),
  GET_ORDER: (m, cmd, b, out, o) => m.orderQueries.getOrder(cmd, b, m.ctx, out, o),
  GET_DEPTH: (m, cmd, b, out, o) => m.orderQueries.getDepth(cmd, b, m.ctx, out, o),
  PLACE_STOP_ORDER: (m, cmd, b, out, o) => m.stopOrders.placeStop(cmd, b, m.ctx, out, o),
  PLACE_OCO_ORDER: (m, cmd, b, out, o) => m.stopOrders.placeOco(cmd, b, m.ctx, out, o),
  CANCEL_ALL_ORDERS: (m, cmd, b, out, o) => m.stopOrders.cancelAll(cmd, b, m.ctx, out, o),
  SET_MARGIN: (m, cmd, b) => m.margin.setMargin(cmd, b),
  GET_POSITION: (m, cmd, b, out, o) => m.margin.getPosition(cmd, b, m.ctx, out, o),
  SNAPSHOT: (m, _cmd, _b, out, o) => {
    out.f64[(o + SnapshotResult.SNAPSHOT_SEQUENCE) >>> 3] = m.ctx.numbers[0];
    m.ctx.resultBytes = SnapshotResult.BYTES;
    return ResultCode.OK;
  },
  SET_QUOTA: (m, cmd, b) => m.ledger.quotas.setQuota(cmd, b),
  RESERVE_IDS: (m, cmd, b) => m.ledger.idRanges.reserve(cmd, b),
  CREATE_PRINCIPAL: (m, cmd, b, out, o) => m.principalBody(m.principals.create(cmd, b), out, o),
  REVOKE_PRINCIPAL: (m, cmd, b, out, o) => m.principalBody(m.principals.revoke(cmd, b), out, o),
  ROTATE_PRINCIPAL_KEY: (m, cmd, b, out, o) => m.principalBody(m.principals.rotate(cmd, b), out, o),
  GET_STATE_HASH: (m, _cmd, _b, out, o) => {
    computeStateHash(m.hashedSections());
    out.u32[(o + StateHashResult.HASH_HIGH_U32) >>> 2] = stateHashOut.high;
    out.u32[(o + StateHashResult.HASH_LOW_U32) >>> 2] = stateHashOut.low;
    m.ctx.resultBytes = StateHashResult.BYTES;
    return ResultCode.OK;
  },
};

const unknownCommand: Handler = () => ResultCode.UNKNOWN_COMMAND;
/** Command types are union members on the wire, so below 256; anything else is UNKNOWN_COMMAND. */
const HANDLER_TABLE_SIZE = 256;
/**
 * Handlers by command type as a dense array, so dispatch is one indexed load and a call. Throws when a
 * command has no handler or a handler names no command (exported for the test that proves it).
 */
export function handlerTable<H>(rows: readonly { readonly name: string; readonly type: number }[],
  handlers: Readonly<Record<string, H | undefined>>, unknown: H): H[] {
  const table = new Array<H>(HANDLER_TABLE_SIZE).fill(unknown);
  for (const row of rows) {
    const handler = handlers[row.name];
    if (typeof handler !== 'function') throw new Error(`state machine: command ${row.name} (${row.type}) has no handler`);
    table[row.type] = handler;
  }
  const named = new Set(rows.map((row) => row.name));
  for (const name of Object.keys(handlers)) {
    if (!named.has(name)) throw new Error(`state machine: handler ${name} names no command`);
  }
  return table;
}
const HANDLER_BY_TYPE: readonly Handler[] = handlerTable(COMMAND_ROWS, HANDLERS, unknownCommand);

/** The engine's logic worker and the replay code call exactly this. */
export function createStateMachine(config: LogicConfig): LogicStateMachine {
  return new LogicStateMachine(config);
}

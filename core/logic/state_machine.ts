/**
 * The business logic: applies input records in sequence and writes one result record per input.
 *
 * apply() is the hot path: it reads the header, answers a repeated idempotency id from the stored
 * first result, checks the admin flag for admin commands, then runs the command's validation ladder
 * (documented in each module) and, only when every rule passes, changes state. It never allocates,
 * never reads a clock (time is the record's timestampUs) and never iterates an unordered collection.
 *
 * Precedence for every command: duplicate idempotency id (stored result) → ADMIN_REQUIRED for admin
 * commands → the command's own ladder. In every CREATE_* ladder the new id comes first: 0 is
 * ID_MUST_NOT_BE_ZERO, anything else that is not an integer in 1..2^53-1 is INTEGER_OUT_OF_RANGE.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import {
  ADMIN_COMMANDS, CMD_CORRELATION_ID_OFFSET, CMD_FLAG_ADMIN, CMD_FLAGS_OFFSET, CMD_IDEMPOTENCY_ID_OFFSET,
  CMD_PRINCIPAL_ID_OFFSET, CMD_SEQUENCE_OFFSET, CMD_SESSION_ID_OFFSET, CMD_TIMESTAMP_US_OFFSET, CMD_TYPE_OFFSET,
  CommandType, FIRST_SEQUENCE, READ_ONLY_COMMANDS,
} from '../../codec/records/command_descriptor.ts';
import {
  AmountResult, BalanceResult, ItemResult, PriceResult, RES_CODE_OFFSET, SeatResult, RES_COMMAND_TYPE_OFFSET, RES_CORRELATION_ID_OFFSET,
  RES_FAILED_LEG_INDEX_OFFSET, RES_FLAGS_OFFSET, RES_HEADER_BYTES, RES_INPUT_SEQUENCE_OFFSET, RES_LENGTH_OFFSET,
  RES_PRINCIPAL_ID_OFFSET, RES_SESSION_ID_OFFSET, SnapshotResult, StateHashResult,
} from '../../codec/records/result_descriptor.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { ApplyContext } from './apply_context.ts';
import { CheckoutProcessor } from './checkout.ts';
import { Idempotency } from './idempotency.ts';
import { Inventory } from './inventory.ts';
import { Ledger } from './ledger.ts';
import { Matching } from './matching.ts';
import { OrderBook } from './order_book.ts';
import { OrderQueries } from './order_queries.ts';
import { Seats } from './seats.ts';
import { validateLogicConfig } from './logic_config.ts';
import { PendingTransfers } from './pending_transfers.ts';
import { StateArena } from './state_arena.ts';
import { computeStateHash, stateHashHex, stateHashOut } from './state_hash.ts';
import type { LogicConfig, StateMachine, StateSection } from './state_machine_api.ts';

export { DEFAULT_LOGIC_CONFIG, validateLogicConfig } from './logic_config.ts';

const COMMAND_TABLE_SIZE = 256;
const KIND_READ_ONLY = 1;
const KIND_ADMIN = 2;
const COMMAND_KIND = new Uint8Array(COMMAND_TABLE_SIZE);
for (const type of READ_ONLY_COMMANDS) COMMAND_KIND[type] |= KIND_READ_ONLY;
for (const type of ADMIN_COMMANDS) COMMAND_KIND[type] |= KIND_ADMIN;

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
  readonly orderQueries: OrderQueries;
  readonly config: LogicConfig;
  /** [0] last applied sequence (FIRST_SEQUENCE - 1, i.e. 0, the empty state, before the first record). */
  private readonly meta: Float64Array;
  private readonly ctx = new ApplyContext();

  constructor(config: LogicConfig) {
    this.config = validateLogicConfig(config);
    const arena = this.arena;
    // Not hashed: read-only commands advance it, and a replay may skip them.
    this.meta = arena.f64('meta', 1, false);
    this.meta[0] = FIRST_SEQUENCE - 1;
    this.ledger = new Ledger(arena, config.maxAssets, config.maxAccounts, config.maxBalances);
    this.transfers = new PendingTransfers(arena, this.ledger, config.maxPendingTransfers);
    this.inventory = new Inventory(arena, this.ledger, config.maxItems);
    this.seats = new Seats(arena, this.ledger, config.maxEvents, config.maxSeats);
    this.checkout = new CheckoutProcessor(this.ledger, this.inventory, this.seats, config.maxItems);
    this.book = new OrderBook(arena, config.maxSymbols, config.maxOrders, config.maxPriceLevels);
    this.matching = new Matching(this.ledger, this.book);
    this.orderQueries = new OrderQueries(this.ledger, this.book);
    this.idempotency = new Idempotency(arena, config.idempotencyWindow);
  }

  get lastAppliedSequence(): number {
    return this.meta[0];
  }

  apply(cmd: RecordBuffer, cmdBase: number, out: RecordBuffer, outBase: number): number {
    const f64 = cmd.f64;
    const type = cmd.u16[(cmdBase + CMD_TYPE_OFFSET) >>> 1];
    const flags = cmd.u16[(cmdBase + CMD_FLAGS_OFFSET) >>> 1];
    const principal = cmd.u32[(cmdBase + CMD_PRINCIPAL_ID_OFFSET) >>> 2];
    const sequenceAt = (cmdBase + CMD_SEQUENCE_OFFSET) >>> 3;
    const idempotencyAt = (cmdBase + CMD_IDEMPOTENCY_ID_OFFSET) >>> 3;
    const kind = type < COMMAND_TABLE_SIZE ? COMMAND_KIND[type] : 0;
    const ctx = this.ctx;
    ctx.reset(principal, (flags & CMD_FLAG_ADMIN) !== 0);
    ctx.numbers[0] = f64[sequenceAt];
    ctx.numbers[1] = f64[(cmdBase + CMD_TIMESTAMP_US_OFFSET) >>> 3];
    this.meta[0] = f64[sequenceAt];

    const remember = f64[idempotencyAt] !== 0 && (kind & KIND_READ_ONLY) === 0;
    if (remember) {
      const slot = this.idempotency.findAt(principal, f64, idempotencyAt);
      if (slot >= 0) return this.idempotency.replay(slot, cmd, cmdBase, out, outBase);
    }

    const code = (kind & KIND_ADMIN) !== 0 && !ctx.admin
      ? ResultCode.ADMIN_REQUIRED
      : this.dispatch(type, cmd, cmdBase, out, outBase);
    const length = code === ResultCode.OK ? ctx.resultBytes : RES_HEADER_BYTES;

    const o32 = out.u32;
    o32[(outBase + RES_LENGTH_OFFSET) >>> 2] = length;
    out.u16[(outBase + RES_COMMAND_TYPE_OFFSET) >>> 1] = type;
    out.u16[(outBase + RES_CODE_OFFSET) >>> 1] = code;
    out.f64[(outBase + RES_INPUT_SEQUENCE_OFFSET) >>> 3] = f64[sequenceAt];
    o32[(outBase + RES_SESSION_ID_OFFSET) >>> 2] = cmd.u32[(cmdBase + CMD_SESSION_ID_OFFSET) >>> 2];
    o32[(outBase + RES_PRINCIPAL_ID_OFFSET) >>> 2] = principal;
    out.f64[(outBase + RES_CORRELATION_ID_OFFSET) >>> 3] = f64[(cmdBase + CMD_CORRELATION_ID_OFFSET) >>> 3];
    o32[(outBase + RES_FLAGS_OFFSET) >>> 2] = ctx.resultFlags;
    out.i32[(outBase + RES_FAILED_LEG_INDEX_OFFSET) >>> 2] = ctx.failedLeg;

    if (remember) this.idempotency.remember(principal, f64, idempotencyAt, out, outBase);
    return length;
  }

  private dispatch(type: number, cmd: RecordBuffer, b: number, out: RecordBuffer, o: number): number {
    const ctx = this.ctx;
    const ledger = this.ledger;
    switch (type) {
      case CommandType.CREATE_ASSET:
        return ledger.createAsset(cmd, b);
      case CommandType.CREATE_ACCOUNT:
        return ledger.createAccount(cmd, b, ctx);
      case CommandType.DEPOSIT:
        return this.balanceBody(ledger.depositOrWithdraw(cmd, b, false), out, o);
      case CommandType.WITHDRAW:
        return this.balanceBody(ledger.depositOrWithdraw(cmd, b, true), out, o);
      case CommandType.TRANSFER:
        return this.balanceBody(ledger.transfer(cmd, b, ctx), out, o);
      case CommandType.GET_BALANCE:
        return this.balanceBody(ledger.getBalance(cmd, b, ctx), out, o);
      case CommandType.TRANSFER_RESERVE:
        return this.amountBody(this.transfers.reserve(cmd, b, ctx), out, o);
      case CommandType.TRANSFER_POST:
        return this.amountBody(this.transfers.post(cmd, b, ctx), out, o);
      case CommandType.TRANSFER_VOID:
        return this.amountBody(this.transfers.void(cmd, b, ctx), out, o);
      case CommandType.CREATE_ITEM:
        return this.itemBody(this.inventory.create(cmd, b, ctx), out, o);
      case CommandType.RESTOCK:
        return this.itemBody(this.inventory.restock(cmd, b, ctx), out, o);
      case CommandType.BUY:
        return this.itemBody(this.inventory.buy(cmd, b, ctx), out, o);
      case CommandType.GET_ITEM:
        return this.itemBody(this.inventory.get(cmd, b), out, o);
      case CommandType.CREATE_EVENT:
        return this.seats.create(cmd, b, ctx);
      case CommandType.BOOK_SEATS:
        return this.priceBody(this.seats.bookOrRelease(cmd, b, false, ctx), this.seats.lastTotal, out, o);
      case CommandType.RELEASE_SEATS:
        return this.priceBody(this.seats.bookOrRelease(cmd, b, true, ctx), this.seats.lastTotal, out, o);
      case CommandType.GET_SEAT: {
        const code = this.seats.getSeat(cmd, b);
        if (code === ResultCode.OK) {
          out.f64[(o + SeatResult.HOLDER_ACCOUNT_ID) >>> 3] = this.seats.lastHolderId[0];
          ctx.resultBytes = SeatResult.BYTES;
        }
        return code;
      }
      case CommandType.CHECKOUT:
        return this.priceBody(this.checkout.checkout(cmd, b, ctx), this.checkout.lastTotal, out, o);
      case CommandType.CREATE_SYMBOL:
        return this.matching.createSymbol(cmd, b);
      case CommandType.PLACE_ORDER:
        return this.matching.place(cmd, b, ctx, out, o);
      case CommandType.CANCEL_ORDER:
        return this.matching.cancel(cmd, b, ctx, out, o);
      case CommandType.AMEND_ORDER:
        return this.matching.amend(cmd, b, ctx, out, o);
      case CommandType.GET_ORDER:
        return this.orderQueries.getOrder(cmd, b, ctx, out, o);
      case CommandType.GET_DEPTH:
        return this.orderQueries.getDepth(cmd, b, ctx, out, o);
      case CommandType.SNAPSHOT:
        out.f64[(o + SnapshotResult.SNAPSHOT_SEQUENCE) >>> 3] = ctx.numbers[0];
        ctx.resultBytes = SnapshotResult.BYTES;
        return ResultCode.OK;
      case CommandType.GET_STATE_HASH:
        computeStateHash(this.arena.list());
        out.u32[(o + StateHashResult.HASH_HIGH_U32) >>> 2] = stateHashOut.high;
        out.u32[(o + StateHashResult.HASH_LOW_U32) >>> 2] = stateHashOut.low;
        ctx.resultBytes = StateHashResult.BYTES;
        return ResultCode.OK;
      default:
        return ResultCode.UNKNOWN_COMMAND;
    }
  }

  private balanceBody(code: number, out: RecordBuffer, o: number): number {
    if (code !== ResultCode.OK) return code;
    const cell = this.ledger.lastCell;
    out.f64[(o + BalanceResult.AVAILABLE) >>> 3] = cell < 0 ? 0 : this.ledger.available[cell];
    out.f64[(o + BalanceResult.RESERVED) >>> 3] = cell < 0 ? 0 : this.ledger.reserved[cell];
    this.ctx.resultBytes = BalanceResult.BYTES;
    return code;
  }

  private itemBody(code: number, out: RecordBuffer, o: number): number {
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
  private priceBody(code: number, total: Float64Array, out: RecordBuffer, o: number): number {
    if (code !== ResultCode.OK) return code;
    out.f64[(o + PriceResult.TOTAL_PRICE) >>> 3] = total[0];
    this.ctx.resultBytes = PriceResult.BYTES;
    return code;
  }

  private amountBody(code: number, out: RecordBuffer, o: number): number {
    if (code !== ResultCode.OK) return code;
    out.f64[(o + AmountResult.AMOUNT) >>> 3] = this.transfers.lastAmount[0];
    this.ctx.resultBytes = AmountResult.BYTES;
    return code;
  }

  stateHash(): string {
    computeStateHash(this.arena.list());
    return stateHashHex(stateHashOut.high, stateHashOut.low);
  }

  exportState(): StateSection[] {
    return this.arena.exportSections();
  }

  importState(sections: readonly StateSection[]): void {
    this.arena.importSections(sections);
  }

  memoryReport(): { name: string; bytes: number }[] {
    return this.arena.memoryReport();
  }
}

/** The engine's logic worker and the replay code call exactly this. */
export function createStateMachine(config: LogicConfig): LogicStateMachine {
  return new LogicStateMachine(config);
}

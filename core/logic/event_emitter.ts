/**
 * The logic's one emission module: every event record (codec/records/event_descriptor.ts) is written
 * here, so the logic modules make one short call per state change and know nothing of the layout.
 *
 * Zero allocation: records go into a preallocated EventSink (the events ring in the logic worker, a
 * growing-free fixed buffer in tests and replay). Large numbers never cross a call as arguments (V8
 * boxes a float64 outside the small-integer range): callers put them in `v` first, and everything else
 * is a small index (account, cell, symbol, item) read from state here.
 *
 * Per command: beginCommand() from apply(), then the handler's calls, then endCommand(), which emits
 * one BALANCE_CHANGED per balance cell the command touched (first-touch order, the final values) and
 * marks the last event. Order of events inside a command is the order the logic made the changes, so
 * replaying the journal emits byte-identical records.
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import type { Ledger } from './ledger.ts';
import * as commandDescriptorModule from '../../codec/records/command_descriptor.ts';
import * as eventDescriptorModule from '../../codec/records/event_descriptor.ts';
import * as recordBufferModule from '../../codec/records/record_buffer.ts';
import * as enumValuesModule from '../../codec/registry/enum_values.ts';

// Module-local copies of imported constants and functions: V8 folds these into optimized code, while an
// imported binding is read from its module cell, with a hole check, at every use (order_layout.ts).
const { CommandType } = commandDescriptorModule;
const { BalanceBody, EVT_BODY_SLOTS, BalanceCause, EVENT_FLAG_LAST, EvtHeader, EVT_RECORD_BYTES, EventKind, FillBody, LevelBody, OrderDoneBody, OrderDoneReason, OrderEventBody, PendingTransferBody, SeatBody, StockRestockedBody, StockSoldBody, TransferredBody } = eventDescriptorModule;
const { createRecordBuffer } = recordBufferModule;
const { OrderStatus } = enumValuesModule;

/** Where event records go. claim() never fails: it waits for room or flushes. */
export interface EventSink {
  readonly buffer: RecordBuffer;
  /** Byte offset in `buffer` of a fresh EVT_RECORD_BYTES record slot. */
  claim(): number;
}

/** Emission off: every record lands in one scratch slot (the state machine's default). */
export class DiscardEventSink implements EventSink {
  readonly buffer = createRecordBuffer(new ArrayBuffer(EVT_RECORD_BYTES));
  claim(): number {
    return 0;
  }
}

/**
 * A fixed buffer of `capacityEvents` records for tests, replay, benches and tools; `onFull(bytes,
 * byteLength)` receives the buffer (its first byteLength bytes are records, valid during the call)
 * before it is reused: no view is made per flush, so flushing allocates nothing. Without onFull a full
 * buffer is a programmer error.
 */
export class BufferEventSink implements EventSink {
  readonly buffer: RecordBuffer;
  count = 0;
  constructor(readonly capacityEvents: number, private readonly onFull?: (bytes: Uint8Array, byteLength: number) => void) {
    if (!Number.isInteger(capacityEvents) || capacityEvents < 1) throw new RangeError(`capacityEvents must be an integer >= 1: got ${capacityEvents}`);
    this.buffer = createRecordBuffer(new ArrayBuffer(capacityEvents * EVT_RECORD_BYTES));
  }
  claim(): number {
    if (this.count === this.capacityEvents) this.flush();
    return EVT_RECORD_BYTES * this.count++;
  }
  /** Hands what is buffered to onFull and empties the buffer. */
  flush(): void {
    if (this.count === 0) return;
    if (this.onFull === undefined) throw new Error(`BufferEventSink full: capacityEvents=${this.capacityEvents} and no onFull`);
    this.onFull(this.buffer.bytes, this.count * EVT_RECORD_BYTES);
    this.count = 0;
  }
  /** The buffered records (a view). */
  records(): Uint8Array {
    return this.buffer.bytes.subarray(0, this.count * EVT_RECORD_BYTES);
  }
}

/**
 * Keeps the newest `capacityEvents` records (a power of two) of an unbounded stream, remembering the
 * last one it dropped: the recovery replay fills the retention window this way.
 */
export class NewestEventsSink implements EventSink {
  readonly buffer: RecordBuffer;
  count = 0;
  droppedSequence = -1;
  droppedIndex = 0;
  private readonly mask: number;
  constructor(readonly capacityEvents: number) {
    if (!Number.isInteger(capacityEvents) || capacityEvents < 1 || (capacityEvents & (capacityEvents - 1)) !== 0) {
      throw new RangeError(`capacityEvents must be a power of two: got ${capacityEvents}`);
    }
    this.mask = capacityEvents - 1;
    this.buffer = createRecordBuffer(new ArrayBuffer(capacityEvents * EVT_RECORD_BYTES));
  }
  claim(): number {
    const at = (this.count & this.mask) * EVT_RECORD_BYTES;
    if (this.count >= this.capacityEvents) {
      this.droppedSequence = this.buffer.f64[(at + EvtHeader.SEQUENCE) >>> 3];
      this.droppedIndex = this.buffer.u32[(at + EvtHeader.INDEX) >>> 2];
    }
    this.count++;
    return at;
  }
  /** The kept records, oldest first (a copy). */
  ordered(): { records: ArrayBuffer; count: number } {
    const count = Math.min(this.count, this.capacityEvents);
    const out = new Uint8Array(count * EVT_RECORD_BYTES);
    const first = this.count - count;
    for (let i = 0; i < count; i++) {
      const at = ((first + i) & this.mask) * EVT_RECORD_BYTES;
      out.set(this.buffer.bytes.subarray(at, at + EVT_RECORD_BYTES), i * EVT_RECORD_BYTES);
    }
    return { records: out.buffer, count };
  }
}

/** BALANCE_CHANGED cause by command type. */
const CAUSE_BY_COMMAND = new Uint8Array(256);
CAUSE_BY_COMMAND[CommandType.DEPOSIT] = BalanceCause.DEPOSIT;
CAUSE_BY_COMMAND[CommandType.WITHDRAW] = BalanceCause.WITHDRAW;
CAUSE_BY_COMMAND[CommandType.TRANSFER] = BalanceCause.TRANSFER;
CAUSE_BY_COMMAND[CommandType.TRANSFER_RESERVE] = BalanceCause.TRANSFER_RESERVE;
CAUSE_BY_COMMAND[CommandType.TRANSFER_POST] = BalanceCause.TRANSFER_POST;
CAUSE_BY_COMMAND[CommandType.TRANSFER_VOID] = BalanceCause.TRANSFER_VOID;
CAUSE_BY_COMMAND[CommandType.PLACE_ORDER] = BalanceCause.ORDER;
CAUSE_BY_COMMAND[CommandType.AMEND_ORDER] = BalanceCause.ORDER;
CAUSE_BY_COMMAND[CommandType.PLACE_STOP_ORDER] = BalanceCause.ORDER;
CAUSE_BY_COMMAND[CommandType.PLACE_OCO_ORDER] = BalanceCause.ORDER;
CAUSE_BY_COMMAND[CommandType.CANCEL_ORDER] = BalanceCause.ORDER_CANCEL;
CAUSE_BY_COMMAND[CommandType.CANCEL_ALL_ORDERS] = BalanceCause.ORDER_CANCEL;
CAUSE_BY_COMMAND[CommandType.BUY] = BalanceCause.BUY;
CAUSE_BY_COMMAND[CommandType.BOOK_SEATS] = BalanceCause.SEAT_BOOK;
CAUSE_BY_COMMAND[CommandType.RELEASE_SEATS] = BalanceCause.SEAT_RELEASE;
CAUSE_BY_COMMAND[CommandType.CHECKOUT] = BalanceCause.CHECKOUT;

/**
 * Body slots each kind writes (its fields are slots 0..n-1, asserted below); header() zeroes the rest.
 */
const ORDER_EVENT_FIELDS = Object.keys(OrderEventBody).length;
const FILL_FIELDS = Object.keys(FillBody).length;
const ORDER_DONE_FIELDS = Object.keys(OrderDoneBody).length;
const BALANCE_FIELDS = Object.keys(BalanceBody).length;
const TRANSFERRED_FIELDS = Object.keys(TransferredBody).length;
const PENDING_TRANSFER_FIELDS = Object.keys(PendingTransferBody).length;
const STOCK_SOLD_FIELDS = Object.keys(StockSoldBody).length;
const STOCK_RESTOCKED_FIELDS = Object.keys(StockRestockedBody).length;
const SEAT_FIELDS = Object.keys(SeatBody).length;
const LEVEL_FIELDS = Object.keys(LevelBody).length;
for (const [name, layout] of Object.entries({
  OrderEventBody, FillBody, OrderDoneBody, BalanceBody, TransferredBody, PendingTransferBody, StockSoldBody, StockRestockedBody, SeatBody, LevelBody,
})) {
  const offsets: number[] = Object.values(layout);
  offsets.forEach((offset, slot) => {
    if (offset !== EvtHeader.BODY + 8 * slot) throw new Error(`event_emitter: ${name} fields must fill body slots 0..${offsets.length - 1} in order`);
  });
}
/** Body words in use in a slot whose kind is k; any other value (a fresh or foreign slot) means all of them. */
const BODY_FIELDS_BY_KIND = new Uint8Array(0x10000).fill(EVT_BODY_SLOTS);
BODY_FIELDS_BY_KIND[EventKind.ORDER_ACCEPTED] = ORDER_EVENT_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.ORDER_RESTED] = ORDER_EVENT_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.ORDER_AMENDED] = ORDER_EVENT_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.FILL] = FILL_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.ORDER_DONE] = ORDER_DONE_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.BALANCE_CHANGED] = BALANCE_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.TRANSFERRED] = TRANSFERRED_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.TRANSFER_RESERVED] = PENDING_TRANSFER_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.TRANSFER_POSTED] = PENDING_TRANSFER_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.TRANSFER_VOIDED] = PENDING_TRANSFER_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.STOCK_SOLD] = STOCK_SOLD_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.STOCK_RESTOCKED] = STOCK_RESTOCKED_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.SEAT_BOOKED] = SEAT_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.SEAT_RELEASED] = SEAT_FIELDS;
BODY_FIELDS_BY_KIND[EventKind.LEVEL_CHANGED] = LEVEL_FIELDS;
if (Object.keys(EventKind).length !== 15) throw new Error('event_emitter: BODY_FIELDS_BY_KIND must name every EventKind');
if (EvtHeader.FLAGS % 8 !== 0 || EvtHeader.RESERVED !== EvtHeader.FLAGS + 4) {
  throw new Error(`event_emitter: flags (${EvtHeader.FLAGS}) and reserved (${EvtHeader.RESERVED}) must share one aligned 8-byte word`);
}
// header() writes kind and detail with one u32 store.
if (EvtHeader.KIND % 4 !== 0 || EvtHeader.DETAIL !== EvtHeader.KIND + 2) {
  throw new Error(`event_emitter: kind (${EvtHeader.KIND}) and detail (${EvtHeader.DETAIL}) must share one aligned u32`);
}

/** Word (8-byte) and quad (4-byte) indexes of the header fields inside a record: one shift per record, then constants. */
const W_SEQUENCE = EvtHeader.SEQUENCE >>> 3;
const W_TIMESTAMP_US = EvtHeader.TIMESTAMP_US >>> 3;
const W_FLAGS = EvtHeader.FLAGS >>> 3;
const W_BODY = EvtHeader.BODY >>> 3;
const Q_INDEX = EvtHeader.INDEX >>> 2;
const Q_KIND = EvtHeader.KIND >>> 2;
const Q_PRINCIPAL_ID = EvtHeader.PRINCIPAL_ID >>> 2;
const Q_COUNTERPARTY_PRINCIPAL_ID = EvtHeader.COUNTERPARTY_PRINCIPAL_ID >>> 2;
const Q_FLAGS = EvtHeader.FLAGS >>> 2;
/** The u16 index of the kind within a record. */
const H_KIND = EvtHeader.KIND >>> 1;
if (EVT_RECORD_BYTES % 8 !== 0 || EvtHeader.SEQUENCE % 8 !== 0 || EvtHeader.TIMESTAMP_US % 8 !== 0 || EvtHeader.BODY % 8 !== 0) {
  throw new Error('event_emitter: records, sequence, timestampUs and the body must be 8-byte aligned (word indexes)');
}

export class EventEmitter {
  private target: EventSink = new DiscardEventSink();
  /** The sink's views (a sink's buffer never changes), kept here so a record costs no property chain. */
  private f64: Float64Array = this.target.buffer.f64;
  private u32: Uint32Array = this.target.buffer.u32;
  private u16: Uint16Array = this.target.buffer.u16;
  /**
   * Emission on (the default) or off (setEnabled(false)): off, every method returns at once and no
   * record is written, so the logic pays one predictable branch per call.
   */
  private on = true;
  /** Large values for the next call (see the module comment); which slot means what is per method. */
  readonly v = new Float64Array(8);
  /** [0] the command's sequence, [1] its timestampUs. */
  private readonly command = new Float64Array(2);
  private index = 0;
  /** Word index of the command's last record so far, -1 = none. */
  private lastWord = -1;
  private cause = 0;
  /** ORDER_DONE reason for the next CANCELLED order (set by the code path that ends it, then reset). */
  cancelReason: number = OrderDoneReason.CANCELLED;
  /** Cells touched by the current command, deduplicated with a per-cell stamp. */
  private readonly touched: Int32Array;
  private touchedCount = 0;
  private readonly cellStamp: Int32Array;
  private stamp = 0;

  /** Symbol ids by symbol index (the order book's, set when the book exists). */
  symbolIds: Float64Array = new Float64Array(0);

  constructor(private readonly ledger: Ledger) {
    this.touched = new Int32Array(ledger.maxBalances);
    this.cellStamp = new Int32Array(ledger.maxBalances);
  }

  /** Where records go (a discarding sink until one is set). */
  get sink(): EventSink {
    return this.target;
  }

  set sink(sink: EventSink) {
    this.target = sink;
    this.f64 = sink.buffer.f64;
    this.u32 = sink.buffer.u32;
    this.u16 = sink.buffer.u16;
  }

  /** Starts a command: `numbers` is ApplyContext.numbers ([0] sequence, [1] timestampUs). */
  beginCommand(numbers: Float64Array, commandType: number): void {
    if (!this.on) return;
    this.command[0] = numbers[0];
    this.command[1] = numbers[1];
    this.index = 0;
    this.lastWord = -1;
    this.touchedCount = 0;
    this.cancelReason = OrderDoneReason.CANCELLED;
    this.cause = CAUSE_BY_COMMAND[commandType];
    // A new stamp per command; on wrap, clear the stamps so an old one cannot match.
    if (++this.stamp === 0x7fffffff) {
      this.cellStamp.fill(0);
      this.stamp = 1;
    }
  }

  /** Emits the balance changes of the command and marks its last event. */
  endCommand(): void {
    if (!this.on) return;
    const ledger = this.ledger;
    const touched = this.touched;
    const count = this.touchedCount;
    // The ledger's arrays in locals, read once per command rather than once per record.
    const { cellAccount, cellAsset, accountOwner, accountIds, assetIds, available, reserved } = ledger;
    const cause = this.cause;
    for (let i = 0; i < count; i++) {
      const cell = touched[i];
      const account = cellAccount[cell];
      const w = this.header(EventKind.BALANCE_CHANGED, cause, accountOwner[account], 0, BALANCE_FIELDS) + W_BODY;
      const f = this.f64;
      f[w] = accountIds[account];
      f[w + 1] = assetIds[cellAsset[cell]];
      f[w + 2] = available[cell];
      f[w + 3] = reserved[cell];
    }
    this.touchedCount = 0;
    if (this.lastWord >= 0) this.u32[2 * this.lastWord + Q_FLAGS] = EVENT_FLAG_LAST;
  }

  /** Switches emission on or off (engine option `events`); off, the logic writes no record. */
  setEnabled(on: boolean): void {
    this.on = on;
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Events the current command emitted so far. */
  get emitted(): number {
    return this.index;
  }

  /** The balance cell changed (or may have); its new values are emitted at endCommand. */
  touchCell(cell: number): void {
    if (!this.on || cell < 0 || this.cellStamp[cell] === this.stamp) return;
    this.cellStamp[cell] = this.stamp;
    this.touched[this.touchedCount++] = cell;
  }

  /** ORDER_ACCEPTED / ORDER_RESTED / ORDER_AMENDED: v[0] orderId, v[1] price, v[2] quantity, v[3] orderType, v[4] timeInForce. */
  order(kind: number, side: number, account: number, symbol: number): void {
    if (!this.on) return;
    const ledger = this.ledger;
    const w = this.header(kind, side, ledger.accountOwner[account], 0, ORDER_EVENT_FIELDS) + W_BODY;
    const f = this.f64;
    const v = this.v;
    const accepted = kind === EventKind.ORDER_ACCEPTED;
    f[w] = v[0];
    f[w + 1] = ledger.accountIds[account];
    f[w + 2] = this.symbolIds[symbol];
    f[w + 3] = v[1];
    f[w + 4] = v[2];
    f[w + 5] = accepted ? v[3] : 0;
    f[w + 6] = accepted ? v[4] : 0;
  }

  /** FILL: v[0] price, v[1] quantity, v[2] makerOrderId, v[3] takerOrderId. */
  fill(takerSide: number, symbol: number, takerAccount: number, makerAccount: number): void {
    if (!this.on) return;
    const ledger = this.ledger;
    const w = this.header(EventKind.FILL, takerSide, ledger.accountOwner[takerAccount], ledger.accountOwner[makerAccount], FILL_FIELDS) + W_BODY;
    const f = this.f64;
    const v = this.v;
    f[w] = this.symbolIds[symbol];
    f[w + 1] = v[0];
    f[w + 2] = v[1];
    f[w + 3] = v[2];
    f[w + 4] = v[3];
    f[w + 5] = ledger.accountIds[makerAccount];
    f[w + 6] = ledger.accountIds[takerAccount];
  }

  /**
   * ORDER_DONE for the order whose id and filled quantity are src[idAt], src[filledAt]; `status` is
   * OrderStatus.FILLED or CANCELLED (the reason for CANCELLED is cancelReason, then reset).
   */
  orderDone(src: Float64Array, idAt: number, filledAt: number, account: number, symbol: number, status: number): void {
    if (!this.on) return;
    const ledger = this.ledger;
    const reason = status === OrderStatus.FILLED ? OrderDoneReason.FILLED : this.cancelReason;
    this.cancelReason = OrderDoneReason.CANCELLED;
    const w = this.header(EventKind.ORDER_DONE, reason, ledger.accountOwner[account], 0, ORDER_DONE_FIELDS) + W_BODY;
    const f = this.f64;
    f[w] = src[idAt];
    f[w + 1] = ledger.accountIds[account];
    f[w + 2] = this.symbolIds[symbol];
    f[w + 3] = src[filledAt];
  }

  /** TRANSFERRED (v[0] amount) or TRANSFER_RESERVED / POSTED / VOIDED (v[0] amount, v[1] transferId), between two cells. */
  transfer(kind: number, fromCell: number, toCell: number): void {
    if (!this.on) return;
    const ledger = this.ledger;
    const from = ledger.cellAccount[fromCell];
    const to = ledger.cellAccount[toCell];
    const plain = kind === EventKind.TRANSFERRED;
    let w = this.header(kind, 0, ledger.accountOwner[from], ledger.accountOwner[to], plain ? TRANSFERRED_FIELDS : PENDING_TRANSFER_FIELDS) + W_BODY;
    const f = this.f64;
    // A pending transfer's body is TRANSFERRED's after its transferId (asserted below).
    if (!plain) f[w++] = this.v[1];
    f[w] = ledger.accountIds[from];
    f[w + 1] = ledger.accountIds[to];
    f[w + 2] = ledger.assetIds[ledger.cellAsset[fromCell]];
    f[w + 3] = this.v[0];
    this.touchCell(fromCell);
    this.touchCell(toCell);
  }

  /** STOCK_SOLD: v[0] itemId, v[1] quantity, v[2] totalPrice, v[3] stock, v[4] sold. */
  stockSold(buyerAccount: number, merchantAccount: number): void {
    if (!this.on) return;
    const ledger = this.ledger;
    const w = this.header(EventKind.STOCK_SOLD, 0, ledger.accountOwner[buyerAccount], ledger.accountOwner[merchantAccount], STOCK_SOLD_FIELDS) + W_BODY;
    const f = this.f64;
    const v = this.v;
    f[w] = v[0];
    f[w + 1] = ledger.accountIds[buyerAccount];
    f[w + 2] = v[1];
    f[w + 3] = v[2];
    f[w + 4] = v[3];
    f[w + 5] = v[4];
  }

  /** STOCK_RESTOCKED: v[0] itemId, v[1] quantity, v[2] stock, v[3] sold. */
  stockRestocked(merchantAccount: number): void {
    if (!this.on) return;
    const w = this.header(EventKind.STOCK_RESTOCKED, 0, this.ledger.accountOwner[merchantAccount], 0, STOCK_RESTOCKED_FIELDS) + W_BODY;
    const f = this.f64;
    const v = this.v;
    f[w] = v[0];
    f[w + 1] = v[1];
    f[w + 2] = v[2];
    f[w + 3] = v[3];
  }

  /** SEAT_BOOKED / SEAT_RELEASED: v[0] eventId, v[1] price; `seat` is the seat number. */
  seat(kind: number, seat: number, holderAccount: number, merchantAccount: number): void {
    if (!this.on) return;
    const ledger = this.ledger;
    const w = this.header(kind, 0, ledger.accountOwner[holderAccount], ledger.accountOwner[merchantAccount], SEAT_FIELDS) + W_BODY;
    const f = this.f64;
    f[w] = this.v[0];
    f[w + 1] = seat;
    f[w + 2] = ledger.accountIds[holderAccount];
    f[w + 3] = this.v[1];
  }

  /** LEVEL_CHANGED (public): v[0] price, v[1] the level's new quantity (0 = gone). */
  level(side: number, symbol: number): void {
    if (!this.on) return;
    const w = this.header(EventKind.LEVEL_CHANGED, side, 0, 0, LEVEL_FIELDS) + W_BODY;
    const f = this.f64;
    f[w] = this.symbolIds[symbol];
    f[w + 1] = this.v[0];
    f[w + 2] = this.v[1];
  }

  /**
   * Claims a record, writes its header and zeroes the body slots from `bodyFields` on that may hold an
   * older record's values (the caller writes slots 0..bodyFields-1 itself, so each word is stored once);
   * returns the record's word index (byte offset / 8). Only the emitter writes records into a sink's
   * buffer, so a slot's kind says how many body words are in use.
   */
  private header(kind: number, detail: number, principal: number, counterparty: number, bodyFields: number): number {
    const at = this.target.claim();
    const w = at >>> 3;
    const q = at >>> 2;
    const f = this.f64;
    const u32 = this.u32;
    const previousFields = BODY_FIELDS_BY_KIND[this.u16[(at >>> 1) + H_KIND]];
    f[w + W_SEQUENCE] = this.command[0];
    f[w + W_TIMESTAMP_US] = this.command[1];
    u32[q + Q_INDEX] = this.index++;
    // kind and detail are adjacent u16s in one aligned u32 (little-endian, asserted below): one store.
    u32[q + Q_KIND] = kind | (detail << 16);
    u32[q + Q_PRINCIPAL_ID] = principal;
    u32[q + Q_COUNTERPARTY_PRINCIPAL_ID] = counterparty;
    f[w + W_FLAGS] = 0; // flags and reserved: one aligned 8-byte word (asserted below)
    // Only the body words the slot's previous record wrote beyond this one's fields can be non-zero (a fresh
    // or foreign slot's kind maps to all of them); a plain loop, not f.fill(), a C++ builtin call per record.
    for (let i = w + W_BODY + bodyFields, end = w + W_BODY + previousFields; i < end; i++) f[i] = 0;
    this.lastWord = w;
    return w;
  }
}

// transfer() writes a pending transfer's body as its transferId, then TRANSFERRED's four fields.
if (PendingTransferBody.TRANSFER_ID !== EvtHeader.BODY || PendingTransferBody.FROM_ACCOUNT_ID !== EvtHeader.BODY + 8 + TransferredBody.FROM_ACCOUNT_ID - EvtHeader.BODY
  || PendingTransferBody.AMOUNT - PendingTransferBody.FROM_ACCOUNT_ID !== TransferredBody.AMOUNT - TransferredBody.FROM_ACCOUNT_ID
  || TransferredBody.TO_ACCOUNT_ID !== TransferredBody.FROM_ACCOUNT_ID + 8 || TransferredBody.ASSET_ID !== TransferredBody.FROM_ACCOUNT_ID + 16
  || TransferredBody.AMOUNT !== TransferredBody.FROM_ACCOUNT_ID + 24) {
  throw new Error('event_emitter: a pending transfer body must be its transferId followed by the TRANSFERRED body');
}
// Every body is written by position (f[w + n] is body slot n): each kind's field table lists its fields in slot order (checked above).

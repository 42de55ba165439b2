/**
 * Events with a seat map: seats 0..seatCount-1 at one seatPrice of one price asset, sold by a
 * merchant account. Each seat has at most one holder. BOOK_SEATS takes a list all-or-nothing;
 * RELEASE_SEATS gives seats back and refunds seatPrice per seat from the merchant to the holder.
 *
 * If the merchant cannot refund (its available balance is below the refund, e.g. it already spent
 * the proceeds), RELEASE_SEATS is refused with INSUFFICIENT_FUNDS and nothing changes: the holder
 * keeps the seats, the merchant keeps the money. A release never creates money or a negative balance.
 *
 * Validation ladders (seat rules are checked seat by seat in list order; the first failing seat wins):
 *   CREATE_EVENT  id != 0 · not exists (EVENT_EXISTS) · merchant account the caller may act for (ACCOUNT_NOT_FOUND)
 *                 · id not reserved for another principal (ID_RESERVED)
 *                 · price asset · seatPrice > 0 (PRICE_MUST_BE_POSITIVE) · seatCount integer >= 1
 *                 (SEAT_COUNT_INVALID) · owner's events quota (EVENT_QUOTA_EXCEEDED) · owner's seats quota
 *                 (SEAT_QUOTA_EXCEEDED; neither for an admin) · capacity (EVENTS_FULL) · seat capacity (SEATS_FULL)
 *                 · merchant cell (BALANCES_FULL)
 *   BOOK_SEATS    event (EVENT_NOT_FOUND) · buyer account the caller may act for (ACCOUNT_NOT_FOUND) · 1 <= count <=
 *                 MAX_SEATS_PER_COMMAND and inside the record (SEAT_COUNT_INVALID) · per seat: in range
 *                 (SEAT_OUT_OF_RANGE), not named twice (DUPLICATE_SEAT), free (SEAT_TAKEN)
 *                 · available >= seatPrice × count (INSUFFICIENT_FUNDS)
 *   RELEASE_SEATS event · holder account · caller owns it · count · per seat: in range, not named twice,
 *                 held by this account (SEAT_NOT_HELD) · merchant available >= refund (INSUFFICIENT_FUNDS)
 *                 · holder cell (BALANCES_FULL)
 *   GET_SEAT      event · seat in range (anyone may look)
 */
import { EventKind } from '../../codec/records/event_descriptor.ts';
import { CmdHeader, CreateEvent, GetSeat, MAX_SEATS_PER_COMMAND, SeatList } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { Quota } from './principal_quotas.ts';
import { type ApplyContext, positiveAt } from './apply_context.ts';
import { IdIndex, INDEX_NOT_FOUND } from './id_index.ts';
import { IdKind } from './id_ranges.ts';
import { ListingCheck } from './listing_check.ts';
import type { Ledger } from './ledger.ts';
import type { StateArena } from './state_arena.ts';
import { StampSet } from './stamp_set.ts';

export class Seats {
  readonly ids: Float64Array;
  readonly merchantAccount: Int32Array;
  readonly merchantCell: Int32Array;
  readonly priceAsset: Int32Array;
  readonly seatPrice: Float64Array;
  readonly seatCount: Int32Array;
  /** First seat of each event in `holder`. */
  readonly seatBase: Int32Array;
  /** Holder account index + 1 per seat; 0 = free. */
  readonly holder: Int32Array;
  /** [0] events, [1] seats allocated. */
  private readonly counts: Int32Array;
  private readonly index: IdIndex;
  private readonly listing: ListingCheck;
  private readonly ledger: Ledger;
  private readonly named: StampSet;
  readonly maxEvents: number;
  readonly maxSeats: number;
  /** Scratch [0]: price of the last successful booking or release; holder id of the last GET_SEAT. */
  readonly lastTotal = new Float64Array(1);
  readonly lastHolderId = new Float64Array(1);

  constructor(arena: StateArena, ledger: Ledger, maxEvents: number, maxSeats: number) {
    this.ledger = ledger;
    this.maxEvents = maxEvents;
    this.maxSeats = maxSeats;
    this.ids = arena.f64('events.ids', maxEvents);
    this.merchantAccount = arena.i32('events.merchantAccount', maxEvents);
    this.merchantCell = arena.i32('events.merchantCell', maxEvents);
    this.priceAsset = arena.i32('events.priceAsset', maxEvents);
    this.seatPrice = arena.f64('events.seatPrice', maxEvents);
    this.seatCount = arena.i32('events.seatCount', maxEvents);
    this.seatBase = arena.i32('events.seatBase', maxEvents);
    this.holder = arena.i32('events.holder', maxSeats);
    this.counts = arena.i32('events.counts', 2);
    this.index = new IdIndex(arena, 'events.index', maxEvents);
    this.listing = new ListingCheck(ledger, this.index, ResultCode.EVENT_EXISTS, IdKind.EVENTS);
    this.named = new StampSet(maxSeats);
  }

  get eventCount(): number {
    return this.counts[0];
  }

  /** The event whose id is src[at], or -1. */
  eventAt(src: Float64Array, at: number): number {
    return this.index.findIdAt(src, at);
  }

  create(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const ledger = this.ledger;
    const f = cmd.f64;
    const listed = this.listing.check(f, b, ctx);
    if (listed !== ResultCode.OK) return listed;
    const countAt = (b + CreateEvent.SEAT_COUNT) >>> 3;
    if (!positiveAt(f, countAt) || f[countAt] > 0x7fffffff) return ResultCode.SEAT_COUNT_INVALID;
    const seatCount = f[countAt];
    const owner = ledger.accountOwner[this.listing.merchant];
    const eventQuota = ledger.quotas.check(owner, Quota.EVENTS, 1, ctx.admin);
    if (eventQuota !== ResultCode.OK) return eventQuota;
    const seatQuota = ledger.quotas.check(owner, Quota.SEATS, seatCount, ctx.admin);
    if (seatQuota !== ResultCode.OK) return seatQuota;
    const slot = this.counts[0];
    if (slot >= this.maxEvents) return ResultCode.EVENTS_FULL;
    const base = this.counts[1];
    if (seatCount > this.maxSeats - base) return ResultCode.SEATS_FULL;
    const inserted = this.listing.insert(f, b, slot, this, this.seatPrice);
    if (inserted !== ResultCode.OK) return inserted;
    this.seatCount[slot] = seatCount;
    this.seatBase[slot] = base;
    this.counts[0] = slot + 1;
    this.counts[1] = base + seatCount;
    ledger.quotas.charge(owner, Quota.EVENTS, 1);
    ledger.quotas.charge(owner, Quota.SEATS, seatCount);
    return ResultCode.OK;
  }

  /**
   * Checks a list of seats of event `ev` for booking (`holderPlusOne` = 0) or for release by the
   * holder (`holderPlusOne` = account + 1). Returns OK or the first failing seat's code; on failure
   * `failedSeat` is its position in the list. Leaves the seats marked in `named` for the caller.
   */
  checkSeats(ev: number, seats: Uint32Array, first: number, count: number, holderPlusOne: number): number {
    const named = this.named;
    named.clear();
    const seatCount = this.seatCount[ev];
    const base = this.seatBase[ev];
    const holder = this.holder;
    for (let i = 0; i < count; i++) {
      const seat = seats[first + i];
      this.failedSeat = i;
      if (seat >= seatCount) return ResultCode.SEAT_OUT_OF_RANGE;
      if (named.add(base + seat)) return ResultCode.DUPLICATE_SEAT;
      if (holder[base + seat] !== holderPlusOne) {
        return holderPlusOne === 0 ? ResultCode.SEAT_TAKEN : ResultCode.SEAT_NOT_HELD;
      }
    }
    this.failedSeat = -1;
    return ResultCode.OK;
  }

  /** Position in the seat list of the seat that failed the last checkSeats. */
  failedSeat = -1;

  /** Gives the (already checked) seats to the holder; money moves separately. */
  takeSeats(ev: number, seats: Uint32Array, first: number, count: number, holderPlusOne: number): void {
    const base = this.seatBase[ev];
    const events = this.ledger.events;
    events.v[0] = this.ids[ev];
    events.v[1] = this.seatPrice[ev];
    const merchant = this.merchantAccount[ev];
    for (let i = 0; i < count; i++) {
      const seat = seats[first + i];
      if (holderPlusOne > 0) events.seat(EventKind.SEAT_BOOKED, seat, holderPlusOne - 1, merchant);
      else events.seat(EventKind.SEAT_RELEASED, seat, this.holder[base + seat] - 1, merchant);
      this.holder[base + seat] = holderPlusOne;
    }
    events.touchCell(this.merchantCell[ev]);
  }

  /** BOOK_SEATS (`release` false) or RELEASE_SEATS (true): one record layout, one ladder. */
  bookOrRelease(cmd: RecordBuffer, b: number, release: boolean, ctx: ApplyContext): number {
    const ledger = this.ledger;
    const f = cmd.f64;
    const found = ledger.acting.find(this.index, ResultCode.EVENT_NOT_FOUND, f, b, ctx);
    if (found !== ResultCode.OK) return found;
    const ev = ledger.acting.slot;
    const account = ledger.acting.account;
    const count = cmd.u32[(b + SeatList.SEAT_COUNT_U32) >>> 2];
    const room = (cmd.u32[(b + CmdHeader.LENGTH) >>> 2] - SeatList.FIXED_BYTES) >> 2; // negative for a short record
    if (count < 1 || count > MAX_SEATS_PER_COMMAND || count > room) return ResultCode.SEAT_COUNT_INVALID;
    const first = (b + SeatList.SEATS_U32) >>> 2;
    const seatCode = this.checkSeats(ev, cmd.u32, first, count, release ? account + 1 : 0);
    if (seatCode !== ResultCode.OK) return seatCode;
    const total = this.seatPrice[ev] * count;
    const merchantCell = this.merchantCell[ev];
    if (!release) {
      const cell = ledger.cell(account, this.priceAsset[ev]);
      if (cell === INDEX_NOT_FOUND || ledger.available[cell] < total) return ResultCode.INSUFFICIENT_FUNDS;
      this.takeSeats(ev, cmd.u32, first, count, account + 1);
      ledger.available[cell] -= total;
      ledger.available[merchantCell] += total;
      ledger.events.touchCell(cell);
    } else {
      if (ledger.available[merchantCell] < total) return ResultCode.INSUFFICIENT_FUNDS;
      const cell = ledger.ensureCell(account, this.priceAsset[ev]);
      if (cell === INDEX_NOT_FOUND) return ResultCode.BALANCES_FULL;
      this.takeSeats(ev, cmd.u32, first, count, 0);
      ledger.available[merchantCell] -= total;
      ledger.available[cell] += total;
      ledger.events.touchCell(cell);
    }
    this.lastTotal[0] = total;
    return ResultCode.OK;
  }

  getSeat(cmd: RecordBuffer, b: number): number {
    const f = cmd.f64;
    const ev = this.eventAt(f, (b + GetSeat.EVENT_ID) >>> 3);
    if (ev === INDEX_NOT_FOUND) return ResultCode.EVENT_NOT_FOUND;
    const seat = f[(b + GetSeat.SEAT) >>> 3];
    if (!(seat >= 0 && seat < this.seatCount[ev] && Math.floor(seat) === seat)) return ResultCode.SEAT_OUT_OF_RANGE;
    const h = this.holder[this.seatBase[ev] + seat];
    this.lastHolderId[0] = h === 0 ? 0 : this.ledger.accountIds[h - 1];
    return ResultCode.OK;
  }
}

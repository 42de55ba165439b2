/**
 * CHECKOUT: several item lines and seats of one event in one command, paid by one buyer in one price
 * asset; every leg succeeds or nothing changes. Legs are numbered lines first (0..lineCount-1), then
 * seats (lineCount..lineCount+seatCount-1). A failure reports the failing leg in the result header
 * (ResHeader.FAILED_LEG_INDEX) with that leg's code; rules about the whole command report -1.
 *
 * Validation ladder:
 *   buyer account the caller may act for (ACCOUNT_NOT_FOUND) · at least one line or seat
 *   (CHECKOUT_EMPTY) · counts fit the record (INVALID_FIELD_VALUE)
 *   · per line i (leg i): item (ITEM_NOT_FOUND) · quantity > 0 (QUANTITY_MUST_BE_POSITIVE) · same price
 *     asset as leg 0 (CHECKOUT_MIXED_ASSETS) · this and earlier lines of the item fit its stock
 *     (INSUFFICIENT_STOCK)
 *   · seats (leg lineCount): event (EVENT_NOT_FOUND) · same price asset (CHECKOUT_MIXED_ASSETS)
 *   · per seat j (leg lineCount + j): in range, not named twice, free (as BOOK_SEATS)
 *   · the buyer's available balance covers the total (INSUFFICIENT_FUNDS, leg -1)
 * Each merchant is paid for its own legs; stock, sold and seat holders change as BUY / BOOK_SEATS would.
 */
import { CmdHeader, Checkout as C } from '../../codec/records/command_descriptor.ts';
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { ResultCode } from '../../codec/result_codes.ts';
import { type ApplyContext, positiveAt } from './apply_context.ts';
import { INDEX_NOT_FOUND } from './id_index.ts';
import type { Inventory } from './inventory.ts';
import type { Ledger } from './ledger.ts';
import type { Seats } from './seats.ts';
import { StampSet } from './stamp_set.ts';

export class CheckoutProcessor {
  private readonly itemsSeen: StampSet;
  /** Quantity of each item taken by earlier lines of the current checkout (valid where itemsSeen). */
  private readonly itemWant: Float64Array;
  /** Scratch [0]: the total charged by the last successful checkout. */
  readonly lastTotal = new Float64Array(1);

  constructor(
    private readonly ledger: Ledger,
    private readonly inventory: Inventory,
    private readonly seats: Seats,
    maxItems: number,
  ) {
    this.itemsSeen = new StampSet(maxItems);
    this.itemWant = new Float64Array(maxItems);
  }

  checkout(cmd: RecordBuffer, b: number, ctx: ApplyContext): number {
    const recordBytes = cmd.u32[(b + CmdHeader.LENGTH) >>> 2];
    const ledger = this.ledger;
    const inventory = this.inventory;
    const f = cmd.f64;
    const buyer = ledger.actingAccountAt(f, (b + C.BUYER_ACCOUNT_ID) >>> 3, ctx);
    if (buyer === INDEX_NOT_FOUND) return ResultCode.ACCOUNT_NOT_FOUND;
    const lineCount = cmd.u32[(b + C.LINE_COUNT_U32) >>> 2];
    const seatCount = cmd.u32[(b + C.SEAT_COUNT_U32) >>> 2];
    if (lineCount + seatCount === 0) return ResultCode.CHECKOUT_EMPTY;
    const seatsAt = C.LINES + C.LINE_BYTES * lineCount;
    if (lineCount > recordBytes || seatCount > recordBytes || seatsAt + 4 * seatCount > recordBytes) {
      return ResultCode.INVALID_FIELD_VALUE;
    }

    let asset = -1;
    let total = 0;
    const seen = this.itemsSeen;
    const want = this.itemWant;
    seen.clear();
    for (let i = 0; i < lineCount; i++) {
      ctx.failedLeg = i;
      const line = b + C.LINES + C.LINE_BYTES * i;
      const item = inventory.itemAt(f, (line + C.LINE_ITEM_ID) >>> 3);
      if (item === INDEX_NOT_FOUND) return ResultCode.ITEM_NOT_FOUND;
      if (!positiveAt(f, (line + C.LINE_QUANTITY) >>> 3)) return ResultCode.QUANTITY_MUST_BE_POSITIVE;
      const quantity = f[(line + C.LINE_QUANTITY) >>> 3];
      if (asset === -1) asset = inventory.priceAsset[item];
      else if (inventory.priceAsset[item] !== asset) return ResultCode.CHECKOUT_MIXED_ASSETS;
      const taken = (seen.add(item) ? want[item] : 0) + quantity;
      if (taken > inventory.stock[item]) return ResultCode.INSUFFICIENT_STOCK;
      want[item] = taken;
      total += inventory.unitPrice[item] * quantity;
    }

    const seats = this.seats;
    let ev = INDEX_NOT_FOUND;
    const firstSeat = (b + seatsAt) >>> 2;
    if (seatCount > 0) {
      ctx.failedLeg = lineCount;
      ev = seats.eventAt(f, (b + C.EVENT_ID) >>> 3);
      if (ev === INDEX_NOT_FOUND) return ResultCode.EVENT_NOT_FOUND;
      if (asset === -1) asset = seats.priceAsset[ev];
      else if (seats.priceAsset[ev] !== asset) return ResultCode.CHECKOUT_MIXED_ASSETS;
      const seatCode = seats.checkSeats(ev, cmd.u32, firstSeat, seatCount, 0);
      if (seatCode !== ResultCode.OK) {
        ctx.failedLeg = lineCount + seats.failedSeat;
        return seatCode;
      }
      total += seats.seatPrice[ev] * seatCount;
    }

    ctx.failedLeg = -1;
    const cell = ledger.cell(buyer, asset);
    if (cell === INDEX_NOT_FOUND || ledger.available[cell] < total) return ResultCode.INSUFFICIENT_FUNDS;

    // Every rule passed: apply all legs.
    for (let i = 0; i < lineCount; i++) {
      const line = b + C.LINES + C.LINE_BYTES * i;
      const item = inventory.itemAt(f, (line + C.LINE_ITEM_ID) >>> 3);
      const quantity = f[(line + C.LINE_QUANTITY) >>> 3];
      inventory.stock[item] -= quantity;
      inventory.sold[item] += quantity;
      ledger.available[inventory.merchantCell[item]] += inventory.unitPrice[item] * quantity;
      inventory.emitSold(item, buyer, quantity, cell);
    }
    if (seatCount > 0) {
      seats.takeSeats(ev, cmd.u32, firstSeat, seatCount, buyer + 1);
      ledger.available[seats.merchantCell[ev]] += seats.seatPrice[ev] * seatCount;
    }
    ledger.available[cell] -= total;
    this.lastTotal[0] = total;
    return ResultCode.OK;
  }
}

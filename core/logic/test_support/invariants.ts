/**
 * The DESIGN §4 invariants, checked over a live state machine's arrays. Returns the violations found
 * (empty when all hold). For tests, fuzzers and the replay verifier; walks all state, allocates.
 *
 *  1. per asset: the sum of available + reserved over all balance cells = deposits − withdrawals
 *  2. no available or reserved balance below zero
 *  3. reserved of every cell = what its resting orders (buys: price × remaining of quote, sells:
 *     remaining base) and pending transfers hold
 *  4. every item: stock + sold = created + restocked
 *  5. every seat held by at most one existing account (a holder is a single slot; it must be valid)
 *  6. no book crossed at rest (best bid < best ask); levels sorted strictly; level totals = the sum of
 *     their orders; every resting order has a positive remaining quantity
 *  7. stops: every side list in trigger order (buys ascending, sells descending by stop price), every
 *     stop in it waiting, none left triggered between commands; an OCO stop leg's limit leg rests
 *     with the OCO flag. Their reservations count in 3.
 *  8. every principal's open-order quota use = its resting orders + its waiting stops (an OCO pair
 *     counts twice), by the owner of each order's account
 *  9. positions (margin.ts): 1 counts them — per asset, Σ(available + reserved) − Σ short of the positions
 *     on that base asset = supply; a position's collateral counts in 3 (reserved of its quote cell) and a
 *     resting short sale holds no base; short, pending and collateral >= 0, an open position has short or
 *     pending > 0, pending = the remaining of its account's resting short sales in its symbol; the
 *     cell → position map and the per-symbol lists agree, and nothing is left marked traded.
 */
import { OrderType, Side } from '../../../codec/records/command_descriptor.ts';
import {
  NONE, LEVEL_F64, LEVEL_I32, L_HEAD, L_NEXT, L_PRICE, L_QUANTITY, ORDER_F64, ORDER_I32, O_ACCOUNT, O_BASE_CELL, O_FLAGS, O_ID, O_NEXT, O_PRICE,
  O_QUOTE_CELL, O_REMAINING,
  FLAG_OCO, FLAG_SHORT,
} from '../order_layout.ts';
import { Quota } from '../principal_quotas.ts';
import type { LogicStateMachine } from '../state_machine.ts';
import { S_ACCOUNT, S_BASE_CELL, S_FLAGS, S_ID, S_NEXT, S_PRICE, S_QUANTITY, S_QUOTE_CELL, S_STATE, S_STATE_WAITING, S_STOP_PRICE, STOP_F64, STOP_I32 } from '../stop_layout.ts';

export function checkInvariants(machine: LogicStateMachine): string[] {
  const problems: string[] = [];
  const { ledger, book, inventory, seats, transfers } = machine;
  const cells = ledger.cellCount;

  // 1 and 2 (and 9: what positions owe)
  const sums = new Array<number>(ledger.assetCount).fill(0);
  const { margin } = machine;
  const pendingByPosition = new Map<number, number>();
  let positions = 0;
  for (let s = 0; s < book.symbolCount; s++) {
    let prev = NONE;
    for (let p = margin.firstPosition[s]; p !== NONE; p = margin.positionNext[p]) {
      positions++;
      if (margin.positionPrev[p] !== prev) problems.push(`position ${p}: prev link ${margin.positionPrev[p]} != ${prev}`);
      prev = p;
      const short = margin.shortQuantity[p];
      const pending = margin.pendingQuantity[p];
      const collateral = margin.collateral[p];
      if (short < 0 || pending < 0 || collateral < 0) problems.push(`position ${p}: negative ${short}/${pending}/${collateral}`);
      if (short === 0 && pending === 0) problems.push(`position ${p}: open with nothing short or working`);
      if (margin.positionSymbol[p] !== s) problems.push(`position ${p} listed under symbol ${s}`);
      const baseCell = margin.positionBaseCell[p];
      if (margin.cellPosition[baseCell] !== p) problems.push(`position ${p}: its base cell ${baseCell} points at ${margin.cellPosition[baseCell]}`);
      if (ledger.cellAsset[baseCell] !== book.symbolBase[s] || ledger.cellAsset[margin.positionQuoteCell[p]] !== book.symbolQuote[s]
        || ledger.cellAccount[baseCell] !== margin.positionAccount[p]) problems.push(`position ${p}: cells do not match its account and symbol`);
      sums[book.symbolBase[s]] -= short;
      pendingByPosition.set(p, 0);
    }
    if (margin.lastPosition[s] !== prev) problems.push(`symbol ${s}: last position ${margin.lastPosition[s]} != ${prev}`);
  }
  if (positions !== margin.positionsInUse) problems.push(`${margin.positionsInUse} positions in use but ${positions} listed`);
  for (let c = 0; c < cells; c++) {
    const p = margin.cellPosition[c];
    if (p !== NONE && !pendingByPosition.has(p)) problems.push(`cell ${c} points at position ${p}, which is not open`);
  }
  if (machine.matching.tradedSymbol !== NONE) problems.push('a traded symbol left over after the command');
  for (let c = 0; c < cells; c++) {
    const a = ledger.available[c];
    const r = ledger.reserved[c];
    if (a < 0 || r < 0) problems.push(`cell ${c} (account ${ledger.accountIds[ledger.cellAccount[c]]}) negative: ${a}/${r}`);
    sums[ledger.cellAsset[c]] += a + r;
  }
  for (let asset = 0; asset < ledger.assetCount; asset++) {
    if (sums[asset] !== ledger.assetSupply[asset]) {
      problems.push(`asset ${ledger.assetIds[asset]}: balances sum ${sums[asset]} != supply ${ledger.assetSupply[asset]}`);
    }
  }

  // 3
  const held = new Array<number>(cells).fill(0);
  for (const [cell, amount] of transfers.reservedByCell()) held[cell] += amount;
  for (let book2 = 0; book2 < book.symbolCount * 2; book2++) {
    const side = (book2 & 1) + 1;
    let prevPrice = NaN;
    let levels = 0;
    for (let l = book.bestLevel[book2]; l !== NONE; l = book.levelI[l * LEVEL_I32 + L_NEXT]) {
      const price = book.levelF[l * LEVEL_F64 + L_PRICE];
      if (!Number.isNaN(prevPrice) && (side === Side.BUY ? price >= prevPrice : price <= prevPrice)) {
        problems.push(`book ${book2}: levels out of order at ${price} after ${prevPrice}`);
      }
      prevPrice = price;
      let total = 0;
      for (let o = book.levelI[l * LEVEL_I32 + L_HEAD]; o !== NONE; o = book.orderI[o * ORDER_I32 + O_NEXT]) {
        const remaining = book.orderF[o * ORDER_F64 + O_REMAINING];
        if (!(remaining > 0)) problems.push(`order ${book.orderF[o * ORDER_F64 + O_ID]} rests with ${remaining}`);
        if (book.orderF[o * ORDER_F64 + O_PRICE] !== price) problems.push(`order ${book.orderF[o * ORDER_F64 + O_ID]} at ${book.orderF[o * ORDER_F64 + O_PRICE]} in level ${price}`);
        total += remaining;
        if (side === Side.BUY) held[book.orderI[o * ORDER_I32 + O_QUOTE_CELL]] += price * remaining;
        else if ((book.orderI[o * ORDER_I32 + O_FLAGS] & FLAG_SHORT) === 0) held[book.orderI[o * ORDER_I32 + O_BASE_CELL]] += remaining;
        else {
          const p = margin.cellPosition[book.orderI[o * ORDER_I32 + O_BASE_CELL]];
          if (!pendingByPosition.has(p) || margin.positionSymbol[p] !== (book2 >> 1)) {
            problems.push(`short sale ${book.orderF[o * ORDER_F64 + O_ID]} without its position`);
          } else pendingByPosition.set(p, (pendingByPosition.get(p) ?? 0) + remaining);
        }
      }
      if (total !== book.levelF[l * LEVEL_F64 + L_QUANTITY]) problems.push(`level ${price} of book ${book2}: total ${book.levelF[l * LEVEL_F64 + L_QUANTITY]} != ${total}`);
      levels++;
    }
    if (levels !== book.sideLevels[book2]) problems.push(`book ${book2}: ${levels} levels but sideLevels says ${book.sideLevels[book2]}`);
  }
  // 7, and what stops hold
  const { stops } = machine;
  let waiting = 0;
  for (let list = 0; list < book.symbolCount * 2; list++) {
    const buy = (list & 1) === 0;
    let prev = NaN;
    for (let s = stops.head[list]; s !== NONE; s = stops.stopI[s * STOP_I32 + S_NEXT]) {
      waiting++;
      const id = stops.stopF[s * STOP_F64 + S_ID];
      const stopPrice = stops.stopF[s * STOP_F64 + S_STOP_PRICE];
      if (!Number.isNaN(prev) && (buy ? stopPrice < prev : stopPrice > prev)) problems.push(`stop ${id} out of trigger order at ${stopPrice} after ${prev}`);
      prev = stopPrice;
      if (stops.stopI[s * STOP_I32 + S_STATE] !== S_STATE_WAITING) problems.push(`stop ${id} listed but not waiting`);
      const flags = stops.stopI[s * STOP_I32 + S_FLAGS];
      const quantity = stops.stopF[s * STOP_F64 + S_QUANTITY];
      if ((flags & FLAG_OCO) !== 0) {
        const leg = book.order(id);
        if (leg === NONE || (book.orderI[leg * ORDER_I32 + O_FLAGS] & FLAG_OCO) === 0) problems.push(`OCO stop ${id} without its limit leg`);
      } else if (buy) {
        const unit = ((flags >>> 2) & 3) === OrderType.MARKET ? stopPrice : stops.stopF[s * STOP_F64 + S_PRICE];
        held[stops.stopI[s * STOP_I32 + S_QUOTE_CELL]] += unit * quantity;
      } else {
        held[stops.stopI[s * STOP_I32 + S_BASE_CELL]] += quantity;
      }
    }
  }
  if (waiting !== stops.inUse) problems.push(`${stops.inUse} stops in use but ${waiting} listed (a triggered stop left over?)`);
  if (stops.firstTriggered !== NONE) problems.push('triggered stops left over after the command');

  for (const [p, pending] of pendingByPosition) {
    if (pending !== margin.pendingQuantity[p]) problems.push(`position ${p}: pending ${margin.pendingQuantity[p]} != resting short sales ${pending}`);
    held[margin.positionQuoteCell[p]] += margin.collateral[p];
  }
  for (let c = 0; c < cells; c++) {
    if (held[c] !== ledger.reserved[c]) {
      problems.push(`cell ${c} (account ${ledger.accountIds[ledger.cellAccount[c]]}): reserved ${ledger.reserved[c]} != held ${held[c]}`);
    }
  }

  // 4
  for (let i = 0; i < inventory.count; i++) {
    if (inventory.stock[i] + inventory.sold[i] !== inventory.supplied[i] || inventory.stock[i] < 0) {
      problems.push(`item ${inventory.ids[i]}: stock ${inventory.stock[i]} + sold ${inventory.sold[i]} != supplied ${inventory.supplied[i]}`);
    }
  }

  // 5
  for (let e = 0; e < seats.eventCount; e++) {
    for (let s = 0; s < seats.seatCount[e]; s++) {
      const h = seats.holder[seats.seatBase[e] + s];
      if (h < 0 || h > ledger.accountCount) problems.push(`event ${seats.ids[e]} seat ${s}: bad holder ${h}`);
    }
  }

  // 6
  for (let s = 0; s < book.symbolCount; s++) {
    const bid = book.bestLevel[s * 2 + Side.BUY - 1];
    const ask = book.bestLevel[s * 2 + Side.SELL - 1];
    if (bid !== NONE && ask !== NONE && book.levelF[bid * LEVEL_F64 + L_PRICE] >= book.levelF[ask * LEVEL_F64 + L_PRICE]) {
      problems.push(`symbol ${book.symbolIds[s]} crossed at rest: bid ${book.levelF[bid * LEVEL_F64 + L_PRICE]} >= ask ${book.levelF[ask * LEVEL_F64 + L_PRICE]}`);
    }
  }
  // 8
  const open = new Map<number, number>();
  const count = (account: number): void => {
    const owner = ledger.accountOwner[account];
    open.set(owner, (open.get(owner) ?? 0) + 1);
  };
  for (let o = 0; o < book.maxOrders; o++) if (book.isResting(o)) count(book.orderI[o * ORDER_I32 + O_ACCOUNT]);
  for (let s = 0; s < stops.maxStops; s++) if (stops.stopI[s * STOP_I32 + S_STATE] === S_STATE_WAITING) count(stops.stopI[s * STOP_I32 + S_ACCOUNT]);
  const owners = new Set<number>(open.keys());
  for (let a = 0; a < ledger.accountCount; a++) owners.add(ledger.accountOwner[a]);
  for (const owner of owners) {
    const charged = ledger.quotas.usedBy(owner, Quota.OPEN_ORDERS);
    if (charged !== (open.get(owner) ?? 0)) problems.push(`principal ${owner}: open-order quota says ${charged}, holds ${open.get(owner) ?? 0}`);
  }
  return problems;
}

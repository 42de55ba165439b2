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
 */
import { Side } from '../../../codec/records/command_descriptor.ts';
import { NONE, LEVEL_F64, LEVEL_I32, L_HEAD, L_NEXT, L_PRICE, L_QUANTITY, ORDER_F64, ORDER_I32, O_BASE_CELL, O_ID, O_NEXT, O_PRICE, O_QUOTE_CELL, O_REMAINING } from '../order_book.ts';
import type { LogicStateMachine } from '../state_machine.ts';

export function checkInvariants(machine: LogicStateMachine): string[] {
  const problems: string[] = [];
  const { ledger, book, inventory, seats, transfers } = machine;
  const cells = ledger.cellCount;

  // 1 and 2
  const sums = new Array<number>(ledger.assetCount).fill(0);
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
        else held[book.orderI[o * ORDER_I32 + O_BASE_CELL]] += remaining;
      }
      if (total !== book.levelF[l * LEVEL_F64 + L_QUANTITY]) problems.push(`level ${price} of book ${book2}: total ${book.levelF[l * LEVEL_F64 + L_QUANTITY]} != ${total}`);
      levels++;
    }
    if (levels !== book.sideLevels[book2]) problems.push(`book ${book2}: ${levels} levels but sideLevels says ${book.sideLevels[book2]}`);
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
  return problems;
}

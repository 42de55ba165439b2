/**
 * A concert with a seat map: many clients over TCP, WebSocket and HTTP race to book overlapping
 * sets of seats (all or nothing). Each seat is sold exactly once, to the account whose booking
 * succeeded, and the merchant's money matches the seats sold.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ResultCode } from '../codec/result_codes.ts';
import { ADMIN_KEY, balanceOf, must, sendRetryingBusy, startE2eServer, type CommandChannel, type E2eServer, type Transport } from './test_support/e2e_harness.ts';

const USD = 1;
const EVENT_ID = 77;
const SEATS = 400;
const SEAT_PRICE = 95;
const MERCHANT = 5000;
const DEPOSIT = 1_000_000;
const CLIENTS: Record<Transport, number> = { tcp: 40, ws: 40, http: 20 };
const ATTEMPTS_PER_CLIENT = 25;

describe('concert seat race over TCP, WebSocket and HTTP', () => {
  let e2e: E2eServer;
  let admin: CommandChannel;

  beforeAll(async () => {
    e2e = await startE2eServer({ durability: 'fsync' });
    admin = await e2e.connect('tcp', ADMIN_KEY, 256);
    await must(admin, { type: 'createAsset', assetId: USD });
    await must(admin, { type: 'createAccount', accountId: MERCHANT });
    await must(admin, { type: 'createEvent', eventId: EVENT_ID, merchantAccountId: MERCHANT, priceAssetId: USD, seatPrice: SEAT_PRICE, seatCount: SEATS });
  });

  afterAll(async () => {
    await admin?.close();
    await e2e?.stop();
  });

  it('sells each seat exactly once, all-or-nothing per booking', async () => {
    const owner = new Map<number, number>(); // seat -> account from successful bookings
    let booked = 0;
    const spentByAccount = new Map<number, number>();
    let accountId = 100;
    const races: Promise<void>[] = [];
    const channels: CommandChannel[] = [];
    let rng = 42;
    const next = (): number => { rng = (rng * 1664525 + 1013904223) >>> 0; return rng; };

    for (const transport of ['tcp', 'ws', 'http'] as const) {
      for (let c = 0; c < CLIENTS[transport]; c++) {
        const { key } = e2e.addPrincipal(`fan-${transport}-${c}`);
        const account = accountId++;
        const channel = await e2e.connect(transport, key);
        channels.push(channel);
        await must(channel, { type: 'createAccount', accountId: account });
        await must(admin, { type: 'deposit', accountId: account, assetId: USD, amount: DEPOSIT });
        const wishes = Array.from({ length: ATTEMPTS_PER_CLIENT }, () => {
          // 1-4 adjacent-ish seats in a hot region, so bookings overlap heavily.
          const start = next() % SEATS;
          const count = 1 + (next() % 4);
          return [...new Set(Array.from({ length: count }, (_, i) => (start + i * (1 + (next() % 3))) % SEATS))];
        });
        races.push((async () => {
          for (const seats of wishes) {
            const r = await sendRetryingBusy(channel, { type: 'bookSeats', eventId: EVENT_ID, buyerAccountId: account, seats });
            if (r.code === ResultCode.OK) {
              for (const s of seats) {
                expect(owner.has(s), `seat ${s} sold twice`).toBe(false);
                owner.set(s, account);
              }
              booked += seats.length;
              expect(r.result).toMatchObject({ type: 'price', totalPrice: seats.length * SEAT_PRICE });
              spentByAccount.set(account, (spentByAccount.get(account) ?? 0) + seats.length * SEAT_PRICE);
            } else {
              expect(r.code, `${r.status} ${r.message}`).toBe(ResultCode.SEAT_TAKEN);
            }
          }
        })());
      }
    }
    await Promise.all(races);

    expect(owner.size).toBe(booked);
    expect(booked).toBeGreaterThan(SEATS / 2);
    // The engine agrees seat by seat: the holder is the account whose booking succeeded, else free.
    const holders = await Promise.all(Array.from({ length: SEATS }, (_, seat) => admin.send({ type: 'getSeat', eventId: EVENT_ID, seat })));
    holders.forEach((r, seat) => {
      expect(r.code).toBe(ResultCode.OK);
      expect(r.result).toEqual({ type: 'seat', holderAccountId: owner.get(seat) ?? 0 });
    });
    expect(await balanceOf(admin, MERCHANT, USD)).toBe(booked * SEAT_PRICE);
    for (const [account, spent] of spentByAccount) expect(await balanceOf(admin, account, USD)).toBe(DEPOSIT - spent);
    await Promise.all(channels.map((c) => c.close()));
  });
});

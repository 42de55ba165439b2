/**
 * The stop book's record layout (stop_book.ts keeps the records): field indexes into the stop pool and the
 * stop states. A module of its own so stop_book.ts can read module-local copies (order_layout.ts says why).
 *
 * Stop record layout: 64 bytes per stop, one cache line (stopF index s * 8 + field, stopI s * 16 + field):
 *   bytes  0 id (f64)       8 price (f64, limit after trigger; 0 = market)   16 stopPrice (f64)   24 quantity (f64)
 *         32 account (i32) 36 symbol (i32)   40 prev (i32)   44 next (i32)   48 baseCell (i32)   52 quoteCell (i32)
 *         56 flags (i32: side | type << 2 | tif << 4 | selfTrade << 6 | FLAG_OCO)   60 state (i32, S_STATE_*)
 */
export const STOP_F64 = 8;
export const STOP_I32 = 16;
export const S_ID = 0;
export const S_PRICE = 1;
export const S_STOP_PRICE = 2;
export const S_QUANTITY = 3;
export const S_ACCOUNT = 8;
export const S_SYMBOL = 9;
export const S_PREV = 10;
export const S_NEXT = 11;
export const S_BASE_CELL = 12;
export const S_QUOTE_CELL = 13;
export const S_FLAGS = 14;
export const S_STATE = 15;
export const S_STATE_FREE = 0;
export const S_STATE_WAITING = 1;
export const S_STATE_TRIGGERED = 2;

/**
 * The books' record layouts (order_book.ts keeps the records): field indexes into the order and price
 * level pools, and NONE for "no slot".
 *
 * Hot code reads these through module-local copies (`const { O_ID, ... } = orderLayout`): V8 folds a
 * module's own constants into optimized code, but reads an imported or exported binding from its module
 * cell, with a hole check, at every use (about seven instructions each, a quarter of OrderBook.link).
 */
/** No slot (an empty list, no level, no order). */
export const NONE = -1;

/*
 * Order record layout: 64 bytes per order, one cache line, in one ArrayBuffer seen as Float64Array
 * (orderF, index o * 8 + field) and Int32Array (orderI, index o * 16 + field):
 *
 *   bytes  0  id (f64)          8 price (f64)       16 remaining (f64)    24 filled (f64)
 *         32  account (i32)    36 symbol (i32)      40 level (i32)        44 prev (i32)
 *         48  next (i32)       52 baseCell (i32)    56 quoteCell (i32)    60 flags (i32)
 * flags = side | orderType << 2 | timeInForce << 4 | selfTrade << 6. Keeping an order's fields
 * together matters in a deep book: a cancel or a move touches one line instead of a dozen arrays.
 */
/*
 * Price level record layout: 64 bytes per level (levelF index l * 8 + field, levelI index l * 16 + field):
 *   bytes  0  price (f64)      8 quantity (f64)    16 head (i32)    20 tail (i32)
 *         24  prev (i32)      28 next (i32)        32 book (i32)    36..63 unused
 */
export const LEVEL_F64 = 8;
export const LEVEL_I32 = 16;
export const L_PRICE = 0;
export const L_QUANTITY = 1;
export const L_HEAD = 4;
export const L_TAIL = 5;
export const L_PREV = 6;
export const L_NEXT = 7;
export const L_BOOK = 8;

export const ORDER_F64 = 8;
export const ORDER_I32 = 16;
export const O_ID = 0;
export const O_PRICE = 1;
export const O_REMAINING = 2;
export const O_FILLED = 3;
export const O_ACCOUNT = 8;
export const O_SYMBOL = 9;
export const O_LEVEL = 10;
export const O_PREV = 11;
export const O_NEXT = 12;
export const O_BASE_CELL = 13;
export const O_QUOTE_CELL = 14;
export const O_FLAGS = 15;

/** Order flag: a limit order that is the limit leg of an OCO pair (its stop leg has the same id). */
export const FLAG_OCO = 1 << 8;
/** Order flag: the order entered the book as a triggered stop (GET_ORDER reports STOP_LIMIT / STOP_MARKET). */
export const FLAG_STOP = 1 << 9;
/** Order flag: a short sale (margin.ts): it reserves no base; its fills borrow the base from the account's position. */
export const FLAG_SHORT = 1 << 10;

/**
 * Result codes: stable numbers grouped by subsystem, never reused, each with a message a person
 * understands. Every response carries one. Retired codes stay in this table, marked retired.
 *
 *   0     ok
 *   1xx   protocol and gateway (framing, verification, limits, backpressure)
 *   2xx   authentication and authorization
 *   3xx   ledger (assets, accounts, balances, transfers)
 *   4xx   inventory, tickets and checkout
 *   5xx   matching (symbols, orders, books)
 *   9xx   engine (snapshots, replication, shutdown, internal)
 *
 * Within a subsystem, when several rules fail at once, the state machine reports the first one in
 * the order it checks them (documented beside each command); codes are not ordered by precedence.
 */
export const ResultCode = {
  OK: 0,

  // 1xx protocol / gateway
  MALFORMED_FRAME: 100,
  VERIFY_FAILED: 101,
  UNKNOWN_COMMAND: 102,
  MISSING_FIELD: 103,
  INTEGER_OUT_OF_RANGE: 104,
  RECORD_TOO_LARGE: 105,
  FRAME_TOO_LARGE: 106,
  BUSY: 107,
  TOO_MANY_IN_FLIGHT: 108,
  MALFORMED_JSON: 109,
  TEXT_MESSAGE_NOT_SUPPORTED: 110,
  SHUTTING_DOWN: 111,
  INVALID_FIELD_VALUE: 112,
  TOO_MANY_CONNECTIONS: 113,
  IDLE_TIMEOUT: 114,
  SLOW_CONSUMER: 115,
  NOT_FOUND_ROUTE: 116,
  TOO_MANY_UNAUTHENTICATED: 117,
  LOGIN_TIMEOUT: 118,

  // 2xx authentication / authorization
  NOT_AUTHENTICATED: 200,
  BAD_CREDENTIALS: 201,
  NOT_OWNER: 202,
  ADMIN_REQUIRED: 203,
  ALREADY_AUTHENTICATED: 204,
  ACCOUNT_QUOTA_EXCEEDED: 205,
  ITEM_QUOTA_EXCEEDED: 206,
  EVENT_QUOTA_EXCEEDED: 207,
  SEAT_QUOTA_EXCEEDED: 208,
  OPEN_ORDER_QUOTA_EXCEEDED: 209,
  PENDING_TRANSFER_QUOTA_EXCEEDED: 210,
  QUOTA_TABLE_FULL: 211,
  ID_RESERVED: 212,
  ID_RANGE_OVERLAPS: 213,
  ID_RANGES_FULL: 214,
  PRINCIPAL_NOT_FOUND: 230,
  PRINCIPAL_REVOKED: 231,
  PRINCIPAL_TABLE_FULL: 232,
  /** The engine runs with event emission off (engine option `events: false`): no subscriptions, history or projection. */
  EVENTS_DISABLED: 240,
  HISTORY_RETIRED: 250,
  LOGIN_RATE_LIMITED: 260,

  // 3xx ledger
  ASSET_EXISTS: 300,
  ASSET_NOT_FOUND: 301,
  ACCOUNT_EXISTS: 302,
  ACCOUNT_NOT_FOUND: 303,
  INSUFFICIENT_FUNDS: 304,
  AMOUNT_MUST_BE_POSITIVE: 305,
  SAME_ACCOUNT: 306,
  TRANSFER_EXISTS: 307,
  TRANSFER_NOT_FOUND: 308,
  TRANSFER_ALREADY_FINAL: 309,
  POST_EXCEEDS_RESERVED: 310,
  BALANCE_OVERFLOW: 311,
  ACCOUNTS_FULL: 312,
  ASSETS_FULL: 313,
  PENDING_TRANSFERS_FULL: 314,
  ID_MUST_NOT_BE_ZERO: 315,
  BALANCES_FULL: 316,

  // 4xx inventory, tickets, checkout
  ITEM_EXISTS: 400,
  ITEM_NOT_FOUND: 401,
  INSUFFICIENT_STOCK: 402,
  QUANTITY_MUST_BE_POSITIVE: 403,
  PRICE_ABOVE_LIMIT: 404,
  EVENT_EXISTS: 405,
  EVENT_NOT_FOUND: 406,
  SEAT_OUT_OF_RANGE: 407,
  SEAT_TAKEN: 408,
  SEAT_NOT_HELD: 409,
  DUPLICATE_SEAT: 410,
  ITEMS_FULL: 411,
  EVENTS_FULL: 412,
  SEATS_FULL: 413,
  CHECKOUT_EMPTY: 414,
  CHECKOUT_MIXED_ASSETS: 415,
  PRICE_MUST_BE_POSITIVE: 416,
  SEAT_COUNT_INVALID: 417,

  // 5xx matching
  SYMBOL_EXISTS: 500,
  SYMBOL_NOT_FOUND: 501,
  ORDER_NOT_FOUND: 502,
  INVALID_PRICE: 503,
  INVALID_QUANTITY: 504,
  INVALID_SIDE: 505,
  INVALID_ORDER_TYPE: 506,
  INVALID_TIME_IN_FORCE: 507,
  FOK_NOT_FILLABLE: 508,
  NO_LIQUIDITY: 509,
  ORDERS_FULL: 510,
  SYMBOLS_FULL: 511,
  INVALID_AMEND: 512,
  SYMBOL_ASSETS_SAME: 513,
  PRICE_LEVELS_FULL: 514,
  INVALID_STOP_PRICE: 515,
  STOP_ORDERS_FULL: 516,
  // 53x margin and short selling (a sell without the base where the symbol has no margin stays INSUFFICIENT_FUNDS)
  NO_REFERENCE_PRICE: 531,
  INSUFFICIENT_MARGIN: 532,
  INVALID_MARGIN: 533,
  POSITIONS_FULL: 534,
  SHORT_IN_OTHER_SYMBOL: 535,
  MARGIN_IN_USE: 536,

  // 9xx engine
  INTERNAL_ERROR: 900,
  SNAPSHOT_IN_PROGRESS: 901,
  READ_ONLY_FOLLOWER: 902,
  STALE_EPOCH: 903,
  REPLICATION_UNAVAILABLE: 904,
  STORAGE_UNAVAILABLE: 905,
  SNAPSHOT_FAILED: 906,
  NOT_LEADER: 907,
} as const;
export type ResultCode = (typeof ResultCode)[keyof typeof ResultCode];

const MESSAGES: Readonly<Record<ResultCode, string>> = {
  0: 'ok',
  100: 'malformed frame: the length prefix or framing is invalid',
  101: 'message failed verification: it is not a valid ringline FlatBuffers message',
  102: 'unknown command type',
  103: 'a required field is missing',
  104: 'an integer is outside the exact range (must be between 0 and 2^53 - 1)',
  105: 'the command is too large for one record (too many lines or seats)',
  106: 'the frame is larger than the maximum frame size',
  107: 'the engine is busy (input ring full): retry later',
  108: 'too many commands in flight on this connection: wait for replies',
  109: 'malformed JSON',
  110: 'text WebSocket messages are not supported: send binary FlatBuffers frames',
  111: 'the engine is shutting down',
  112: 'a field has a value outside its accepted range',
  113: 'too many connections',
  114: 'connection idle for too long',
  115: 'the client is not reading its results',
  116: 'no such route',
  117: 'too many connections waiting to log in (from this address, or in all): log in promptly',
  118: 'no login within the login deadline',
  200: 'not authenticated: log in first',
  201: 'bad credentials',
  202: 'the principal does not own this account or resource',
  203: 'this command needs an admin principal',
  204: 'this session is already authenticated',
  205: 'quota "accounts" exceeded: this principal owns as many accounts as it may (an admin can raise it)',
  206: 'quota "items" exceeded: this principal lists as many items as it may (an admin can raise it)',
  207: 'quota "events" exceeded: this principal lists as many events as it may (an admin can raise it)',
  208: 'quota "seats" exceeded: the event would take this principal past its seats quota (an admin can raise it)',
  209: 'quota "openOrders" exceeded: this principal has as many resting orders as it may (an admin can raise it)',
  210: 'quota "pendingTransfers" exceeded: this principal has as many open two-phase transfers as it may (an admin can raise it)',
  211: 'the quota table is full (maxPrincipals principals already own something)',
  212: 'this id lies in a range an admin reserved for another principal',
  213: 'the id range overlaps a range already reserved for ids of this kind',
  214: 'the id range table is full (maxIdRanges ranges reserved)',
  230: 'no such replicated principal',
  231: 'this principal was revoked: its keys and sessions are refused on every node',
  232: 'the principal table is full: maxPrincipals principals were created (ids are never reused)',
  240: 'the engine runs with events off (engine option events: false, ringline start --events off): no event subscriptions, history or projection',
  250: 'the events after this position are no longer kept: their journal was retired with old snapshots (engine option keepJournal keeps it)',
  260: 'too many failed logins: wait for the time given, then try again',
  300: 'asset already exists',
  301: 'asset not found',
  302: 'account already exists',
  303: 'account not found',
  304: 'insufficient funds',
  305: 'amount must be positive',
  306: 'source and destination accounts are the same',
  307: 'transfer id already exists',
  308: 'pending transfer not found',
  309: 'retired: a posted or voided transfer is now forgotten (TRANSFER_NOT_FOUND)',
  310: 'post amount exceeds the reserved amount',
  311: 'balance would exceed the exact integer range (2^53 - 1)',
  312: 'account capacity exhausted',
  313: 'asset capacity exhausted',
  314: 'pending transfer capacity exhausted',
  315: 'id must not be zero',
  316: 'balance capacity exhausted',
  400: 'item already exists',
  401: 'item not found',
  402: 'insufficient stock',
  403: 'quantity must be positive',
  404: 'unit price is above the limit given',
  405: 'event already exists',
  406: 'event not found',
  407: 'seat number is outside the event seat map',
  408: 'seat already taken',
  409: 'seat is not held by this account',
  410: 'the same seat is named twice',
  411: 'item capacity exhausted',
  412: 'event capacity exhausted',
  413: 'seat capacity exhausted',
  414: 'checkout has no items and no seats',
  415: 'checkout lines must share one price asset',
  416: 'price must be positive',
  417: 'seat count must be positive',
  500: 'symbol already exists',
  501: 'symbol not found',
  502: 'order not found',
  503: 'invalid price (must be positive and a multiple of the tick size)',
  504: 'invalid quantity (must be positive and a multiple of the lot size)',
  505: 'invalid side',
  506: 'invalid order type',
  507: 'invalid time in force',
  508: 'fill-or-kill order cannot be filled completely',
  509: 'no liquidity for a market order',
  510: 'order capacity exhausted',
  511: 'symbol capacity exhausted',
  512: 'invalid amend: new quantity must be positive and the order must be resting',
  513: 'base and quote assets must differ',
  514: 'price level capacity exhausted',
  515: 'invalid stop price (must be positive, a multiple of the tick size, not yet reached by the last trade, and for an OCO on the far side of the limit price)',
  516: 'stop order capacity exhausted',
  531: 'no reference price yet: short selling starts after the symbol\'s first trade',
  532: 'insufficient margin: the available quote cannot cover the initial margin of the resulting short position',
  533: 'invalid margin: basis points must satisfy 1 <= maintenance <= initial <= 100000 (or both 0)',
  534: 'position capacity exhausted',
  535: 'the account is already short this base asset through another symbol',
  536: 'short selling cannot be disabled while positions are open in the symbol',
  900: 'internal error',
  901: 'a snapshot is already in progress',
  902: 'this node is a read-only follower',
  903: 'stale epoch: a newer primary exists',
  904: 'synchronous replication has no follower connected',
  905: 'storage is unavailable (disk full or failing): writes are refused until it recovers; reads still work',
  906: 'the snapshot could not be written (see the engine log); no snapshot was kept',
  907: 'this node is not the cluster leader',
};

/** The human message for a code; unknown codes get a message that names the number. */
export function resultMessage(code: number): string {
  return (MESSAGES as Readonly<Record<number, string>>)[code] ?? `unknown result code ${code}`;
}

/** The symbolic name of a code (e.g. "INSUFFICIENT_FUNDS"), for JSON and logs. */
export function resultName(code: number): string {
  return NAMES[code] ?? `CODE_${code}`;
}

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ResultCode).map(([name, code]) => [code, name]),
);

// Every code has a message and no number is used twice.
for (const [name, code] of Object.entries(ResultCode)) {
  if (NAMES[code] !== name) throw new Error(`result code ${code} is used by two names`);
  if (!(code in MESSAGES)) throw new Error(`result code ${name}=${code} has no message`);
  if (code > 0xffff) throw new Error(`result code ${name}=${code} must fit in u16`);
}

/**
 * THE list of commands: one row per command, and the only place a command's shape is written.
 * Everything else is derived from these rows at module load (plain arrays and typed arrays, never a
 * lookup on the hot path):
 *   - record layout offsets and sizes        codec/records/command_descriptor.ts (recordLayout)
 *   - verifier-translator, encoder, JSON      codec/spec/command_spec.ts (COMMAND_SPECS)
 *   - JSON TypeScript types                   codec/types/command_json.ts (CommandBody)
 *   - the result body a command answers with  codec/spec/result_spec.ts (RESULT_SPEC_BY_COMMAND)
 *   - read-only / admin traits                codec/registry/command_traits.ts (COMMAND_TRAITS)
 *   - test record writers / summaries         core/logic/test_support/
 *   - the command table in docs/commands.md   codec/registry/commands_doc.ts (a test keeps it equal)
 * How to add a command: docs/adding_a_command.md.
 *
 * A row:
 *   type      u16 command type = the union member number in codec/ringline.fbs `Command`. Stable, never
 *             reused; grouped: 10s ledger, 20s inventory/seats, 30 checkout, 40s order book, 50s margin, 90s operator.
 *   name      the CommandType constant (UPPER_SNAKE); json: the JSON `type` and HTTP path (camelCase).
 *   fields    in wire-table order (field index = position). Record layout: the 8-byte fields in this
 *             order from offset 48, then the 1-byte enum fields, then padding to 8; lists follow.
 *   list      repeated parts after the scalars: 'seats' (`seats: [uint32]`) or 'checkout' (`lines`, `seats`).
 *   readOnly  changes no state: the journal may skip its body, replay ignores it, no idempotency.
 *   admin     only an admin principal may run it (ADMIN_REQUIRED otherwise, before anything else).
 *   result    the result body (codec/registry/result_registry.ts) a successful command answers with; null = none.
 *   doc       one line for docs/commands.md.
 */
import type { ResultBodyName } from './result_registry.ts';
import { OrderType, QuotaKind, SelfTradePrevention, Side, TimeInForce } from './enum_values.ts';
import { enumU8, type FieldRow, u32, u64 } from './field_builders.ts';

export type ListName = 'none' | 'seats' | 'checkout';

export interface CommandRow {
  readonly type: number;
  readonly name: string;
  readonly json: string;
  readonly fields: readonly FieldRow[];
  readonly list: ListName;
  readonly readOnly: boolean;
  readonly admin: boolean;
  readonly result: ResultBodyName | null;
  readonly doc: string;
}

const NONE = 'none';
/** SHA-256 of a principal key's secret as 8 big-endian uint32 words (principal commands). */
const KEY_DIGEST_FIELDS = [
  u32('keyDigest0'), u32('keyDigest1'), u32('keyDigest2'), u32('keyDigest3'),
  u32('keyDigest4'), u32('keyDigest5'), u32('keyDigest6'), u32('keyDigest7'),
] as const;

export const COMMAND_ROWS = [
  // ---- ledger -----------------------------------------------------------------------------------
  { type: 10, name: 'CREATE_ASSET', json: 'createAsset', fields: [u64('assetId')],
    list: NONE, readOnly: false, admin: true, result: null, doc: 'Creates an asset.' },
  { type: 11, name: 'CREATE_ACCOUNT', json: 'createAccount',
    fields: [u64('accountId'), u64('ownerPrincipalId', { optional: true, doc: 'the caller; another principal needs admin' })],
    list: NONE, readOnly: false, admin: false, result: null, doc: 'Opens an account owned by a principal.' },
  { type: 12, name: 'DEPOSIT', json: 'deposit', fields: [u64('accountId'), u64('assetId'), u64('amount')],
    list: NONE, readOnly: false, admin: true, result: 'balance', doc: 'Credits an account.' },
  { type: 13, name: 'WITHDRAW', json: 'withdraw', fields: [u64('accountId'), u64('assetId'), u64('amount')],
    list: NONE, readOnly: false, admin: true, result: 'balance', doc: 'Debits an account.' },
  { type: 14, name: 'TRANSFER', json: 'transfer',
    fields: [u64('fromAccountId'), u64('toAccountId'), u64('assetId'), u64('amount')],
    list: NONE, readOnly: false, admin: false, result: 'balance',
    doc: 'Moves an amount between two accounts (balance: of the source, after).' },
  { type: 15, name: 'TRANSFER_RESERVE', json: 'transferReserve',
    fields: [u64('transferId'), u64('fromAccountId'), u64('toAccountId'), u64('assetId'), u64('amount')],
    list: NONE, readOnly: false, admin: false, result: 'amount', doc: 'Reserves the first phase of a two-phase transfer.' },
  { type: 16, name: 'TRANSFER_POST', json: 'transferPost',
    fields: [u64('transferId'), u64('amount', { optional: true, doc: 'all that is reserved; less = partial, rest released' })],
    list: NONE, readOnly: false, admin: false, result: 'amount', doc: 'Posts a reserved transfer.' },
  { type: 17, name: 'TRANSFER_VOID', json: 'transferVoid', fields: [u64('transferId')],
    list: NONE, readOnly: false, admin: false, result: 'amount', doc: 'Voids a reserved transfer.' },
  { type: 18, name: 'GET_BALANCE', json: 'getBalance', fields: [u64('accountId'), u64('assetId')],
    list: NONE, readOnly: true, admin: false, result: 'balance', doc: 'Reads a balance.' },
  // ---- inventory and seats ------------------------------------------------------------------------
  { type: 20, name: 'CREATE_ITEM', json: 'createItem',
    fields: [u64('itemId'), u64('merchantAccountId'), u64('priceAssetId'), u64('unitPrice'), u64('stock')],
    list: NONE, readOnly: false, admin: false, result: 'item', doc: 'Lists a counted item for sale.' },
  { type: 21, name: 'RESTOCK', json: 'restock', fields: [u64('itemId'), u64('quantity')],
    list: NONE, readOnly: false, admin: false, result: 'item', doc: 'Adds stock to an item.' },
  { type: 22, name: 'BUY', json: 'buy',
    fields: [u64('itemId'), u64('buyerAccountId'), u64('quantity'), u64('maxUnitPrice', { optional: true, doc: 'any' })],
    list: NONE, readOnly: false, admin: false, result: 'item', doc: 'Buys units of an item.' },
  { type: 23, name: 'CREATE_EVENT', json: 'createEvent',
    fields: [u64('eventId'), u64('merchantAccountId'), u64('priceAssetId'), u64('seatPrice'), u32('seatCount')],
    list: NONE, readOnly: false, admin: false, result: null, doc: 'Lists an event with numbered seats.' },
  { type: 24, name: 'BOOK_SEATS', json: 'bookSeats', fields: [u64('eventId'), u64('buyerAccountId')],
    list: 'seats', readOnly: false, admin: false, result: 'price', doc: 'Books seats, all or none.' },
  { type: 25, name: 'RELEASE_SEATS', json: 'releaseSeats', fields: [u64('eventId'), u64('holderAccountId')],
    list: 'seats', readOnly: false, admin: false, result: 'price', doc: 'Releases booked seats and refunds them.' },
  { type: 26, name: 'GET_ITEM', json: 'getItem', fields: [u64('itemId')],
    list: NONE, readOnly: true, admin: false, result: 'item', doc: 'Reads an item.' },
  { type: 27, name: 'GET_SEAT', json: 'getSeat', fields: [u64('eventId'), u32('seat')],
    list: NONE, readOnly: true, admin: false, result: 'seat', doc: 'Reads who holds a seat (0 = free).' },
  // ---- checkout -------------------------------------------------------------------------------------
  { type: 30, name: 'CHECKOUT', json: 'checkout',
    fields: [u64('buyerAccountId'), u64('eventId', { optional: true, doc: 'no seats' })],
    list: 'checkout', readOnly: false, admin: false, result: 'price',
    doc: 'Buys item lines and seats in one all-or-nothing command.' },
  // ---- order book -----------------------------------------------------------------------------------
  { type: 40, name: 'CREATE_SYMBOL', json: 'createSymbol',
    fields: [u64('symbolId'), u64('baseAssetId'), u64('quoteAssetId'), u64('tickSize'), u64('lotSize')],
    list: NONE, readOnly: false, admin: true, result: null, doc: 'Opens an order book.' },
  { type: 41, name: 'PLACE_ORDER', json: 'placeOrder',
    fields: [u64('symbolId'), u64('accountId'), u64('price', { optional: true, doc: 'market' }), u64('quantity'),
      enumU8('side', Side), enumU8('orderType', OrderType, { optional: true, defaultValue: OrderType.LIMIT }),
      enumU8('timeInForce', TimeInForce, { optional: true, defaultValue: TimeInForce.GTC }),
      enumU8('selfTrade', SelfTradePrevention, { optional: true, defaultValue: SelfTradePrevention.NONE })],
    list: NONE, readOnly: false, admin: false, result: 'order', doc: 'Places an order; matches it, rests the rest.' },
  { type: 42, name: 'CANCEL_ORDER', json: 'cancelOrder', fields: [u64('symbolId'), u64('orderId')],
    list: NONE, readOnly: false, admin: false, result: 'cancel', doc: 'Cancels a resting order.' },
  { type: 43, name: 'AMEND_ORDER', json: 'amendOrder',
    fields: [u64('symbolId'), u64('orderId'), u64('newPrice'), u64('newQuantity')],
    list: NONE, readOnly: false, admin: false, result: 'order', doc: 'Changes a resting order\'s price or quantity.' },
  { type: 44, name: 'GET_ORDER', json: 'getOrder', fields: [u64('symbolId'), u64('orderId')],
    list: NONE, readOnly: true, admin: false, result: 'orderInfo', doc: 'Reads an order.' },
  { type: 45, name: 'GET_DEPTH', json: 'getDepth', fields: [u64('symbolId'), u32('levels')],
    list: NONE, readOnly: true, admin: false, result: 'depth', doc: 'Reads the best price levels of a book.' },
  { type: 46, name: 'PLACE_STOP_ORDER', json: 'placeStopOrder',
    fields: [u64('symbolId'), u64('accountId'), u64('price', { optional: true, doc: 'stop-market' }), u64('quantity'), u64('stopPrice'),
      enumU8('side', Side), enumU8('orderType', OrderType), enumU8('timeInForce', TimeInForce),
      enumU8('selfTrade', SelfTradePrevention, { optional: true, defaultValue: SelfTradePrevention.NONE })],
    list: NONE, readOnly: false, admin: false, result: 'order',
    doc: 'Places a stop-market or stop-limit order; it waits for a trade at or beyond its stop price.' },
  { type: 47, name: 'PLACE_OCO_ORDER', json: 'placeOcoOrder',
    fields: [u64('symbolId'), u64('accountId'), u64('price'), u64('quantity'), u64('stopPrice'), enumU8('side', Side),
      enumU8('selfTrade', SelfTradePrevention, { optional: true, defaultValue: SelfTradePrevention.NONE })],
    list: NONE, readOnly: false, admin: false, result: 'order',
    doc: 'Places a limit order and a stop-market order as one: a fill or trigger of one cancels the other.' },
  { type: 48, name: 'CANCEL_ALL_ORDERS', json: 'cancelAllOrders',
    fields: [u64('accountId', { optional: true, doc: 'every account of the caller' }), u64('symbolId', { optional: true, doc: 'every symbol' })],
    list: NONE, readOnly: false, admin: false, result: 'cancelAll',
    doc: 'Cancels the resting orders and untriggered stops of an account (or all the caller\'s), per symbol or all.' },
  // ---- margin ---------------------------------------------------------------------------------------
  { type: 50, name: 'SET_MARGIN', json: 'setMargin',
    fields: [u64('symbolId'), u32('initialMarginBps'), u32('maintenanceMarginBps')],
    list: NONE, readOnly: false, admin: true, result: null,
    doc: 'Sets a symbol\'s initial and maintenance margin for short selling (basis points; 0 and 0 = no shorts).' },
  { type: 51, name: 'GET_POSITION', json: 'getPosition', fields: [u64('symbolId'), u64('accountId')],
    list: NONE, readOnly: true, admin: false, result: 'position',
    doc: 'Reads an account\'s short position, collateral and maintenance requirement in a symbol.' },
  // ---- operator -------------------------------------------------------------------------------------
  { type: 90, name: 'SNAPSHOT', json: 'snapshot', fields: [],
    list: NONE, readOnly: false, admin: true, result: 'snapshot', doc: 'Writes a snapshot at this sequence.' },
  { type: 91, name: 'GET_STATE_HASH', json: 'getStateHash', fields: [],
    list: NONE, readOnly: true, admin: true, result: 'stateHash',
    doc: 'Hashes the whole state (~100 ms with the default capacities; an operator\'s tool).' },
  { type: 92, name: 'SET_QUOTA', json: 'setQuota', fields: [u64('principalId'), u64('limit'), enumU8('quota', QuotaKind)],
    list: NONE, readOnly: false, admin: true, result: null,
    doc: 'Sets one principal\'s limit for one quota (accounts, items, events, seats, pending_transfers).' },
  { type: 93, name: 'RESERVE_IDS', json: 'reserveIds',
    fields: [u64('principalId'), u64('firstId'), u64('lastId'), enumU8('idKind', QuotaKind)],
    list: NONE, readOnly: false, admin: true, result: null,
    doc: 'Reserves the ids firstId..lastId of one kind (accounts, items, events, pending_transfers) for one principal: nobody else may create them.' },
  { type: 94, name: 'CREATE_PRINCIPAL', json: 'createPrincipal', fields: [u32('admin'), ...KEY_DIGEST_FIELDS],
    list: NONE, readOnly: false, admin: true, result: 'principal',
    doc: 'Creates a principal with the next id (never reused) and the SHA-256 of its key\'s secret (`ringline principal add --url`).' },
  { type: 95, name: 'REVOKE_PRINCIPAL', json: 'revokePrincipal', fields: [u64('principalId')],
    list: NONE, readOnly: false, admin: true, result: 'principal',
    doc: 'Revokes a principal for good: its keys and its open sessions are refused on every node.' },
  { type: 96, name: 'ROTATE_PRINCIPAL_KEY', json: 'rotatePrincipalKey', fields: [u64('principalId'), ...KEY_DIGEST_FIELDS],
    list: NONE, readOnly: false, admin: true, result: 'principal',
    doc: 'Replaces a principal\'s key by the SHA-256 of a new secret; the old key stops working.' },
] as const satisfies readonly CommandRow[];

export type CommandRows = typeof COMMAND_ROWS;
export type AnyCommandRow = CommandRows[number];

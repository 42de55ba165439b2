/**
 * Every command once: its wire table (codec/ringline.fbs), its JSON name and fields, and where each
 * field lands in the input record (codec/records/command_descriptor.ts). The union member number of
 * a command on the wire is its record command type.
 */
import {
  AmendOrder, Buy, CancelOrder, Checkout, CommandType, CreateAccount, CreateAsset, CreateEvent, CreateItem,
  CreateSymbol, Deposit, GetBalance, GetDepth, GetItem, GetOrder, GetSeat, PlaceOrder, Restock, SeatList, Transfer,
  TransferPost, TransferReserve, TransferVoid, Withdraw, EMPTY_BODY_BYTES, READ_ONLY_COMMANDS,
} from '../records/command_descriptor.ts';
import { ORDER_TYPE_ENUM, SELF_TRADE_ENUM, SIDE_ENUM, TIME_IN_FORCE_ENUM } from './enum_spec.ts';
import { FieldKind, fields, type FieldSpec } from './field_spec.ts';

/** Union member of Login: handled by the gateway, never a record. */
export const LOGIN_UNION_TYPE = 1;

/** Repeated parts of a command after its scalar fields. */
export const ListKind = {
  NONE: 0,
  /** BOOK_SEATS / RELEASE_SEATS: `seats: [uint32]` at wire index 2. */
  SEATS: 1,
  /** CHECKOUT: `lines: [CheckoutLine]` at wire index 2, `seats: [uint32]` at wire index 3. */
  CHECKOUT: 2,
} as const;
export type ListKind = (typeof ListKind)[keyof typeof ListKind];

export interface CommandSpec {
  readonly type: CommandType;
  /** JSON `type` (camelCase), e.g. "transferReserve". */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly list: ListKind;
  /** Record bytes without lists (aligned); lists add to it. */
  readonly fixedBytes: number;
  readonly readOnly: boolean;
  /** "bookSeats.seats": names the seat list in messages without building a string per record. */
  readonly seatsPath: string;
}

const { U64, U32_AS_F64, ENUM_U8 } = FieldKind;
const opt = { optional: true } as const;

function command(
  type: CommandType, name: string, fixedBytes: number,
  list: Parameters<typeof fields>[1], listKind: ListKind = ListKind.NONE,
): CommandSpec {
  return {
    type, name, fields: fields(name, list), list: listKind, fixedBytes, readOnly: READ_ONLY_COMMANDS.has(type),
    seatsPath: `${name}.seats`,
  };
}

export const COMMAND_SPECS: readonly CommandSpec[] = [
  command(CommandType.CREATE_ASSET, 'createAsset', CreateAsset.BYTES, [['assetId', U64, CreateAsset.ASSET_ID]]),
  command(CommandType.CREATE_ACCOUNT, 'createAccount', CreateAccount.BYTES, [
    ['accountId', U64, CreateAccount.ACCOUNT_ID], ['ownerPrincipalId', U64, CreateAccount.OWNER_PRINCIPAL_ID, opt]]),
  command(CommandType.DEPOSIT, 'deposit', Deposit.BYTES, [
    ['accountId', U64, Deposit.ACCOUNT_ID], ['assetId', U64, Deposit.ASSET_ID], ['amount', U64, Deposit.AMOUNT]]),
  command(CommandType.WITHDRAW, 'withdraw', Withdraw.BYTES, [
    ['accountId', U64, Withdraw.ACCOUNT_ID], ['assetId', U64, Withdraw.ASSET_ID], ['amount', U64, Withdraw.AMOUNT]]),
  command(CommandType.TRANSFER, 'transfer', Transfer.BYTES, [
    ['fromAccountId', U64, Transfer.FROM_ACCOUNT_ID], ['toAccountId', U64, Transfer.TO_ACCOUNT_ID],
    ['assetId', U64, Transfer.ASSET_ID], ['amount', U64, Transfer.AMOUNT]]),
  command(CommandType.TRANSFER_RESERVE, 'transferReserve', TransferReserve.BYTES, [
    ['transferId', U64, TransferReserve.TRANSFER_ID], ['fromAccountId', U64, TransferReserve.FROM_ACCOUNT_ID],
    ['toAccountId', U64, TransferReserve.TO_ACCOUNT_ID], ['assetId', U64, TransferReserve.ASSET_ID],
    ['amount', U64, TransferReserve.AMOUNT]]),
  command(CommandType.TRANSFER_POST, 'transferPost', TransferPost.BYTES, [
    ['transferId', U64, TransferPost.TRANSFER_ID], ['amount', U64, TransferPost.AMOUNT, opt]]),
  command(CommandType.TRANSFER_VOID, 'transferVoid', TransferVoid.BYTES, [
    ['transferId', U64, TransferVoid.TRANSFER_ID]]),
  command(CommandType.GET_BALANCE, 'getBalance', GetBalance.BYTES, [
    ['accountId', U64, GetBalance.ACCOUNT_ID], ['assetId', U64, GetBalance.ASSET_ID]]),
  command(CommandType.CREATE_ITEM, 'createItem', CreateItem.BYTES, [
    ['itemId', U64, CreateItem.ITEM_ID], ['merchantAccountId', U64, CreateItem.MERCHANT_ACCOUNT_ID],
    ['priceAssetId', U64, CreateItem.PRICE_ASSET_ID], ['unitPrice', U64, CreateItem.UNIT_PRICE],
    ['stock', U64, CreateItem.STOCK]]),
  command(CommandType.RESTOCK, 'restock', Restock.BYTES, [
    ['itemId', U64, Restock.ITEM_ID], ['quantity', U64, Restock.QUANTITY]]),
  command(CommandType.BUY, 'buy', Buy.BYTES, [
    ['itemId', U64, Buy.ITEM_ID], ['buyerAccountId', U64, Buy.BUYER_ACCOUNT_ID], ['quantity', U64, Buy.QUANTITY],
    ['maxUnitPrice', U64, Buy.MAX_UNIT_PRICE, opt]]),
  command(CommandType.CREATE_EVENT, 'createEvent', CreateEvent.BYTES, [
    ['eventId', U64, CreateEvent.EVENT_ID], ['merchantAccountId', U64, CreateEvent.MERCHANT_ACCOUNT_ID],
    ['priceAssetId', U64, CreateEvent.PRICE_ASSET_ID], ['seatPrice', U64, CreateEvent.SEAT_PRICE],
    ['seatCount', U32_AS_F64, CreateEvent.SEAT_COUNT]]),
  command(CommandType.BOOK_SEATS, 'bookSeats', SeatList.FIXED_BYTES, [
    ['eventId', U64, SeatList.EVENT_ID], ['buyerAccountId', U64, SeatList.ACCOUNT_ID]], ListKind.SEATS),
  command(CommandType.RELEASE_SEATS, 'releaseSeats', SeatList.FIXED_BYTES, [
    ['eventId', U64, SeatList.EVENT_ID], ['holderAccountId', U64, SeatList.ACCOUNT_ID]], ListKind.SEATS),
  command(CommandType.GET_ITEM, 'getItem', GetItem.BYTES, [['itemId', U64, GetItem.ITEM_ID]]),
  command(CommandType.GET_SEAT, 'getSeat', GetSeat.BYTES, [
    ['eventId', U64, GetSeat.EVENT_ID], ['seat', U32_AS_F64, GetSeat.SEAT]]),
  command(CommandType.CHECKOUT, 'checkout', Checkout.FIXED_BYTES, [
    ['buyerAccountId', U64, Checkout.BUYER_ACCOUNT_ID], ['eventId', U64, Checkout.EVENT_ID, opt]], ListKind.CHECKOUT),
  command(CommandType.CREATE_SYMBOL, 'createSymbol', CreateSymbol.BYTES, [
    ['symbolId', U64, CreateSymbol.SYMBOL_ID], ['baseAssetId', U64, CreateSymbol.BASE_ASSET_ID],
    ['quoteAssetId', U64, CreateSymbol.QUOTE_ASSET_ID], ['tickSize', U64, CreateSymbol.TICK_SIZE],
    ['lotSize', U64, CreateSymbol.LOT_SIZE]]),
  command(CommandType.PLACE_ORDER, 'placeOrder', PlaceOrder.BYTES, [
    ['symbolId', U64, PlaceOrder.SYMBOL_ID], ['accountId', U64, PlaceOrder.ACCOUNT_ID],
    ['price', U64, PlaceOrder.PRICE, opt], ['quantity', U64, PlaceOrder.QUANTITY],
    ['side', ENUM_U8, PlaceOrder.SIDE_U8, { enumSpec: SIDE_ENUM }],
    ['orderType', ENUM_U8, PlaceOrder.ORDER_TYPE_U8, { enumSpec: ORDER_TYPE_ENUM, optional: true, defaultValue: 1 }],
    ['timeInForce', ENUM_U8, PlaceOrder.TIME_IN_FORCE_U8,
      { enumSpec: TIME_IN_FORCE_ENUM, optional: true, defaultValue: 1 }],
    ['selfTrade', ENUM_U8, PlaceOrder.SELF_TRADE_U8, { enumSpec: SELF_TRADE_ENUM, optional: true, defaultValue: 0 }]]),
  command(CommandType.CANCEL_ORDER, 'cancelOrder', CancelOrder.BYTES, [
    ['symbolId', U64, CancelOrder.SYMBOL_ID], ['orderId', U64, CancelOrder.ORDER_ID]]),
  command(CommandType.AMEND_ORDER, 'amendOrder', AmendOrder.BYTES, [
    ['symbolId', U64, AmendOrder.SYMBOL_ID], ['orderId', U64, AmendOrder.ORDER_ID],
    ['newPrice', U64, AmendOrder.NEW_PRICE], ['newQuantity', U64, AmendOrder.NEW_QUANTITY]]),
  command(CommandType.GET_ORDER, 'getOrder', GetOrder.BYTES, [
    ['symbolId', U64, GetOrder.SYMBOL_ID], ['orderId', U64, GetOrder.ORDER_ID]]),
  command(CommandType.GET_DEPTH, 'getDepth', GetDepth.BYTES, [
    ['symbolId', U64, GetDepth.SYMBOL_ID], ['levels', U32_AS_F64, GetDepth.LEVELS]]),
  command(CommandType.SNAPSHOT, 'snapshot', EMPTY_BODY_BYTES, []),
  command(CommandType.GET_STATE_HASH, 'getStateHash', EMPTY_BODY_BYTES, []),
];

/** Spec by union member / command type (0–255); undefined for numbers that are not commands. */
export const COMMAND_SPEC_BY_TYPE: ReadonlyArray<CommandSpec | undefined> = (() => {
  const table = new Array<CommandSpec | undefined>(256).fill(undefined);
  for (const spec of COMMAND_SPECS) table[spec.type] = spec;
  return table;
})();

const BY_NAME = new Map(COMMAND_SPECS.map((spec) => [spec.name, spec]));
export function commandSpecByName(name: string): CommandSpec | undefined {
  return BY_NAME.get(name);
}

// ---- load-time checks: every command type has exactly one spec, fields fit the record ------------------
for (const type of Object.values(CommandType)) {
  const spec = COMMAND_SPEC_BY_TYPE[type];
  if (spec === undefined || spec.type !== type) throw new Error(`command spec: type ${type} has no spec`);
  if ((type as number) === LOGIN_UNION_TYPE || type > 255) throw new Error(`command spec: type ${type} cannot be a union member`);
  for (const field of spec.fields) {
    const bytes = field.kind === FieldKind.ENUM_U8 ? 1 : 8;
    if (field.recordOffset + bytes > spec.fixedBytes) throw new Error(`command spec: ${field.path} outside the record`);
    if (bytes === 8 && field.recordOffset % 8 !== 0) throw new Error(`command spec: ${field.path} misaligned`);
  }
}
if (COMMAND_SPECS.length !== Object.keys(CommandType).length) throw new Error('command spec: duplicate command types');

/**
 * Builds input records from plain command descriptions: for tests, benches and tools (it allocates
 * nothing per record it writes but takes plain objects, so it is not for the gateway's hot path —
 * the codec translates the wire format into records itself).
 *
 *   const buf = createRecordBuffer(new ArrayBuffer(1 << 16));
 *   const length = writeCommand(buf, 0, { sequence: 1, principalId: 7 }, { kind: 'transfer', ... });
 */
import type { RecordBuffer } from '../../codec/records/record_buffer.ts';
import { alignRecordBytes } from '../../codec/records/record_buffer.ts';
import {
  AmendOrder, Buy, CancelOrder, Checkout, CMD_CORRELATION_ID_OFFSET, CMD_FLAG_ADMIN, CMD_FLAG_READ_ONLY,
  CMD_FLAGS_OFFSET, CMD_HEADER_BYTES, CMD_IDEMPOTENCY_ID_OFFSET, CMD_LENGTH_OFFSET, CMD_MAX_RECORD_BYTES,
  CMD_PRINCIPAL_ID_OFFSET, CMD_SEQUENCE_OFFSET, CMD_SESSION_ID_OFFSET, CMD_TIMESTAMP_US_OFFSET, CMD_TYPE_OFFSET,
  CommandType, CreateAccount, CreateAsset, CreateEvent, CreateItem, CreateSymbol, Deposit, GetBalance, GetDepth,
  GetItem, GetOrder, GetSeat, PlaceOrder, READ_ONLY_COMMANDS, Restock, SeatList, Transfer, TransferPost,
  TransferReserve, TransferVoid,
} from '../../codec/records/command_descriptor.ts';

export interface CommandHeader {
  readonly sequence: number;
  readonly principalId: number;
  readonly admin?: boolean;
  readonly sessionId?: number;
  readonly correlationId?: number;
  readonly idempotencyId?: number;
  readonly timestampUs?: number;
}

export interface CheckoutLine {
  readonly itemId: number;
  readonly quantity: number;
}

export type CommandSpec =
  | { readonly kind: 'createAsset'; readonly assetId: number }
  | { readonly kind: 'createAccount'; readonly accountId: number; readonly ownerPrincipalId?: number }
  | { readonly kind: 'deposit' | 'withdraw'; readonly accountId: number; readonly assetId: number; readonly amount: number }
  | { readonly kind: 'transfer'; readonly fromAccountId: number; readonly toAccountId: number; readonly assetId: number; readonly amount: number }
  | {
    readonly kind: 'transferReserve'; readonly transferId: number; readonly fromAccountId: number;
    readonly toAccountId: number; readonly assetId: number; readonly amount: number;
  }
  | { readonly kind: 'transferPost'; readonly transferId: number; readonly amount: number }
  | { readonly kind: 'transferVoid'; readonly transferId: number }
  | { readonly kind: 'getBalance'; readonly accountId: number; readonly assetId: number }
  | {
    readonly kind: 'createItem'; readonly itemId: number; readonly merchantAccountId: number;
    readonly priceAssetId: number; readonly unitPrice: number; readonly stock: number;
  }
  | { readonly kind: 'restock'; readonly itemId: number; readonly quantity: number }
  | { readonly kind: 'buy'; readonly itemId: number; readonly buyerAccountId: number; readonly quantity: number; readonly maxUnitPrice?: number }
  | {
    readonly kind: 'createEvent'; readonly eventId: number; readonly merchantAccountId: number;
    readonly priceAssetId: number; readonly seatPrice: number; readonly seatCount: number;
  }
  | { readonly kind: 'bookSeats' | 'releaseSeats'; readonly eventId: number; readonly accountId: number; readonly seats: readonly number[] }
  | { readonly kind: 'getItem'; readonly itemId: number }
  | { readonly kind: 'getSeat'; readonly eventId: number; readonly seat: number }
  | {
    readonly kind: 'checkout'; readonly buyerAccountId: number; readonly eventId?: number;
    readonly lines?: readonly CheckoutLine[]; readonly seats?: readonly number[];
  }
  | {
    readonly kind: 'createSymbol'; readonly symbolId: number; readonly baseAssetId: number;
    readonly quoteAssetId: number; readonly tickSize: number; readonly lotSize: number;
  }
  | {
    readonly kind: 'placeOrder'; readonly symbolId: number; readonly accountId: number; readonly price: number;
    readonly quantity: number; readonly side: number; readonly orderType: number; readonly timeInForce: number;
    readonly selfTrade?: number;
  }
  | { readonly kind: 'cancelOrder'; readonly symbolId: number; readonly orderId: number }
  | { readonly kind: 'amendOrder'; readonly symbolId: number; readonly orderId: number; readonly newPrice: number; readonly newQuantity: number }
  | { readonly kind: 'getOrder'; readonly symbolId: number; readonly orderId: number }
  | { readonly kind: 'getDepth'; readonly symbolId: number; readonly levels: number }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'getStateHash' };

export type PlaceOrderSpec = Extract<CommandSpec, { kind: 'placeOrder' }>;

export const COMMAND_TYPE_OF_KIND: Readonly<Record<CommandSpec['kind'], number>> = {
  createAsset: CommandType.CREATE_ASSET,
  createAccount: CommandType.CREATE_ACCOUNT,
  deposit: CommandType.DEPOSIT,
  withdraw: CommandType.WITHDRAW,
  transfer: CommandType.TRANSFER,
  transferReserve: CommandType.TRANSFER_RESERVE,
  transferPost: CommandType.TRANSFER_POST,
  transferVoid: CommandType.TRANSFER_VOID,
  getBalance: CommandType.GET_BALANCE,
  createItem: CommandType.CREATE_ITEM,
  restock: CommandType.RESTOCK,
  buy: CommandType.BUY,
  createEvent: CommandType.CREATE_EVENT,
  bookSeats: CommandType.BOOK_SEATS,
  releaseSeats: CommandType.RELEASE_SEATS,
  getItem: CommandType.GET_ITEM,
  getSeat: CommandType.GET_SEAT,
  checkout: CommandType.CHECKOUT,
  createSymbol: CommandType.CREATE_SYMBOL,
  placeOrder: CommandType.PLACE_ORDER,
  cancelOrder: CommandType.CANCEL_ORDER,
  amendOrder: CommandType.AMEND_ORDER,
  getOrder: CommandType.GET_ORDER,
  getDepth: CommandType.GET_DEPTH,
  snapshot: CommandType.SNAPSHOT,
  getStateHash: CommandType.GET_STATE_HASH,
};

/** Writes one record at byte offset `base` (8-byte aligned) and returns its length in bytes. */
export function writeCommand(buf: RecordBuffer, base: number, header: CommandHeader, spec: CommandSpec): number {
  if (base % 8 !== 0) throw new RangeError(`writeCommand: base ${base} must be 8-byte aligned`);
  const type = COMMAND_TYPE_OF_KIND[spec.kind];
  const f = (offset: number, value: number): void => {
    buf.f64[(base + offset) >>> 3] = value;
  };
  const u32 = (offset: number, value: number): void => {
    buf.u32[(base + offset) >>> 2] = value;
  };
  let length: number;
  switch (spec.kind) {
    case 'createAsset':
      f(CreateAsset.ASSET_ID, spec.assetId);
      length = CreateAsset.BYTES;
      break;
    case 'createAccount':
      f(CreateAccount.ACCOUNT_ID, spec.accountId);
      f(CreateAccount.OWNER_PRINCIPAL_ID, spec.ownerPrincipalId ?? 0);
      length = CreateAccount.BYTES;
      break;
    case 'deposit':
    case 'withdraw':
      f(Deposit.ACCOUNT_ID, spec.accountId);
      f(Deposit.ASSET_ID, spec.assetId);
      f(Deposit.AMOUNT, spec.amount);
      length = Deposit.BYTES;
      break;
    case 'transfer':
      f(Transfer.FROM_ACCOUNT_ID, spec.fromAccountId);
      f(Transfer.TO_ACCOUNT_ID, spec.toAccountId);
      f(Transfer.ASSET_ID, spec.assetId);
      f(Transfer.AMOUNT, spec.amount);
      length = Transfer.BYTES;
      break;
    case 'transferReserve':
      f(TransferReserve.TRANSFER_ID, spec.transferId);
      f(TransferReserve.FROM_ACCOUNT_ID, spec.fromAccountId);
      f(TransferReserve.TO_ACCOUNT_ID, spec.toAccountId);
      f(TransferReserve.ASSET_ID, spec.assetId);
      f(TransferReserve.AMOUNT, spec.amount);
      length = TransferReserve.BYTES;
      break;
    case 'transferPost':
      f(TransferPost.TRANSFER_ID, spec.transferId);
      f(TransferPost.AMOUNT, spec.amount);
      length = TransferPost.BYTES;
      break;
    case 'transferVoid':
      f(TransferVoid.TRANSFER_ID, spec.transferId);
      length = TransferVoid.BYTES;
      break;
    case 'getBalance':
      f(GetBalance.ACCOUNT_ID, spec.accountId);
      f(GetBalance.ASSET_ID, spec.assetId);
      length = GetBalance.BYTES;
      break;
    case 'createItem':
      f(CreateItem.ITEM_ID, spec.itemId);
      f(CreateItem.MERCHANT_ACCOUNT_ID, spec.merchantAccountId);
      f(CreateItem.PRICE_ASSET_ID, spec.priceAssetId);
      f(CreateItem.UNIT_PRICE, spec.unitPrice);
      f(CreateItem.STOCK, spec.stock);
      length = CreateItem.BYTES;
      break;
    case 'restock':
      f(Restock.ITEM_ID, spec.itemId);
      f(Restock.QUANTITY, spec.quantity);
      length = Restock.BYTES;
      break;
    case 'buy':
      f(Buy.ITEM_ID, spec.itemId);
      f(Buy.BUYER_ACCOUNT_ID, spec.buyerAccountId);
      f(Buy.QUANTITY, spec.quantity);
      f(Buy.MAX_UNIT_PRICE, spec.maxUnitPrice ?? 0);
      length = Buy.BYTES;
      break;
    case 'createEvent':
      f(CreateEvent.EVENT_ID, spec.eventId);
      f(CreateEvent.MERCHANT_ACCOUNT_ID, spec.merchantAccountId);
      f(CreateEvent.PRICE_ASSET_ID, spec.priceAssetId);
      f(CreateEvent.SEAT_PRICE, spec.seatPrice);
      f(CreateEvent.SEAT_COUNT, spec.seatCount);
      length = CreateEvent.BYTES;
      break;
    case 'bookSeats':
    case 'releaseSeats':
      f(SeatList.EVENT_ID, spec.eventId);
      f(SeatList.ACCOUNT_ID, spec.accountId);
      u32(SeatList.SEAT_COUNT_U32, spec.seats.length);
      u32(SeatList.SEAT_COUNT_U32 + 4, 0);
      for (let i = 0; i < spec.seats.length; i++) u32(SeatList.SEATS_U32 + 4 * i, spec.seats[i]);
      length = SeatList.FIXED_BYTES + 4 * spec.seats.length;
      break;
    case 'getItem':
      f(GetItem.ITEM_ID, spec.itemId);
      length = GetItem.BYTES;
      break;
    case 'getSeat':
      f(GetSeat.EVENT_ID, spec.eventId);
      f(GetSeat.SEAT, spec.seat);
      length = GetSeat.BYTES;
      break;
    case 'checkout': {
      const lines = spec.lines ?? [];
      const seats = spec.seats ?? [];
      f(Checkout.BUYER_ACCOUNT_ID, spec.buyerAccountId);
      f(Checkout.EVENT_ID, spec.eventId ?? 0);
      u32(Checkout.LINE_COUNT_U32, lines.length);
      u32(Checkout.SEAT_COUNT_U32, seats.length);
      for (let i = 0; i < lines.length; i++) {
        f(Checkout.LINES + Checkout.LINE_BYTES * i + Checkout.LINE_ITEM_ID, lines[i].itemId);
        f(Checkout.LINES + Checkout.LINE_BYTES * i + Checkout.LINE_QUANTITY, lines[i].quantity);
      }
      const seatBase = Checkout.LINES + Checkout.LINE_BYTES * lines.length;
      for (let i = 0; i < seats.length; i++) u32(seatBase + 4 * i, seats[i]);
      length = seatBase + 4 * seats.length;
      break;
    }
    case 'createSymbol':
      f(CreateSymbol.SYMBOL_ID, spec.symbolId);
      f(CreateSymbol.BASE_ASSET_ID, spec.baseAssetId);
      f(CreateSymbol.QUOTE_ASSET_ID, spec.quoteAssetId);
      f(CreateSymbol.TICK_SIZE, spec.tickSize);
      f(CreateSymbol.LOT_SIZE, spec.lotSize);
      length = CreateSymbol.BYTES;
      break;
    case 'placeOrder':
      f(PlaceOrder.SYMBOL_ID, spec.symbolId);
      f(PlaceOrder.ACCOUNT_ID, spec.accountId);
      f(PlaceOrder.PRICE, spec.price);
      f(PlaceOrder.QUANTITY, spec.quantity);
      u32(PlaceOrder.SIDE_U8 + 4, 0);
      buf.bytes[base + PlaceOrder.SIDE_U8] = spec.side;
      buf.bytes[base + PlaceOrder.ORDER_TYPE_U8] = spec.orderType;
      buf.bytes[base + PlaceOrder.TIME_IN_FORCE_U8] = spec.timeInForce;
      buf.bytes[base + PlaceOrder.SELF_TRADE_U8] = spec.selfTrade ?? 0;
      length = PlaceOrder.BYTES;
      break;
    case 'cancelOrder':
      f(CancelOrder.SYMBOL_ID, spec.symbolId);
      f(CancelOrder.ORDER_ID, spec.orderId);
      length = CancelOrder.BYTES;
      break;
    case 'amendOrder':
      f(AmendOrder.SYMBOL_ID, spec.symbolId);
      f(AmendOrder.ORDER_ID, spec.orderId);
      f(AmendOrder.NEW_PRICE, spec.newPrice);
      f(AmendOrder.NEW_QUANTITY, spec.newQuantity);
      length = AmendOrder.BYTES;
      break;
    case 'getOrder':
      f(GetOrder.SYMBOL_ID, spec.symbolId);
      f(GetOrder.ORDER_ID, spec.orderId);
      length = GetOrder.BYTES;
      break;
    case 'getDepth':
      f(GetDepth.SYMBOL_ID, spec.symbolId);
      f(GetDepth.LEVELS, spec.levels);
      length = GetDepth.BYTES;
      break;
    case 'snapshot':
    case 'getStateHash':
      length = CMD_HEADER_BYTES;
      break;
  }
  length = alignRecordBytes(length);
  if (length > CMD_MAX_RECORD_BYTES) throw new RangeError(`writeCommand: ${spec.kind} needs ${length} bytes > ${CMD_MAX_RECORD_BYTES}`);
  let flags = header.admin === true ? CMD_FLAG_ADMIN : 0;
  if (READ_ONLY_COMMANDS.has(type)) flags |= CMD_FLAG_READ_ONLY;
  u32(CMD_LENGTH_OFFSET, length);
  buf.u16[(base + CMD_TYPE_OFFSET) >>> 1] = type;
  buf.u16[(base + CMD_FLAGS_OFFSET) >>> 1] = flags;
  f(CMD_SEQUENCE_OFFSET, header.sequence);
  f(CMD_TIMESTAMP_US_OFFSET, header.timestampUs ?? 0);
  u32(CMD_SESSION_ID_OFFSET, header.sessionId ?? 0);
  u32(CMD_PRINCIPAL_ID_OFFSET, header.principalId);
  f(CMD_CORRELATION_ID_OFFSET, header.correlationId ?? 0);
  f(CMD_IDEMPOTENCY_ID_OFFSET, header.idempotencyId ?? 0);
  return length;
}

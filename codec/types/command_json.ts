/**
 * The typed form of every command: what the TypeScript client passes to encodeRequest, what HTTP/JSON
 * bodies parse to, and what the replay CLI prints for a journal record. All integers are safe integers
 * (0 … 2^53 - 1). The field names and the `type` names are the JSON shape (documented in .readme/codec.md).
 */
export type SideName = 'buy' | 'sell';
export type OrderTypeName = 'limit' | 'market';
export type TimeInForceName = 'gtc' | 'ioc' | 'fok';
export type SelfTradeName = 'none' | 'cancel_resting';

/** Carried by every command; both default to 0 (0 = no idempotency id). */
export interface RequestIds {
  correlationId?: number;
  idempotencyId?: number;
}

export interface CheckoutLineJson { itemId: number; quantity: number }

export type CommandBody =
  | { type: 'createAsset'; assetId: number }
  | { type: 'createAccount'; accountId: number; ownerPrincipalId?: number }
  | { type: 'deposit'; accountId: number; assetId: number; amount: number }
  | { type: 'withdraw'; accountId: number; assetId: number; amount: number }
  | { type: 'transfer'; fromAccountId: number; toAccountId: number; assetId: number; amount: number }
  | { type: 'transferReserve'; transferId: number; fromAccountId: number; toAccountId: number; assetId: number;
    amount: number }
  | { type: 'transferPost'; transferId: number; amount?: number }
  | { type: 'transferVoid'; transferId: number }
  | { type: 'getBalance'; accountId: number; assetId: number }
  | { type: 'createItem'; itemId: number; merchantAccountId: number; priceAssetId: number; unitPrice: number;
    stock: number }
  | { type: 'restock'; itemId: number; quantity: number }
  | { type: 'buy'; itemId: number; buyerAccountId: number; quantity: number; maxUnitPrice?: number }
  | { type: 'createEvent'; eventId: number; merchantAccountId: number; priceAssetId: number; seatPrice: number;
    seatCount: number }
  | { type: 'bookSeats'; eventId: number; buyerAccountId: number; seats: number[] }
  | { type: 'releaseSeats'; eventId: number; holderAccountId: number; seats: number[] }
  | { type: 'getItem'; itemId: number }
  | { type: 'getSeat'; eventId: number; seat: number }
  | { type: 'checkout'; buyerAccountId: number; eventId?: number; lines?: CheckoutLineJson[]; seats?: number[] }
  | { type: 'createSymbol'; symbolId: number; baseAssetId: number; quoteAssetId: number; tickSize: number;
    lotSize: number }
  | { type: 'placeOrder'; symbolId: number; accountId: number; price?: number; quantity: number; side: SideName;
    orderType?: OrderTypeName; timeInForce?: TimeInForceName; selfTrade?: SelfTradeName }
  | { type: 'cancelOrder'; symbolId: number; orderId: number }
  | { type: 'amendOrder'; symbolId: number; orderId: number; newPrice: number; newQuantity: number }
  | { type: 'getOrder'; symbolId: number; orderId: number }
  | { type: 'getDepth'; symbolId: number; levels: number }
  | { type: 'snapshot' }
  | { type: 'getStateHash' };

/** A command the engine runs. */
export type CommandJson = CommandBody & RequestIds;
export type CommandName = CommandBody['type'];

/** Authenticates a connection (the first frame); the gateway handles it. */
export interface LoginJson { type: 'login'; apiKey: string; correlationId?: number }

/** Anything a client sends. */
export type RequestJson = CommandJson | LoginJson;

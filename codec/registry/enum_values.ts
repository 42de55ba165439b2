/**
 * The small enums commands carry in u8 fields (and results in u8 / u32 fields). Their numbers are the schema's (codec/ringline.fbs)
 * and the input record's; their JSON names are the member names in lower case ("cancel_resting").
 * Stable: a value is never reused.
 */
export const Side = { BUY: 1, SELL: 2 } as const;
/** STOP_MARKET and STOP_LIMIT are PLACE_STOP_ORDER's types (and what GET_ORDER reports for a triggered stop). */
export const OrderType = { LIMIT: 1, MARKET: 2, STOP_MARKET: 3, STOP_LIMIT: 4 } as const;
export const TimeInForce = { GTC: 1, IOC: 2, FOK: 3 } as const;
export const SelfTradePrevention = { NONE: 0, CANCEL_RESTING: 1 } as const;
/** Status of an order after the command that touched it (results carry it in a u32); PENDING = a stop order waiting for its trigger. */
export const OrderStatus = { RESTING: 1, FILLED: 2, CANCELLED: 3, PENDING: 4 } as const;

/** The per-principal quotas SET_QUOTA sets (core/logic/principal_quotas.ts; its Quota index is value - 1). */
export const QuotaKind = { ACCOUNTS: 1, ITEMS: 2, EVENTS: 3, SEATS: 4, OPEN_ORDERS: 5, PENDING_TRANSFERS: 6 } as const;

/** An enum as its members: NAME → value. */
export type EnumValues = Readonly<Record<string, number>>;

/**
 * The small enums commands carry in u8 fields. Their numbers are the schema's (codec/ringline.fbs)
 * and the input record's; their JSON names are the member names in lower case ("cancel_resting").
 * Stable: a value is never reused.
 */
export const Side = { BUY: 1, SELL: 2 } as const;
/** STOP_MARKET and STOP_LIMIT are PLACE_STOP_ORDER's types (and what GET_ORDER reports for a triggered stop). */
export const OrderType = { LIMIT: 1, MARKET: 2, STOP_MARKET: 3, STOP_LIMIT: 4 } as const;
export const TimeInForce = { GTC: 1, IOC: 2, FOK: 3 } as const;
export const SelfTradePrevention = { NONE: 0, CANCEL_RESTING: 1 } as const;

/** An enum as its members: NAME → value. */
export type EnumValues = Readonly<Record<string, number>>;

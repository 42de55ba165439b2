/**
 * What a receiver must not see of a fill (event_frame_builder.ts applies it, event_hub.ts chooses it):
 * BLANK_MAKER clears the maker's order, account and principal; BLANK_TAKER the taker's; BLANK_PUBLIC
 * both. A leaf module, so the hot users read these through module-local copies (V8 folds those, not
 * imported or exported bindings: core/logic/order_layout.ts).
 */
export const BLANK_NONE = 0;
export const BLANK_MAKER = 1;
export const BLANK_TAKER = 2;
export const BLANK_PUBLIC = 3;

/**
 * Register indexes: float64 values (prices, quantities, ids) travel between the order modules in small
 * Float64Arrays (Matching.r, Margin.q), never as arguments (see matching.ts). A module of its own, with
 * no imports, so the modules that use them can copy them into module-local constants at load (V8 folds
 * those; an imported binding is read from its module cell at every use: order_layout.ts).
 */
// Registers (indices into Matching.r).
/** Limit price of the taker, or -1 for a market order. */
export const R_LIMIT = 0;
/** Quantity the taker wants. */
export const R_QUANTITY = 1;
/** Quantity filled by the last match. */
export const R_FILLED = 2;
/** A market buy's quote budget for a FOK check, or -1. */
export const R_BUDGET = 3;
/** Order id of the result being written. */
export const R_ORDER_ID = 4;
/** Filled and resting quantity reported in the result. */
export const R_REPORT_FILLED = 5;
export const R_REPORT_RESTING = 6;
/** The order's price as recorded (0 for a market order). */
export const R_PRICE = 7;

// Scratch registers (indices into Margin.q).
/** Quantity of a short sale being checked / borrowed / released, or of base bought in a cover. */
export const Q_QUANTITY = 0;
/** Price of the fill being settled. */
export const Q_PRICE = 1;

/**
 * The small enums carried in u8 / u32 fields, with the names JSON uses. The numbers are the
 * schema's (codec/ringline.fbs) and the records' (command_descriptor.ts, result_descriptor.ts).
 */
import { OrderStatus, OrderType, SelfTradePrevention, Side, TimeInForce } from '../registry/enum_values.ts';

export interface EnumSpec {
  /** For messages: "side". */
  readonly what: string;
  /** JSON name by value; an empty string marks a value that is not valid. */
  readonly names: readonly string[];
}

function enumSpec(what: string, byValue: Readonly<Record<string, number>>): EnumSpec {
  const names: string[] = [];
  for (const [name, value] of Object.entries(byValue)) {
    while (names.length <= value) names.push('');
    names[value] = name.toLowerCase();
  }
  return { what, names };
}

const BY_VALUES = new Map<Readonly<Record<string, number>>, EnumSpec>();
/** One spec per enum: registry rows name the enum's values object, results name the spec. */
export function enumSpecOf(what: string, byValue: Readonly<Record<string, number>>): EnumSpec {
  let spec = BY_VALUES.get(byValue);
  if (spec === undefined) {
    spec = enumSpec(what, byValue);
    BY_VALUES.set(byValue, spec);
  }
  return spec;
}

export const SIDE_ENUM = enumSpecOf('side', Side);
export const ORDER_TYPE_ENUM = enumSpecOf('orderType', OrderType);
export const TIME_IN_FORCE_ENUM = enumSpecOf('timeInForce', TimeInForce);
export const SELF_TRADE_ENUM = enumSpecOf('selfTrade', SelfTradePrevention);
export const ORDER_STATUS_ENUM = enumSpecOf('orderStatus', OrderStatus);

/** True when `value` names a member of the enum. */
export function isEnumValue(spec: EnumSpec, value: number): boolean {
  return value >= 0 && value < spec.names.length && spec.names[value] !== '';
}

/** The value of a JSON name, or -1. */
export function enumValueOf(spec: EnumSpec, name: string): number {
  return name === '' ? -1 : spec.names.indexOf(name);
}

/** The JSON name of a value; an invalid value yields its number (never produced by our writers). */
export function enumName(spec: EnumSpec, value: number): string {
  return isEnumValue(spec, value) ? spec.names[value] : String(value);
}

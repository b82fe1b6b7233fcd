/**
 * Decoded GetRegister replies as reading values: node, property, name,
 * datatype and kind from the register table, the unit from the reply's unit
 * byte, the value as exact decimal text.
 *
 * Floats keep the meter's resolution (`1917.60` for mantissa 191760 and
 * exponent -2, homie-4.md G3/G9). An unknown unit byte does not drop the
 * value: it is published without unit and reported through `onWarning`,
 * since the number itself is exact and the register id says what it is;
 * the caller logs the warning so a wrong-looking unit can be traced.
 * Integer properties take the exact value only when it is whole and fits
 * int64; otherwise the value is left out and reported.
 *
 * Flow in l/h is published in m³/h, shifted by three places (exact), as the
 * Homie layout O2 has it and Home Assistant's volume flow rate accepts.
 */
import type { Value } from "../../reading.ts";
import type { Register } from "./register_codec.ts";
import { shift } from "../../decimal.ts";
import { resolutionText } from "./number.ts";
import { registerRow } from "./registers.ts";
import { unitOf } from "./units.ts";

/** Options of `toValues`. */
export interface ValuesOptions {
  /** Called for each value published without unit or left out, with the reason. */
  onWarning?: (message: string) => void;
}

/** Meter units published in another unit: the unit and the power of ten to shift by. */
const PUBLISHED_UNITS: Readonly<Record<string, { unit: string; exponent: number }>> = {
  "l/h": { unit: "m³/h", exponent: -3 },
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isInt64(text: string): boolean {
  if (text.includes(".")) return false;
  if (text.length < 19) return true;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX;
}

/**
 * Turns decoded registers into reading values, in the order given. See the
 * module comment for unknown units and non-integer integers.
 */
export function toValues(registers: readonly Register[], options: ValuesOptions = {}): Value[] {
  const values: Value[] = [];
  for (const register of registers) {
    const { id: _id, ...quantity } = registerRow(register.id);
    let value: string;
    let unit = unitOf(register.unit);
    if (quantity.datatype === "integer") {
      if (!isInt64(register.value)) {
        options.onWarning?.(
          `register ${register.id}: ${register.value} is no int64 integer; left out`,
        );
        continue;
      }
      value = register.value;
    } else {
      value = resolutionText(register);
      const published = unit === undefined ? undefined : PUBLISHED_UNITS[unit];
      if (published) {
        value = shift(value, published.exponent)!;
        unit = published.unit;
      }
    }
    if (unit === undefined) {
      options.onWarning?.(
        `register ${register.id}: unknown unit byte ${register.unit}; published without unit`,
      );
    }
    values.push(unit ? { ...quantity, unit, value } : { ...quantity, value });
  }
  return values;
}

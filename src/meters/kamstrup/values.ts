/**
 * Decoded GetRegister replies as reading values: node, property, name,
 * datatype and kind from the register table, the unit from the reply's unit
 * byte, the value as exact decimal text.
 *
 * Floats keep the meter's resolution (`1917.60` for mantissa 191760 and
 * exponent -2: the published text keeps trailing zeros). An unknown unit byte does not drop the
 * value: it is published without unit and reported through `onWarning`,
 * since the number itself is exact and the register id says what it is;
 * the caller logs the warning so a wrong-looking unit can be traced.
 * Integer properties take the exact value only when it is whole and fits
 * int64; otherwise the value is left out and reported.
 *
 * Units are published the way consumers read them ({@link PUBLISHED_UNITS}):
 * a meter unit with a factor is scaled exactly to its base unit (`128` l/h
 * is `0.128` m³/h, `26.91` "m³ x 10" is `269.1` m³), spellings become the
 * symbols Home Assistant and openHAB know (`min`, `d`, `L`), a temperature
 * difference in K is a plain number with the unit in its name, and dates
 * and clock times are ISO 8601 strings (`2022-01-12`, `20:02:43`), never a
 * number with a made-up unit.
 */
import type { Value } from "../../reading.ts";
import type { Register } from "./register_codec.ts";
import { shift, whole } from "../../decimal.ts";
import { DATE_UNITS, dateText } from "./dates.ts";
import { resolutionText } from "./number.ts";
import { registerRow } from "./registers.ts";
import { unitOf } from "./units.ts";

/** Options of `toValues`. */
export interface ValuesOptions {
  /** Called for each value published without unit or left out, with the reason. */
  onWarning?: (message: string) => void;
}

/** How a meter unit is published. */
export interface PublishedUnit {
  /** The unit published (Homie `$unit`); none for a plain number. */
  unit?: string;
  /** A unit named only in the property name (see `Quantity.plainUnit`). */
  plainUnit?: string;
  /** Power of ten the value is multiplied by; 0 unless told. */
  exponent?: number;
}

/**
 * Meter units published otherwise than spelt in the unit table; any other
 * unit is published as it is. `K` is only ever a temperature difference on
 * a heat meter (T1 − T2), which openHAB would show as an absolute
 * temperature; RTC, ASCII and bit-field registers are plain numbers.
 */
export const PUBLISHED_UNITS: Readonly<Record<string, PublishedUnit>> = {
  "l/h": { unit: "m³/h", exponent: -3 },
  "m³ x 10": { unit: "m³", exponent: 1 },
  "GJ x 10": { unit: "GJ", exponent: 1 },
  "ton x 10": { unit: "t", exponent: 1 },
  "ton": { unit: "t" },
  "ton/h": { unit: "t/h" },
  "l": { unit: "L" },
  "minutes": { unit: "min" },
  "days": { unit: "d" },
  "Cal": { unit: "cal" },
  "kCal": { unit: "kcal" },
  "K": { plainUnit: "K" },
  "m³xC": { plainUnit: "m³·°C" },
  "Bitfield": {},
  "ASCII": {},
  "RTC": {},
  "RTC-Q": {},
  "Datetime": {},
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
 * module comment for units, dates, unknown units and non-integer integers.
 */
export function toValues(registers: readonly Register[], options: ValuesOptions = {}): Value[] {
  const values: Value[] = [];
  for (const register of registers) {
    const { id: _id, ...quantity } = registerRow(register.id);
    const meterUnit = unitOf(register.unit);
    if (meterUnit !== undefined && DATE_UNITS.has(meterUnit)) {
      const digits = whole(register.value);
      const text = digits === undefined ? undefined : dateText(meterUnit, digits);
      if (text === undefined) {
        options.onWarning?.(
          `register ${register.id}: ${register.value} is no ${meterUnit} date or time; left out`,
        );
        continue;
      }
      values.push({ ...quantity, datatype: "string", value: text });
      continue;
    }
    if (meterUnit === undefined) {
      options.onWarning?.(
        `register ${register.id}: unknown unit byte ${register.unit}; published without unit`,
      );
    }
    const published: PublishedUnit = meterUnit === undefined
      ? {}
      : PUBLISHED_UNITS[meterUnit] ?? (meterUnit === "" ? {} : { unit: meterUnit });
    const raw = quantity.datatype === "integer" ? register.value : resolutionText(register);
    const value = shift(raw, published.exponent ?? 0)!;
    if (quantity.datatype === "integer" && !isInt64(value)) {
      options.onWarning?.(`register ${register.id}: ${value} is no int64 integer; left out`);
      continue;
    }
    const out: Value = { ...quantity, value };
    if (published.unit) out.unit = published.unit;
    if (published.plainUnit) {
      out.plainUnit = published.plainUnit;
      out.name = `${quantity.name} (${published.plainUnit})`;
    }
    values.push(out);
  }
  return values;
}

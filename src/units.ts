/**
 * Exact unit conversion between what a meter sends and what smr publishes:
 * `Wh` → `kWh`, `kW` → `W`, `varh` → `kvarh`, `kvar` → `var`, done with a
 * decimal `shift`, never through float64.
 *
 * Units compare case-insensitively (`kVArh`, `kvarh`, `kwh` in the spec
 * example), which is safe for the symbols listed here; prefixes that case
 * would make ambiguous (`m` milli vs `M` mega) are simply not listed, so an
 * `MWh` register gives no value rather than a wrong one.
 */
import { shift } from "./decimal.ts";

/** A unit as a base dimension and a power-of-ten multiplier of its base unit. */
interface Scale {
  dimension: string;
  exponent: number;
}

/** Known units by lower-case symbol. */
const UNITS: ReadonlyMap<string, Scale> = new Map(Object.entries({
  "wh": { dimension: "active energy", exponent: 0 },
  "kwh": { dimension: "active energy", exponent: 3 },
  "w": { dimension: "active power", exponent: 0 },
  "kw": { dimension: "active power", exponent: 3 },
  "varh": { dimension: "reactive energy", exponent: 0 },
  "kvarh": { dimension: "reactive energy", exponent: 3 },
  "var": { dimension: "reactive power", exponent: 0 },
  "kvar": { dimension: "reactive power", exponent: 3 },
  "v": { dimension: "voltage", exponent: 0 },
  "a": { dimension: "current", exponent: 0 },
  "m3": { dimension: "volume", exponent: 0 },
  "m³": { dimension: "volume", exponent: 0 },
  "gj": { dimension: "heat energy", exponent: 0 },
  "s": { dimension: "time", exponent: 0 },
}));

/** Units seen so far by exact spelling; holds only case variants of known units. */
const SEEN = new Map<string, Scale>();

function scaleOf(unit: string): Scale | undefined {
  let scale = SEEN.get(unit);
  if (scale === undefined) {
    scale = UNITS.get(unit.toLowerCase());
    if (scale !== undefined) SEEN.set(unit, scale);
  }
  return scale;
}

/**
 * Converts the decimal `value` from unit `from` to unit `to` exactly
 * (`convert("01.193", "kW", "W")` → `1193`). Returns undefined when either
 * unit is unknown, the dimensions differ, or the value is not a decimal.
 */
export function convert(value: string, from: string, to: string): string | undefined {
  const source = scaleOf(from);
  const target = scaleOf(to);
  if (!source || !target || source.dimension !== target.dimension) return undefined;
  return shift(value, source.exponent - target.exponent);
}

/**
 * D0 data sets as reading values and the meter's identity.
 *
 * Electricity codes go through the shared OBIS table (`obisValues`), so an
 * IEC 62056-21 meter publishes like an SML or DSMR one. Heat-meter codes
 * (`6.8`, `6.26`, `6.31`, … of the Landis+Gyr ULTRAHEAT / Siemens 2WR5 and
 * the Kamstrup MULTICAL 66) go to the heat-meter layout of the Kamstrup KMP
 * meters: the same nodes, properties and units where the quantity is the
 * same (`heat/energy` in the meter's unit, `circuit/volume` in m³,
 * `meter/hours`, the yearly maxima in `registers`). Only current values are
 * published: a code with a billing-period suffix (`6.8*01`, last year) is
 * not. A code no table knows, a unit that does not fit or a value that is
 * not a decimal gives no value, never a guess (the Hager eHZ test readout
 * sends `1-0:1.8.0*255(000001.2963)` without unit: no value).
 */
import { normalize, whole } from "../../decimal.ts";
import { counter, gauge, type MeterInfo, type Quantity, type Value } from "../../reading.ts";
import { convert } from "../../units.ts";
import { REGISTERS_NODE } from "../../nodes.ts";
import { firstOfEach, obisValues } from "../obis.ts";
import type { Decoded } from "../stream_meter.ts";
import { type D0Code, type D0Value, type DataSet, formatCode } from "./data_sets.ts";
import type { Readout } from "./readout.ts";
import { manufacturerName } from "../manufacturers.ts";

/** Quantities of D0 meters outside the electricity layout: heat meters and the error register. */
export const D0_QUANTITIES = {
  /** Heat energy, published in the unit the meter sends (kWh, MWh or GJ), as KMP meters do. */
  heatEnergy: {
    node: "heat",
    property: "energy",
    name: "Heat energy",
    datatype: "float",
    kind: "counter",
  },
  volume: counter("circuit", "volume", "Volume", "m³"),
  hours: {
    node: "meter",
    property: "hours",
    name: "Operating hours",
    datatype: "integer",
    unit: "h",
    kind: "counter",
  },
  errorHours: {
    node: REGISTERS_NODE,
    property: "error-hours",
    name: "Error hour counter",
    datatype: "integer",
    unit: "h",
    kind: "counter",
  },
  maxPower: gauge(REGISTERS_NODE, "max-power-year", "Max power this year", "kW"),
  maxFlow: gauge(REGISTERS_NODE, "max-flow-year", "Max flow this year", "m³/h"),
  maxForward: gauge(REGISTERS_NODE, "t1-max-year", "Max forward temperature this year", "°C"),
  maxReturn: gauge(REGISTERS_NODE, "t2-max-year", "Max return temperature this year", "°C"),
  /** The error register (`F.F`, `F`) exactly as sent. */
  error: { node: "meter", property: "error", name: "Error code", datatype: "string", kind: "info" },
} as const satisfies Record<string, Quantity>;

/**
 * One row of the D0 table: the quantity, which `&`-separated value of the
 * first group holds it (0 by default), the medium (value group A) it needs
 * when the ID names one, and for a quantity without fixed unit the units it
 * takes as sent.
 */
export interface D0Row {
  quantity: Quantity;
  part?: number;
  medium?: number;
  units?: readonly string[];
}

const Q = D0_QUANTITIES;
const HEAT = 6;

/**
 * The D0 table by normalised reduced code (`C.D`, `C.D.E`, letters as
 * numbers); electricity codes are not here but in the shared OBIS table.
 * The heat codes are the ULTRAHEAT readout's: `6.6`, `6.33` and `9.4` are
 * the maxima of the current billing year, not momentary values.
 */
export const D0_TABLE: ReadonlyMap<string, readonly D0Row[]> = new Map<string, readonly D0Row[]>([
  ["6.8", [{ quantity: Q.heatEnergy, medium: HEAT, units: ["kWh", "MWh", "GJ"] }]],
  ["6.26", [{ quantity: Q.volume, medium: HEAT }]],
  ["6.31", [{ quantity: Q.hours, medium: HEAT }]],
  ["6.32", [{ quantity: Q.errorHours, medium: HEAT }]],
  ["6.6", [{ quantity: Q.maxPower, medium: HEAT }]],
  ["6.33", [{ quantity: Q.maxFlow, medium: HEAT }]],
  ["9.4", [
    { quantity: Q.maxForward, medium: HEAT },
    { quantity: Q.maxReturn, medium: HEAT, part: 1 },
  ]],
  ["97", [{ quantity: Q.error }]],
  ["97.97", [{ quantity: Q.error }]],
  ["97.97.0", [{ quantity: Q.error }]],
]);

/** D0 unit spellings and the symbol published for them; other units pass as sent. */
const UNIT_SYMBOLS: Readonly<Record<string, string>> = {
  m3: "m³",
  m3ph: "m³/h",
  "m3/h": "m³/h",
  C: "°C",
};

/** The published symbol of a unit as sent (`m3` → `m³`, `C` → `°C`). */
function symbol(unit: string): string {
  return UNIT_SYMBOLS[unit] ?? unit;
}

/** A current value: no billing-period suffix (F absent or 255). */
function isCurrent(code: D0Code): boolean {
  return code.f === undefined || code.f === 255;
}

function rowValue(row: D0Row, sent: D0Value): Value | undefined {
  const { quantity } = row;
  if (quantity.datatype === "string") {
    const value = sent.value.trim();
    return value === "" ? undefined : { ...quantity, value };
  }
  const unit = symbol((sent.unit ?? "").trim());
  const target = quantity.unit;
  if (target === undefined) {
    const value = row.units?.includes(unit) ? normalize(sent.value) : undefined;
    return value === undefined ? undefined : { ...quantity, unit, value };
  }
  let value = unit === target ? normalize(sent.value) : convert(sent.value, unit, target);
  if (value !== undefined && quantity.datatype === "integer") value = whole(value);
  return value === undefined ? undefined : { ...quantity, value };
}

/** The values of one data set, in table order; `[]` when no table knows it. */
function setValues(set: DataSet): Value[] {
  const code = set.code;
  const first = set.groups[0];
  if (!code || !first || !isCurrent(code)) return [];
  const key = formatCode({ c: code.c, d: code.d, e: code.e });
  const rows = D0_TABLE.get(key);
  if (rows) {
    const values: Value[] = [];
    for (const row of rows) {
      if (row.medium !== undefined && code.a !== undefined && code.a !== row.medium) continue;
      const sent = first[row.part ?? 0];
      const value = sent && rowValue(row, sent);
      if (value) values.push(value);
    }
    return values;
  }
  if (code.e === undefined || (code.a !== undefined && code.a !== 1)) return [];
  return obisValues(key, first[0].value, symbol(first[0].unit ?? ""));
}

/**
 * The reading values of a readout's data sets, in the order the meter sent
 * them; the first value of a property wins when a readout repeats it.
 */
export function readoutValues(sets: readonly DataSet[]): Value[] {
  return firstOfEach(sets.flatMap(setValues));
}

/**
 * Where the serial number is, best first: the manufacturer's serial number
 * `96.1` (`C.1`, `C.1.0`, `0-0:96.1.255`), the device number `9.20` of heat
 * meters, then the property number `0.0.0` (`0.0`).
 */
const SERIAL_CODES: readonly ((code: D0Code) => boolean)[] = [
  (k) => k.c === 96 && k.d === 1 && (k.e === undefined || k.e === 0 || k.e === 255),
  (k) => k.c === 9 && k.d === 20 && k.e === undefined,
  (k) => k.c === 0 && k.d === 0 && (k.e === undefined || k.e === 0),
];

function serialOf(sets: readonly DataSet[]): string | undefined {
  for (const matches of SERIAL_CODES) {
    for (const set of sets) {
      if (!set.code || !matches(set.code)) continue;
      const serial = set.groups[0]?.[0]?.value.trim();
      if (serial) return serial;
    }
  }
  return undefined;
}

/**
 * What a readout tells about the meter: the manufacturer (by its
 * three-letter id, or the id itself when unknown), the model (the text of
 * the identification line after the baud rate character) and the serial
 * number.
 */
export function readoutInfo(readout: Pick<Readout, "identification" | "sets">): Partial<MeterInfo> {
  const { manufacturer: id, ident } = readout.identification;
  const info: Partial<MeterInfo> = { manufacturer: manufacturerName(id) ?? id };
  const model = ident.replace(/[^\x20-\x7e]/g, "").trim();
  if (model) info.model = model;
  const serial = serialOf(readout.sets);
  if (serial) info.serial = serial;
  return info;
}

/** A readout as the values and identity a meter driver yields. */
export function readoutDecoded(readout: Readout): Decoded {
  return { values: readoutValues(readout.sets), info: readoutInfo(readout) };
}

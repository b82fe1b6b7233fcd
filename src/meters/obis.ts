/**
 * OBIS codes of electricity meters, shared by the protocols that carry them
 * as numbers and units (DLMS/COSEM push, SML, IEC 62056-21 readouts): which
 * code becomes which property of the electricity layout. Data and two small
 * functions; each protocol decodes its own wire format into
 * `(code, decimal, unit)` and asks this table what it means.
 *
 * Values are converted exactly from the meter's unit (`Wh`, `kW`, …) to the
 * quantity's (`kWh`, `W`, …), never through float64. A code the table does
 * not know, or a unit that does not fit the quantity, gives no value.
 */
import { compare, normalize } from "../decimal.ts";
import { gauge, type Quantity, type Value } from "../reading.ts";
import { convert } from "../units.ts";
import { ELECTRICITY } from "./electricity.ts";

/** An OBIS code: the six value groups `A-B:C.D.E*F`. */
export type ObisCode = readonly [number, number, number, number, number, number];

/** `A-B:C.D.E*F` of six bytes, or undefined when there are not six. */
export function formatObis(code: ArrayLike<number>): string | undefined {
  if (code.length !== 6) return undefined;
  const g = Array.from(code);
  return `${g[0]}-${g[1]}:${g[2]}.${g[3]}.${g[4]}*${g[5]}`;
}

/** The reduced code `C.D.E` that identifies a quantity whatever the medium and channel. */
export function reducedObis(code: ArrayLike<number>): string {
  return `${code[2]}.${code[3]}.${code[4]}`;
}

/**
 * Unit symbols of the DLMS/COSEM unit enumeration (IEC 62056-62), which SML
 * uses too. Only units smr converts or publishes are listed.
 */
export const DLMS_UNITS: ReadonlyMap<number, string> = new Map([
  [7, "s"],
  [8, "°"],
  [9, "°C"],
  [13, "m³"],
  [14, "m³"],
  [27, "W"],
  [28, "VA"],
  [29, "var"],
  [30, "Wh"],
  [31, "VAh"],
  [32, "varh"],
  [33, "A"],
  [35, "V"],
  [44, "Hz"],
]);

/** The unit code of a value without unit (a count, a power factor). */
export const NO_UNIT = 255;

/** The symbol of a DLMS unit code: `""` for {@link NO_UNIT}, undefined for a unit smr does not know. */
export function unitSymbol(code: number): string | undefined {
  return code === NO_UNIT ? "" : DLMS_UNITS.get(code);
}

/**
 * Whether a code is a current register of electricity (group A 1, group F
 * 255): not a value of a past billing period, which carries the same C.D.E.
 */
export function isCurrentElectricity(code: ArrayLike<number>): boolean {
  return code[0] === 1 && code[5] === 255;
}

/** The values with the first of each property kept, in order: a meter may repeat a quantity. */
export function firstOfEach(values: Iterable<Value>): Value[] {
  const kept = new Map<string, Value>();
  for (const value of values) {
    const key = `${value.node}/${value.property}`;
    if (!kept.has(key)) kept.set(key, value);
  }
  return [...kept.values()];
}

/** Quantities of the electricity layout that only the OBIS protocols send. */
export const OBIS_QUANTITIES = {
  powerFactor: {
    node: "power",
    property: "factor",
    name: "Power factor",
    datatype: "float",
    kind: "gauge",
  },
  frequency: gauge("power", "frequency", "Grid frequency", "Hz"),
} as const satisfies Record<string, Quantity>;

/**
 * How a code maps: `quantity` takes the value as it is; `signed` splits a
 * signed power into its import and export quantities (positive imports,
 * negative exports, the other side 0).
 */
export type ObisMapping =
  | { quantity: Quantity }
  | { signed: { import: Quantity; export: Quantity } };

const E = ELECTRICITY;
const Q = OBIS_QUANTITIES;

/** The electricity table by reduced code, in publishing order. */
export const OBIS_ELECTRICITY: ReadonlyMap<string, ObisMapping> = new Map<string, ObisMapping>([
  ["1.8.0", { quantity: E.importTotal }],
  ["1.8.1", { quantity: E.importT1 }],
  ["1.8.2", { quantity: E.importT2 }],
  ["2.8.0", { quantity: E.exportTotal }],
  ["2.8.1", { quantity: E.exportT1 }],
  ["2.8.2", { quantity: E.exportT2 }],
  ["1.7.0", { quantity: E.powerImport }],
  ["2.7.0", { quantity: E.powerExport }],
  ["16.7.0", { signed: { import: E.powerImport, export: E.powerExport } }],
  ["3.8.0", { quantity: E.reactiveImportEnergy }],
  ["4.8.0", { quantity: E.reactiveExportEnergy }],
  ["3.7.0", { quantity: E.reactiveImportPower }],
  ["4.7.0", { quantity: E.reactiveExportPower }],
  ["13.7.0", { quantity: Q.powerFactor }],
  ["14.7.0", { quantity: Q.frequency }],
  ["32.7.0", { quantity: E.l1.voltage }],
  ["31.7.0", { quantity: E.l1.current }],
  ["21.7.0", { quantity: E.l1.powerImport }],
  ["22.7.0", { quantity: E.l1.powerExport }],
  ["36.7.0", { signed: { import: E.l1.powerImport, export: E.l1.powerExport } }],
  ["52.7.0", { quantity: E.l2.voltage }],
  ["51.7.0", { quantity: E.l2.current }],
  ["41.7.0", { quantity: E.l2.powerImport }],
  ["42.7.0", { quantity: E.l2.powerExport }],
  ["56.7.0", { signed: { import: E.l2.powerImport, export: E.l2.powerExport } }],
  ["72.7.0", { quantity: E.l3.voltage }],
  ["71.7.0", { quantity: E.l3.current }],
  ["61.7.0", { quantity: E.l3.powerImport }],
  ["62.7.0", { quantity: E.l3.powerExport }],
  ["76.7.0", { signed: { import: E.l3.powerImport, export: E.l3.powerExport } }],
  // EasyMeter Q3D pushes (D0): active power with E = 255, signed (negative exports).
  ["1.7.255", { signed: { import: E.powerImport, export: E.powerExport } }],
  ["21.7.255", { signed: { import: E.l1.powerImport, export: E.l1.powerExport } }],
  ["41.7.255", { signed: { import: E.l2.powerImport, export: E.l2.powerExport } }],
  ["61.7.255", { signed: { import: E.l3.powerImport, export: E.l3.powerExport } }],
]);

/**
 * The values one OBIS register gives: `value` is an exact decimal in `unit`
 * (a symbol as in {@link DLMS_UNITS}, `""` for none). Returns `[]` for a code
 * the table does not know or a unit that does not convert to the quantity's.
 */
export function obisValues(code: string, value: string, unit: string): Value[] {
  const row = OBIS_ELECTRICITY.get(code);
  if (row === undefined) return [];
  if ("quantity" in row) {
    const converted = toUnit(value, unit, row.quantity);
    return converted === undefined ? [] : [{ ...row.quantity, value: converted }];
  }
  const converted = toUnit(value, unit, row.signed.import);
  if (converted === undefined) return [];
  const exporting = compare(converted, "0") < 0;
  const magnitude = exporting ? converted.slice(1) : converted;
  return [
    { ...row.signed.import, value: exporting ? "0" : magnitude },
    { ...row.signed.export, value: exporting ? magnitude : "0" },
  ];
}

function toUnit(value: string, unit: string, quantity: Quantity): string | undefined {
  const target = quantity.unit ?? "";
  if (unit === target) return normalize(value);
  if (target === "") return undefined;
  return convert(value, unit, target);
}

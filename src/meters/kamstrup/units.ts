/**
 * KMP unit bytes (the third byte of a register block) as unit symbols in
 * exact UTF-8, after kmp_units.json (codes 0..64, the same in every public
 * implementation apart from spelling). Code 6 is written `kJ`, the SI
 * symbol, where one source spells `kj`.
 */

/** Unit symbol by unit byte; an empty string means a plain number. */
export const UNITS: readonly string[] = [
  "", // 0
  "Wh",
  "kWh",
  "MWh",
  "GWh",
  "J", // 5
  "kJ",
  "MJ",
  "GJ",
  "Cal",
  "kCal", // 10
  "Mcal",
  "Gcal",
  "varh",
  "kvarh",
  "Mvarh", // 15
  "Gvarh",
  "VAh",
  "kVAh",
  "MVAh",
  "GVAh", // 20
  "kW",
  "kW",
  "MW",
  "GW",
  "kvar", // 25
  "kvar",
  "Mvar",
  "Gvar",
  "VA",
  "kVA", // 30
  "MVA",
  "GVA",
  "V",
  "A",
  "kV", // 35
  "kA",
  "°C",
  "K",
  "l",
  "m³", // 40
  "l/h",
  "m³/h",
  "m³xC",
  "ton",
  "ton/h", // 45
  "h",
  "hh:mm:ss",
  "yy:mm:dd",
  "yyyy:mm:dd",
  "mm:dd", // 50
  "",
  "bar",
  "RTC",
  "ASCII",
  "m³ x 10", // 55
  "ton x 10",
  "GJ x 10",
  "minutes",
  "Bitfield",
  "s", // 60
  "ms",
  "days",
  "RTC-Q",
  "Datetime",
];

/**
 * The unit symbol of a unit byte: `°C` for 37, `m³` for 40, an empty string
 * for a plain number (0, 51), undefined for a byte the table does not know.
 */
export function unitOf(code: number): string | undefined {
  return UNITS[code];
}

import { assertEquals } from "../../assert.ts";
import { unitOf, UNITS } from "../../../src/meters/kamstrup/units.ts";
import { loadJson } from "./vectors.ts";

interface UnitTable {
  units: { code: number; unit: string }[];
}

const table = await loadJson<UnitTable>("kmp_units.json");

Deno.test("units match kmp_units.json, code 6 spelled as the SI kJ", () => {
  assertEquals(UNITS.length, table.units.length);
  for (const { code, unit } of table.units) {
    assertEquals(unitOf(code), code === 6 ? "kJ" : unit, `code ${code}`);
  }
});

Deno.test("unit symbols are exact UTF-8", () => {
  const utf8 = (code: number) => Array.from(new TextEncoder().encode(unitOf(code)));
  assertEquals(utf8(37), [0xc2, 0xb0, 0x43]); // °C
  assertEquals(utf8(40), [0x6d, 0xc2, 0xb3]); // m³
  assertEquals(unitOf(42), "m³/h");
  assertEquals(unitOf(41), "l/h");
  assertEquals([unitOf(2), unitOf(3), unitOf(8), unitOf(21), unitOf(22)], [
    "kWh",
    "MWh",
    "GJ",
    "kW",
    "kW",
  ]);
  assertEquals([unitOf(38), unitOf(46)], ["K", "h"]);
});

Deno.test("plain numbers have an empty unit, unknown bytes none", () => {
  assertEquals(unitOf(0), "");
  assertEquals(unitOf(51), "");
  for (const code of [65, 99, 255, -1, 1.5]) assertEquals(unitOf(code), undefined);
});

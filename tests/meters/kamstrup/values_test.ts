import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import {
  decodeRegisterResponse,
  encodeRegisterResponse,
} from "../../../src/meters/kamstrup/register_codec.ts";
import { toValues } from "../../../src/meters/kamstrup/values.ts";
import { decodeHex } from "../../../src/bytes.ts";

// Changed on purpose (consumers issue): the circuit's volume and flow moved
// from `water` to `circuit`, and the temperature difference is a plain
// number with K in its name.
Deno.test("a real MULTICAL 403 reply becomes values with units from the unit bytes", () => {
  const reply = decodeHex(
    "403f10003c0304430000d96000562502421a4500572502420a8300592602420fc2004a290200001bf94ef30d",
  );
  const values = toValues(unwrap(decodeRegisterResponse(reply)));
  assertEquals(values, [
    {
      node: "heat",
      property: "energy",
      name: "Heat energy E1",
      datatype: "float",
      kind: "counter",
      unit: "MWh",
      value: "55.648",
    },
    {
      node: "temperature",
      property: "forward",
      name: "Forward temperature T1",
      datatype: "float",
      kind: "gauge",
      unit: "°C",
      value: "67.25",
    },
    {
      node: "temperature",
      property: "return",
      name: "Return temperature T2",
      datatype: "float",
      kind: "gauge",
      unit: "°C",
      value: "26.91",
    },
    {
      node: "temperature",
      property: "difference",
      name: "Temperature difference T1-T2 (K)",
      datatype: "float",
      kind: "gauge",
      plainUnit: "K",
      value: "40.34",
    },
    {
      node: "circuit",
      property: "flow",
      name: "Flow V1",
      datatype: "float",
      kind: "gauge",
      unit: "m³/h",
      value: "0.006",
    },
  ]);
});

Deno.test("floats keep the meter's resolution; the unit follows the meter's configuration", () => {
  const reply = encodeRegisterResponse([
    { id: 60, unit: 8, value: "198.20" },
    { id: 68, unit: 40, value: "1917.60" },
    { id: 80, unit: 22, value: "0.0" },
    { id: 87, unit: 37, value: "-1.50" },
    { id: 1004, unit: 46, value: "7126" },
    { id: 99, unit: 0, value: "0" },
    { id: 123, unit: 48, value: "220112" },
    { id: 4321, unit: 42, value: "0.125" },
  ]);
  const values = toValues(unwrap(decodeRegisterResponse(reply)));
  assertEquals(values.map((v) => [`${v.node}/${v.property}`, v.value, v.unit, v.datatype]), [
    ["heat/energy", "198.20", "GJ", "float"],
    ["circuit/volume", "1917.60", "m³", "float"],
    ["heat/power", "0.0", "kW", "float"],
    ["temperature/return", "-1.50", "°C", "float"],
    ["meter/hours", "7126", "h", "integer"],
    ["meter/info", "0", undefined, "integer"],
    ["registers/max-flow-date-year", "2022-01-12", undefined, "string"],
    ["registers/register-4321", "0.125", "m³/h", "float"],
  ]);
  assertEquals("unit" in values[5], false);
});

Deno.test("an unknown unit byte publishes the value without unit and warns", () => {
  const warnings: string[] = [];
  const reply = encodeRegisterResponse([{ id: 60, unit: 200, value: "55.006" }]);
  const values = toValues(unwrap(decodeRegisterResponse(reply)), {
    onWarning: (message) => warnings.push(message),
  });
  assertEquals(values.length, 1);
  assertEquals(values[0].value, "55.006");
  assertEquals("unit" in values[0], false);
  assertEquals(warnings, ["register 60: unknown unit byte 200; published without unit"]);
  assertEquals(toValues(unwrap(decodeRegisterResponse(reply))).length, 1);
});

Deno.test("an integer property left out when the value is not a whole int64", () => {
  const warnings: string[] = [];
  const reply = encodeRegisterResponse([
    { id: 99, unit: 0, value: "1.5" },
    { id: 99, unit: 0, value: "2.00" },
    { id: 1001, unit: 51, value: "9223372036854775808" },
    { id: 1001, unit: 51, value: "9223372036854775807" },
    { id: 113, unit: 0, value: "-9223372036854775808" },
  ]);
  const values = toValues(unwrap(decodeRegisterResponse(reply)), {
    onWarning: (message) => warnings.push(message),
  });
  assertEquals(values.map((v) => v.value), ["2", "9223372036854775807", "-9223372036854775808"]);
  assertEquals(warnings, [
    "register 99: 1.5 is no int64 integer; left out",
    "register 1001: 9223372036854775808 is no int64 integer; left out",
  ]);
});

Deno.test("flow in l/h is published in m³/h, exactly and at the meter's resolution", () => {
  const reply = encodeRegisterResponse([
    { id: 74, unit: 41, value: "128" },
    { id: 75, unit: 41, value: "0.5" },
    { id: 74, unit: 42, value: "0.071" },
  ]);
  const values = toValues(unwrap(decodeRegisterResponse(reply)));
  assertEquals(values.map((v) => [v.value, v.unit]), [
    ["0.128", "m³/h"],
    ["0.0005", "m³/h"],
    ["0.071", "m³/h"],
  ]);
});

Deno.test("units with a factor are scaled exactly to their base unit; spellings consumers know", () => {
  const reply = encodeRegisterResponse([
    { id: 68, unit: 55, value: "26.91" },
    { id: 60, unit: 57, value: "19.82" },
    { id: 72, unit: 56, value: "1.5" },
    { id: 73, unit: 44, value: "7.25" },
    { id: 75, unit: 45, value: "0.5" },
    { id: 234, unit: 39, value: "10" },
    { id: 175, unit: 58, value: "90" },
    { id: 582, unit: 62, value: "3650" },
    { id: 61, unit: 9, value: "1" },
    { id: 62, unit: 10, value: "2" },
    { id: 1004, unit: 46, value: "6886" },
  ]);
  const values = toValues(unwrap(decodeRegisterResponse(reply)));
  assertEquals(values.map((v) => [`${v.node}/${v.property}`, v.value, v.unit]), [
    ["circuit/volume", "269.1", "m³"],
    ["heat/energy", "198.2", "GJ"],
    ["registers/mass-m1", "15", "t"],
    ["registers/mass-m2", "7.25", "t"],
    ["registers/flow-v2", "0.5", "t/h"],
    ["registers/pulse-value-a", "10", "L"],
    ["registers/error-hours", "90", "min"],
    ["registers/battery-days", "3650", "d"],
    ["registers/e4-energy", "1", "cal"],
    ["registers/e5-energy", "2", "kcal"],
    ["meter/hours", "6886", "h"],
  ]);
});

Deno.test("K and m³·°C are plain numbers with the unit in the name; RTC and bit fields have no unit", () => {
  const reply = encodeRegisterResponse([
    { id: 89, unit: 38, value: "40.34" },
    { id: 97, unit: 43, value: "1234" },
    { id: 99, unit: 59, value: "8" },
    { id: 4000, unit: 53, value: "12345" },
  ]);
  const values = toValues(unwrap(decodeRegisterResponse(reply)));
  assertEquals(values.map((v) => [v.property, v.name, v.unit, v.plainUnit]), [
    ["difference", "Temperature difference T1-T2 (K)", undefined, "K"],
    ["e8-volume-t1", "E8 m³×T1 (m³·°C)", undefined, "m³·°C"],
    ["info", "Info code", undefined, undefined],
    ["register-4000", "Register 4000", undefined, undefined],
  ]);
  for (const value of values) assertEquals("unit" in value, false);
});

Deno.test("dates and clock times are ISO 8601 strings; digits that are no date are left out", () => {
  const warnings: string[] = [];
  const reply = encodeRegisterResponse([
    { id: 1002, unit: 47, value: "200243" },
    { id: 1003, unit: 48, value: "220112" },
    { id: 123, unit: 48, value: "50101" },
    { id: 125, unit: 49, value: "20240229" },
    { id: 127, unit: 50, value: "1231" },
    { id: 129, unit: 48, value: "0" },
    { id: 138, unit: 48, value: "231301" },
    { id: 140, unit: 48, value: "230229" },
    { id: 142, unit: 47, value: "246000" },
    { id: 98, unit: 0, value: "220112" },
  ]);
  const values = toValues(unwrap(decodeRegisterResponse(reply)), {
    onWarning: (message) => warnings.push(message),
  });
  assertEquals(values.map((v) => [v.property, v.value, v.datatype, v.unit]), [
    ["clock-time", "20:02:43", "string", undefined],
    ["clock-date", "2022-01-12", "string", undefined],
    ["max-flow-date-year", "2005-01-01", "string", undefined],
    ["min-flow-date-year", "2024-02-29", "string", undefined],
    ["max-power-date-year", "--12-31", "string", undefined],
    ["target-date", "220112", "string", undefined],
  ]);
  assertEquals(warnings, [
    "register 129: 0 is no yy:mm:dd date or time; left out",
    "register 138: 231301 is no yy:mm:dd date or time; left out",
    "register 140: 230229 is no yy:mm:dd date or time; left out",
    "register 142: 246000 is no hh:mm:ss date or time; left out",
  ]);
});

Deno.test("every unit the table knows is published as a known symbol, never a made-up one", () => {
  const made = /x 10|minutes|days|hh:|yy:|mm:|RTC|ASCII|Bitfield|Datetime|^l$|^K$|ton|xC|Cal$/;
  for (let code = 0; code < 65; code++) {
    const reply = encodeRegisterResponse([{ id: 4321, unit: code, value: "101" }]);
    for (const value of toValues(unwrap(decodeRegisterResponse(reply)))) {
      if (value.unit !== undefined) assertOk(!made.test(value.unit), `code ${code}: ${value.unit}`);
    }
  }
});

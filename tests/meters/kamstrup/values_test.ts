import { assertEquals, unwrap } from "../../assert.ts";
import {
  decodeRegisterResponse,
  encodeRegisterResponse,
} from "../../../src/meters/kamstrup/register_codec.ts";
import { toValues } from "../../../src/meters/kamstrup/values.ts";
import { decodeHex } from "../../../src/bytes.ts";

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
      name: "Temperature difference T1-T2",
      datatype: "float",
      kind: "gauge",
      unit: "K",
      value: "40.34",
    },
    {
      node: "water",
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
    ["water/volume", "1917.60", "m³", "float"],
    ["heat/power", "0.0", "kW", "float"],
    ["temperature/return", "-1.50", "°C", "float"],
    ["meter/hours", "7126", "h", "integer"],
    ["meter/info", "0", undefined, "integer"],
    ["registers/max-flow-date-year", "220112", "yy:mm:dd", "integer"],
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

import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import {
  HEAT_LAYOUT,
  OTHER_REGISTERS,
  registerRow,
} from "../../../src/meters/kamstrup/registers.ts";
import { REGISTERS_NODE } from "../../../src/nodes.ts";
import { loadJson } from "./vectors.ts";

const ID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

interface RegisterTable {
  heat_meter_registers: { id: number; name: string }[];
}

const table = await loadJson<RegisterTable>("kmp_registers.json");

// Changed on purpose (consumers issue): the heating circuit is `circuit`, not
// `water`, and the date and clock registers are strings.
Deno.test("the heat-meter layout", () => {
  const layout = HEAT_LAYOUT.map((r) => [r.id, `${r.node}/${r.property}`, r.kind, r.datatype]);
  assertEquals(layout, [
    [60, "heat/energy", "counter", "float"],
    [63, "heat/cooling-energy", "counter", "float"],
    [80, "heat/power", "gauge", "float"],
    [68, "circuit/volume", "counter", "float"],
    [74, "circuit/flow", "gauge", "float"],
    [86, "temperature/forward", "gauge", "float"],
    [87, "temperature/return", "gauge", "float"],
    [89, "temperature/difference", "gauge", "float"],
    [1004, "meter/hours", "counter", "integer"],
    [99, "meter/info", "info", "integer"],
  ]);
});

Deno.test("every heat-meter register of kmp_registers.json has a row", () => {
  const ids = new Set([...HEAT_LAYOUT, ...OTHER_REGISTERS].map((r) => r.id));
  for (const { id } of table.heat_meter_registers) assertOk(ids.has(id), `register ${id}`);
  assertEquals(ids.size, table.heat_meter_registers.length);
});

Deno.test("ids, nodes and properties are valid and unique", () => {
  const rows = [...HEAT_LAYOUT, ...OTHER_REGISTERS];
  assertEquals(new Set(rows.map((r) => r.id)).size, rows.length);
  assertEquals(new Set(rows.map((r) => `${r.node}/${r.property}`)).size, rows.length);
  for (const row of rows) {
    assertMatch(row.node, ID);
    assertMatch(row.property, ID);
    assertOk(row.name.length > 0);
    assertOk(["float", "integer", "string"].includes(row.datatype), `${row.id} ${row.datatype}`);
    if (row.datatype === "string") assertMatch(row.property, /date|time/, `${row.id}`);
  }
  for (const row of OTHER_REGISTERS) assertEquals(row.node, REGISTERS_NODE);
});

Deno.test("an unknown register gets a generic float gauge", () => {
  assertEquals(registerRow(4321), {
    id: 4321,
    node: "registers",
    property: "register-4321",
    name: "Register 4321",
    datatype: "float",
    kind: "gauge",
  });
  assertEquals(registerRow(266).property, "e1-high-resolution");
  assertEquals(registerRow(60).node, "heat");
});

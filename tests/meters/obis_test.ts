import { assertEquals } from "../assert.ts";
import {
  firstOfEach,
  formatObis,
  isCurrentElectricity,
  obisValues,
  reducedObis,
  unitSymbol,
} from "../../src/meters/obis.ts";

Deno.test("OBIS codes format as A-B:C.D.E*F and reduce to C.D.E", () => {
  const code = [1, 0, 1, 8, 0, 255];
  assertEquals(formatObis(code), "1-0:1.8.0*255");
  assertEquals(reducedObis(code), "1.8.0");
  assertEquals(formatObis([1, 0, 1]), undefined);
});

Deno.test("obisValues converts exactly to the layout's unit", () => {
  assertEquals(obisValues("1.8.0", "12937", "Wh").map((v) => [v.node, v.property, v.value]), [
    ["import", "total", "12.937"],
  ]);
  assertEquals(obisValues("32.7.0", "233.7", "V")[0].value, "233.7");
  assertEquals(obisValues("13.7.0", "0.991", "")[0].value, "0.991");
  assertEquals(obisValues("1.8.0", "1", "V"), []);
  assertEquals(obisValues("99.9.9", "1", "Wh"), []);
});

Deno.test("a signed power splits into import and export", () => {
  const pick = (vs: { property: string; value: string }[]) => vs.map((v) => [v.property, v.value]);
  assertEquals(pick(obisValues("16.7.0", "-2088", "W")), [["import", "0"], ["export", "2088"]]);
  assertEquals(pick(obisValues("16.7.0", "150.5", "W")), [["import", "150.5"], ["export", "0"]]);
  assertEquals(pick(obisValues("36.7.0", "-0.2", "kW")), [["power-import", "0"], [
    "power-export",
    "200",
  ]]);
});

Deno.test("only current electricity registers count; 255 is no unit; the first of a property wins", () => {
  assertEquals(isCurrentElectricity([1, 0, 1, 8, 0, 255]), true);
  assertEquals(isCurrentElectricity([1, 0, 1, 8, 0, 101]), false, "a past billing period");
  assertEquals(isCurrentElectricity([0, 0, 96, 1, 0, 255]), false);
  assertEquals([unitSymbol(255), unitSymbol(30), unitSymbol(200)], ["", "Wh", undefined]);
  const [a, b] = [obisValues("1.8.0", "1000", "Wh"), obisValues("1.8.0", "2000", "Wh")];
  assertEquals(firstOfEach([...a, ...b]).map((v) => v.value), ["1.000"]);
});

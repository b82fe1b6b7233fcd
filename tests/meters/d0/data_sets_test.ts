import { assertEquals } from "../../assert.ts";
import { dataEnd, formatCode, parseCode, parseDataSets } from "../../../src/meters/d0/data_sets.ts";

Deno.test("IDs read as OBIS codes in full, reduced and abstract forms", () => {
  assertEquals(parseCode("1-0:1.8.0*255"), { a: 1, b: 0, c: 1, d: 8, e: 0, f: 255 });
  assertEquals(parseCode("1.8.0"), { c: 1, d: 8, e: 0 });
  assertEquals(parseCode("1.8.0.255"), { c: 1, d: 8, e: 0, f: 255 });
  assertEquals(parseCode("6.26*01"), { c: 6, d: 26, f: 1 });
  assertEquals(parseCode("F.F"), { c: 97, d: 97 });
  assertEquals(parseCode("C.1.0"), { c: 96, d: 1, e: 0 });
  assertEquals(parseCode("F"), { c: 97 });
  assertEquals(parseCode("3:171.0"), { b: 3, c: 171, d: 0 });
  assertEquals(parseCode("0-0:96.1.255*255"), { a: 0, b: 0, c: 96, d: 1, e: 255, f: 255 });
  for (const id of ["", "1.8.0*", "1-:1.8.0", "256.8.0", "X.1", "1.8.0.0.0", "1.8.F", "a.b"]) {
    assertEquals(parseCode(id), undefined, id);
  }
});

Deno.test("codes format with letters as numbers and only the groups they have", () => {
  assertEquals(formatCode(parseCode("F.F")!), "97.97");
  assertEquals(formatCode(parseCode("1-0:1.8.0*255")!), "1-0:1.8.0*255");
  assertEquals(formatCode(parseCode("6.26*01")!), "6.26*1");
  assertEquals(formatCode(parseCode("3:171.0")!), "3:171.0");
});

Deno.test("several data sets on a line, several groups, & values, units and timestamps", () => {
  const text = "6.8(0029.055*MWh)6.26(01589.28*m3)9.4(088*C&082*C)\r\n" +
    "1.6.1(02.50*kW)(2103101215)\r\n" +
    "9.36(2017-01-18&01:36:47)6.8.1()0.0( 20000)1.8.0(+00026*kWh)\n";
  const { sets, skipped } = parseDataSets(text);
  assertEquals(skipped, []);
  assertEquals(sets.map((s) => [s.id, s.groups]), [
    ["6.8", [[{ value: "0029.055", unit: "MWh" }]]],
    ["6.26", [[{ value: "01589.28", unit: "m3" }]]],
    ["9.4", [[{ value: "088", unit: "C" }, { value: "082", unit: "C" }]]],
    ["1.6.1", [[{ value: "02.50", unit: "kW" }], [{ value: "2103101215" }]]],
    ["9.36", [[{ value: "2017-01-18" }, { value: "01:36:47" }]]],
    ["6.8.1", [[{ value: "" }]]],
    ["0.0", [[{ value: " 20000" }]]],
    ["1.8.0", [[{ value: "+00026", unit: "kWh" }]]],
  ]);
});

Deno.test("a line that starts with ( continues the set before; spaces between groups", () => {
  const { sets, skipped } = parseDataSets("P.01(1)(2)\r\n(3)\r\n1.8.0 (1*kWh) (2)\r\n");
  assertEquals(skipped, []);
  assertEquals(sets.map((s) => [s.id, s.groups.length]), [["P.01", 3], ["1.8.0", 2]]);
  assertEquals(sets[0].code, { c: 99, d: 1 });
});

Deno.test("what does not parse is set aside; the sets before it on its line stay", () => {
  const { sets, skipped } = parseDataSets(
    "1.8.0(1*kWh)2.8.0(2\r\n\\\r\n(9)\r\nno groups\r\n1.8.1(1(2)\r\n3.8.0(3)x)(4)\r\n",
  );
  assertEquals(sets.map((s) => s.id), ["1.8.0", "3.8.0"]);
  assertEquals(skipped, ["2.8.0(2", "\\", "(9)", "no groups", "1.8.1(1(2)", "x)(4)"]);
});

Deno.test("the data end is the first ! outside a value group", () => {
  assertEquals(dataEnd("1.8.0(a!b)\r\n!\r\n"), 12);
  assertEquals(dataEnd("6.31(0109868*h)!\r\n"), 15);
  assertEquals(dataEnd("1.8.0(a!\r\n!"), 10);
  assertEquals(dataEnd("1.8.0(1)"), -1);
});

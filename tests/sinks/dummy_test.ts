import { assertEquals } from "../assert.ts";
import { readingLine } from "../../src/sinks/dummy.ts";

Deno.test("dummy sink: a JSON line shows each value with its unit, a plain unit too", () => {
  const line = readingLine({
    meter: "kamstrup_403",
    time: "2026-11-25T06:15:50+01:00",
    values: [
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
        node: "meter",
        property: "info",
        name: "Info",
        datatype: "integer",
        kind: "info",
        value: "0",
      },
    ],
  });
  assertEquals(JSON.parse(line).values, {
    "temperature/difference": { value: "40.34", unit: "K" },
    "meter/info": { value: "0" },
  });
});

import { assertEquals, assertOk } from "../assert.ts";
import { compare } from "../../src/decimal.ts";
import { DummyMeter } from "../../src/meters/dummy/meter.ts";

Deno.test("dummy meter: counters only grow, values are plausible and exact text", () => {
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const meter = new DummyMeter({ id: "dummy", interval: 60, random });
  let previous = meter.next(60);
  for (let i = 0; i < 500; i++) {
    const reading = meter.next(60);
    const get = (r: typeof reading, key: string) =>
      r.values.find((v) => `${v.node}/${v.property}` === key)!.value;
    for (const key of ["import/total", "export/total"]) {
      assertOk(compare(get(reading, key), get(previous, key)) >= 0, `${key} decreased`);
    }
    const voltage = Number(get(reading, "l1/voltage"));
    assertOk(voltage > 220 && voltage < 240, `voltage ${voltage}`);
    previous = reading;
  }
  const keys = previous.values.map((v) => `${v.node}/${v.property}`);
  assertEquals(keys.slice(0, 6), [
    "meter/timestamp",
    "meter/tariff",
    "import/total",
    "export/total",
    "power/import",
    "power/export",
  ]);
});

Deno.test("dummy meter: phases carry the export at noon, current follows the power either way", () => {
  const noon = new Date(2026, 5, 21, 12, 0, 0).getTime();
  const meter = new DummyMeter({ id: "dummy", interval: 1, random: () => 0.5, now: () => noon });
  const reading = meter.next(1);
  const get = (key: string) =>
    Number(reading.values.find((v) => `${v.node}/${v.property}` === key)!.value);
  assertEquals(get("power/import"), 0);
  const exported = get("power/export");
  assertOk(exported > 1000, `export ${exported}`);
  let phases = 0;
  for (const n of [1, 2, 3]) {
    const power = get(`l${n}/power-export`);
    assertEquals(get(`l${n}/power-import`), 0);
    const current = get(`l${n}/current`);
    assertOk(
      Math.abs(current * get(`l${n}/voltage`) - power) < 2,
      `l${n}: ${current} A, ${power} W`,
    );
    phases += power;
  }
  assertOk(Math.abs(phases - exported) <= 2, `phases ${phases} W, total ${exported} W`);
});

Deno.test("dummy meter: its identity first, then the counters before each reading they count", async () => {
  const meter = new DummyMeter({ id: "dummy", interval: 0.01, random: () => 0.5 });
  const controller = new AbortController();
  const kinds: string[] = [];
  for await (const event of meter.events(controller.signal)) {
    if (event.kind === "identity") kinds.push(`identity ${event.info.serial}`);
    if (event.kind === "stats") kinds.push(`stats ${event.stats.decoded}`);
    if (event.kind === "reading") {
      kinds.push("reading");
      if (kinds.length === 5) controller.abort();
    }
  }
  assertEquals(kinds, ["identity 0000000001", "stats 1", "reading", "stats 2", "reading"]);
});

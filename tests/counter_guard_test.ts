import { assertEquals, assertMatch, assertOk, assertThrows } from "./assert.ts";
import {
  CONFIRMATIONS,
  CounterGuard,
  type CounterVerdict,
  describeHeld,
  describeRestarts,
  GRACE_MS,
  HOURLY_BOUND,
} from "../src/counter_guard.ts";
import { ELECTRICITY } from "../src/meters/electricity.ts";
import { counter, type Value } from "../src/reading.ts";
import { seededRandom } from "./random.ts";

const S = 1000;
const kinds = (verdicts: CounterVerdict[]) => verdicts.map((v) => v.kind);

/** Feeds `values` 10 s apart into one counter (kWh unless told; null: no unit); the verdicts. */
function run(values: string[], unit: string | null = "kWh", stepMs = 10 * S): string[] {
  const guard = new CounterGuard();
  return kinds(
    values.map((value, i) => guard.judge("import/total", value, unit ?? undefined, i * stepMs)),
  );
}

Deno.test("counter guard: growth at a household pace is believed", () => {
  assertEquals(run(["14159.934", "14159.934", "14159.950", "14160.001", "14160.001"]), [
    "fits",
    "fits",
    "fits",
    "fits",
    "fits",
  ]);
});

Deno.test("counter guard: one absurd spike is held, the next real value goes on", () => {
  assertEquals(run(["14159.934", "999999999999.999", "14159.936", "14159.937"]), [
    "fits",
    "rise",
    "fits",
    "fits",
  ]);
  // A swapped tariff register (a jump of 1344 kWh within a minute) is a rise too.
  assertEquals(run(["20278.249", "21622.370", "20278.250"], "kWh", 60 * S), [
    "fits",
    "rise",
    "fits",
  ]);
});

Deno.test("counter guard: a meter exchange is believed on the third reading in a row", () => {
  assertEquals(CONFIRMATIONS, 3);
  const guard = new CounterGuard();
  const at = (i: number) => i * 10 * S;
  assertEquals(guard.judge("import/t1", "1234.567", "kWh", at(0)), { kind: "fits" });
  assertEquals(guard.judge("import/t1", "0.001", "kWh", at(1)), {
    kind: "decrease",
    last: "1234.567",
  });
  assertEquals(guard.judge("import/t1", "0.001", "kWh", at(2)).kind, "decrease");
  assertEquals(guard.judge("import/t1", "0.002", "kWh", at(3)), {
    kind: "restarted",
    from: "1234.567",
    readings: 3,
  });
  assertEquals(guard.judge("import/t1", "0.003", "kWh", at(4)), { kind: "fits" });
  assertEquals(guard.judge("import/t1", "1234.567", "kWh", at(5)).kind, "rise", "old meter gone");
});

Deno.test("counter guard: a single dip is held and forgotten", () => {
  assertEquals(run(["500.000", "400.000", "500.001", "500.002", "500.003"]), [
    "fits",
    "decrease",
    "fits",
    "fits",
    "fits",
  ]);
  // Two dips, a real value between them: the streak starts again.
  assertEquals(run(["500.000", "0.001", "0.002", "500.001", "0.003", "0.004", "500.002"]), [
    "fits",
    "decrease",
    "decrease",
    "fits",
    "decrease",
    "decrease",
    "fits",
  ]);
});

Deno.test("counter guard: misfits believed only when they do not decrease among themselves", () => {
  assertEquals(run(["500.000", "0.003", "0.002", "0.001", "0.002", "0.003"]), [
    "fits",
    "decrease",
    "decrease",
    "decrease",
    "decrease",
    "restarted",
  ]);
});

Deno.test("counter guard: a value that jumped and stays there is believed (the counter never freezes)", () => {
  assertEquals(run(["100.000", "999999.000", "999999.000", "999999.001", "999999.002"]), [
    "fits",
    "rise",
    "rise",
    "restarted",
    "fits",
  ]);
});

Deno.test("counter guard: the bound grows with the time since the last believed value", () => {
  // 1 MW: 1000 kWh per hour, plus a minute's worth (16.667 kWh) and one step of resolution.
  const guard = new CounterGuard();
  guard.judge("e", "0.000", "kWh", 0);
  assertEquals(guard.judge("e", "16.667", "kWh", 0).kind, "fits");
  const later = new CounterGuard();
  later.judge("e", "0.000", "kWh", 0);
  assertEquals(later.judge("e", "16.669", "kWh", 0).kind, "rise");
  assertEquals(later.judge("e", "1016.667", "kWh", 3600 * S).kind, "fits", "an hour later");
  const hour = new CounterGuard();
  hour.judge("e", "0.000", "kWh", 0);
  assertEquals(hour.judge("e", "1016.669", "kWh", 3600 * S).kind, "rise");
  // A clock that went back never makes the bound negative.
  const back = new CounterGuard();
  back.judge("e", "5.000", "kWh", 10 * S);
  assertEquals(back.judge("e", "5.001", "kWh", 0).kind, "fits");
});

Deno.test("counter guard: other units have their own bound", () => {
  assertEquals(HOURLY_BOUND["Wh"], 1e6);
  assertEquals(HOURLY_BOUND["MWh"], 1);
  assertEquals(HOURLY_BOUND["GJ"], 3.6);
  // Gas: 100 m³/h. One minute of grace is 1.667 m³.
  assertEquals(run(["1234.567", "1235.000", "1240.000"], "m³"), ["fits", "fits", "rise"]);
  // Heat in GJ: 3.6 GJ per hour is 0.06 GJ a minute, at the meter's resolution of 0.01.
  assertEquals(run(["396.67", "396.73", "397.00"], "GJ"), ["fits", "fits", "rise"]);
  // Operating hours: a whole hour at a time, whenever it ticks.
  assertEquals(run(["1193", "1193", "1194", "1196"], "h"), ["fits", "fits", "fits", "rise"]);
  assertEquals(run(["1193", "1196"], "h", 3 * 3600 * S), ["fits", "fits"]);
});

Deno.test("counter guard: a unit without a bound may grow tenfold at once", () => {
  assertEquals(run(["10", "100", "1002", "101"], null), ["fits", "fits", "rise", "fits"]);
  assertEquals(run(["10", "100", "1002"], "furlongs"), ["fits", "fits", "rise"]);
  assertEquals(run(["0", "123456", "123457"], null), ["fits", "fits", "fits"]);
  assertEquals(run(["5", "4"], null), ["fits", "decrease"]);
});

Deno.test("counter guard: a changed unit starts the counter afresh", () => {
  const guard = new CounterGuard();
  guard.judge("heat/energy", "396.672", "MWh", 0);
  assertEquals(guard.judge("heat/energy", "1428.02", "GJ", 10 * S).kind, "fits");
  assertEquals(guard.judge("heat/energy", "1428.03", "GJ", 20 * S).kind, "fits");
});

Deno.test("counter guard: counters are tracked one by one", () => {
  const guard = new CounterGuard();
  guard.judge("import/t1", "100.000", "kWh", 0);
  guard.judge("import/t2", "200.000", "kWh", 0);
  assertEquals(guard.judge("import/t1", "9999999.000", "kWh", S).kind, "rise");
  assertEquals(guard.judge("import/t2", "200.001", "kWh", S).kind, "fits");
});

Deno.test("counter guard: screen holds counters only and keeps the order of the rest", () => {
  const guard = new CounterGuard();
  const E = ELECTRICITY;
  const values = (t1: string, total: string): Value[] => [
    { ...E.timestamp, value: "2026-11-25T06:15:50+01:00" },
    { ...E.importT1, value: t1 },
    { ...E.powerImport, value: "544" },
    { ...E.importTotal, value: total },
    { ...E.gasVolume, value: "not a number" },
  ];
  assertEquals(guard.screen(values("100.000", "150.000"), 0).held, []);
  const spike = guard.screen(values("999999999999.999", "150.001"), 10 * S);
  assertEquals(spike.values.map((v) => `${v.node}/${v.property}=${v.value}`), [
    "meter/timestamp=2026-11-25T06:15:50+01:00",
    "power/import=544",
    "import/total=150.001",
    "gas/volume=not a number",
  ]);
  assertEquals(spike.held.map((h) => [h.value.property, h.verdict.kind]), [["t1", "rise"]]);
  assertEquals(spike.restarted, []);
  guard.screen(values("0.001", "0.001"), 20 * S);
  guard.screen(values("0.002", "0.002"), 30 * S);
  const third = guard.screen(values("0.003", "0.003"), 40 * S);
  assertEquals(third.held, []);
  assertEquals(third.restarted.map((r) => [r.value.property, r.from, r.readings]), [
    ["t1", "100.000", 3],
    ["total", "150.001", 3],
  ]);
  assertEquals(third.values.length, 5);
});

Deno.test("counter guard: log lines say what was held and why", () => {
  const E = ELECTRICITY;
  assertEquals(
    describeHeld({
      value: { ...E.importTotal, value: "999999999999.999" },
      verdict: { kind: "rise", last: "14159.934", elapsedMs: 12_400 },
    }),
    "import/total: 999999999999.999 kWh held back: a rise from 14159.934 kWh in 12 s is more " +
      "than 1000 kWh per hour",
  );
  assertEquals(
    describeHeld({
      value: { ...E.importT1, value: "0.001" },
      verdict: { kind: "decrease", last: "1234.567" },
    }),
    "import/t1: 0.001 kWh held back: lower than 1234.567 kWh; believed only if it persists for " +
      "3 readings in a row",
  );
  const hours = counter("meter", "hours", "Operating hours", "");
  assertMatch(
    describeHeld({
      value: { ...hours, unit: undefined, value: "50000" },
      verdict: { kind: "rise", last: "1193", elapsedMs: 0 },
    }),
    /more than ten times the last value$/,
  );
  assertEquals(
    describeRestarts([
      { value: { ...E.importT1, value: "0.003" }, from: "1234.567", readings: 3 },
      { value: { ...E.importTotal, value: "0.005" }, from: "4321.000", readings: 3 },
    ]),
    "counters restarted, believed after 3 readings in a row (a meter exchange or reset): " +
      "import/t1 1234.567 → 0.003 kWh, import/total 4321.000 → 0.005 kWh",
  );
});

Deno.test("counter guard: a caller's mistake throws", () => {
  assertThrows(() => new CounterGuard({ confirmations: 0 }));
  assertThrows(() => new CounterGuard({ graceMs: -1 }));
  const guard = new CounterGuard();
  assertThrows(() => guard.judge("e", "1e5", "kWh", 0));
  assertThrows(() => guard.judge("e", "1.000", "kWh", NaN));
  assertEquals(GRACE_MS, 60_000);
});

Deno.test("counter guard: 100,000 random walks never freeze a counter", () => {
  // Whatever comes, a value repeated CONFIRMATIONS times in a row is published.
  const random = seededRandom(7);
  const guard = new CounterGuard();
  let now = 0;
  for (let i = 0; i < 100_000; i++) {
    now += Math.floor(random() * 20 * S);
    const roll = random();
    const value = roll < 0.1
      ? String(Math.floor(random() * 1e12))
      : roll < 0.2
      ? (random() * 10).toFixed(3)
      : (1000 + i * 0.001).toFixed(3);
    const verdicts = [1, 2, 3].map(() => guard.judge("c", value, "kWh", now).kind);
    assertOk(verdicts[2] === "fits" || verdicts[2] === "restarted", `${value}: ${verdicts}`);
  }
});

import { assertEquals } from "../../assert.ts";
import { parseLines } from "../../../src/meters/dsmr/lines.ts";
import { mbusReading, peakHistory, powerFailureLog } from "../../../src/meters/dsmr/records.ts";

function one(line: string) {
  const { objects, skipped } = parseLines(line + "\r\n");
  assertEquals(skipped, [], line);
  assertEquals(objects.length, 1, line);
  return objects[0];
}

Deno.test("a register line keeps value and unit as sent", () => {
  assertEquals(one("1-0:1.8.1(000004.426*kWh)"), {
    code: "1-0:1.8.1",
    groups: [{ value: "000004.426", unit: "kWh" }],
  });
  assertEquals(one("0-0:96.14.0(0002)").groups, [{ value: "0002" }]);
  assertEquals(one("0-0:96.13.0()").groups, [{ value: "" }]);
});

Deno.test("multi-group lines keep every group", () => {
  const log = one(
    "1-0:99.97.0(2)(0-0:96.7.19)(101208152415W)(0000000240*s)(101208151004W)(0000000301*s)",
  );
  assertEquals(log.groups.length, 6);
  assertEquals(powerFailureLog(log), [
    { end: "2010-12-08T15:24:15+01:00", duration: "240", unit: "s" },
    { end: "2010-12-08T15:10:04+01:00", duration: "301", unit: "s" },
  ]);
  for (const empty of ["1-0:99.97.0(0)(0-0:96.7.19)", "1-0:99.97.0(0)()", "1-0:99.97.0()"]) {
    assertEquals(powerFailureLog(one(empty)), [], empty);
  }
});

Deno.test("M-Bus readings: value with and without unit, placeholder timestamps", () => {
  assertEquals(mbusReading(one("0-1:24.2.1(101209112500W)(12785.123*m3)")), {
    time: "2010-12-09T11:25:00+01:00",
    value: "12785.123",
    unit: "m3",
  });
  assertEquals(mbusReading(one("0-2:24.2.1(632525252525S)(00000.000)")), {
    time: undefined,
    value: "0.000",
    unit: undefined,
  });
  assertEquals(mbusReading(one("0-1:24.2.1(0)")), undefined);
  assertEquals(mbusReading(one("0-1:24.2.3(200512134558S)(00112.384*m3)"))?.value, "112.384");
});

Deno.test("the DSMR 2.2 gas profile takes its value from the next line", () => {
  const { objects, skipped } = parseLines(
    "0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(00001.001)\r\n0-1:24.4.0(1)\r\n",
  );
  assertEquals(skipped, []);
  assertEquals(objects.map((o) => o.code), ["0-1:24.3.0", "0-1:24.4.0"]);
  assertEquals(objects[0].groups.length, 7);
  assertEquals(mbusReading(objects[0]), {
    time: "2016-11-07T19:00:00+01:00",
    value: "1.001",
    unit: "m3",
  });
  assertEquals(mbusReading(one("0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)")), undefined);
});

Deno.test("a continuation line without an object before it is skipped", () => {
  const { objects, skipped } = parseLines("(00001.001)\r\nbad line\r\n(1)\r\n1-0:1.8.1(1*kWh)\r\n");
  assertEquals(objects.map((o) => o.code), ["1-0:1.8.1"]);
  assertEquals(skipped, ["(00001.001)", "bad line", "(1)"]);
});

Deno.test("Belgian peaks: current month and the 13-month history", () => {
  assertEquals(one("1-0:1.6.0(200509134558S)(02.589*kW)").groups, [
    { value: "200509134558S" },
    { value: "02.589", unit: "kW" },
  ]);
  const history = one(
    "0-0:98.1.0(2)(1-0:1.6.0)(1-0:1.6.0)(230801000000S)(632525252525W)(00.000*kW)(230901000000S)(230831181500S)(01.862*kW)",
  );
  assertEquals(peakHistory(history), [
    { month: "2023-08-01T00:00:00+02:00", time: undefined, value: "0.000", unit: "kW" },
    {
      month: "2023-09-01T00:00:00+02:00",
      time: "2023-08-31T18:15:00+02:00",
      value: "1.862",
      unit: "kW",
    },
  ]);
  assertEquals(peakHistory(one("0-0:98.1.0(12)")), []);
  assertEquals(peakHistory(one("0-0:98.1.0(230701000000S)(000040.777*kWh)")), []);
});

Deno.test("OBIS suffixes: *255 and .255 are dropped, other F values kept", () => {
  assertEquals(one("1-0:1.8.0*255(00032549.5061662*kWh)").code, "1-0:1.8.0");
  assertEquals(one("1-0:31.7.0.255(001*A)").code, "1-0:31.7.0");
  assertEquals(one("1-0:1.8.0*01(1*kWh)").code, "1-0:1.8.0*01");
  assertEquals(one("0-0:96.1.255*255(1ESY1336001560)").code, "0-0:96.1.255");
});

Deno.test("odd characters in values do not break a line", () => {
  assertEquals(one("1-1:31.4.0(100.0*A,-100.0*A)").groups, [{
    value: "100.0",
    unit: "A,-100.0*A",
  }]);
  assertEquals(one("0-0:96.13.0(test-/-test)").groups, [{ value: "test-/-test" }]);
  assertEquals(one("0-0:96.1.1(serie nummer_#+)").groups, [{ value: "serie nummer_#+" }]);
  assertEquals(one("0-0:96.13.0(\u00ab\u0002\u00ff)").groups, [{ value: "\u00ab\u0002\u00ff" }]);
  assertEquals(one("1-1:31.4.0(100*A)(-063*A)").groups.length, 2);
});

Deno.test("lines that are not 'obis 1*group' are skipped, the rest still parse", () => {
  const { objects, skipped } = parseLines(
    [
      "1-0:99:97.0(2)(0:96.7.19)",
      "1-0:1.8.1",
      "1-0:1.8.1(12",
      "1-0:1.8.1(1*kWh)junk",
      "1-0:1.8(1*kWh)",
      "1234-0:1.8.1(1*kWh)",
      "  25818685",
      "DE0000000000000000000000000000003",
      "1-0:1.8.2(2*kWh) ",
      "",
      "1-0:2.8.1(3*kWh)",
    ].join("\r\n"),
  );
  assertEquals(objects.map((o) => o.code), ["1-0:1.8.2", "1-0:2.8.1"]);
  assertEquals(skipped.length, 8);
});

Deno.test("LF-only and CR LF line ends parse alike", () => {
  const crlf = parseLines("1-0:1.8.1(1*kWh)\r\n1-0:1.8.2(2*kWh)\r\n");
  const lf = parseLines("1-0:1.8.1(1*kWh)\n1-0:1.8.2(2*kWh)");
  assertEquals(lf, crlf);
});

Deno.test("parseLines honours start and end", () => {
  const text = "HEADER\r\n1-0:1.8.1(1*kWh)\r\n!ABCD";
  const { objects } = parseLines(text, 8, text.indexOf("!"));
  assertEquals(objects, [{ code: "1-0:1.8.1", groups: [{ value: "1", unit: "kWh" }] }]);
});

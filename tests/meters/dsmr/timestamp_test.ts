import { assertEquals } from "../../assert.ts";
import { parseTimestamp } from "../../../src/meters/dsmr/timestamp.ts";

Deno.test("S is summer time (+02:00), W winter time (+01:00)", () => {
  assertEquals(parseTimestamp("221006061550S"), "2022-10-06T06:15:50+02:00");
  assertEquals(parseTimestamp("101209113020W"), "2010-12-09T11:30:20+01:00");
});

Deno.test("the repeated October hour is told apart by the letter", () => {
  const summer = parseTimestamp("231029023000S")!;
  const winter = parseTimestamp("231029023000W")!;
  assertEquals(new Date(summer).toISOString(), "2023-10-29T00:30:00.000Z");
  assertEquals(new Date(winter).toISOString(), "2023-10-29T01:30:00.000Z");
});

Deno.test("impossible dates and malformed text give no value", () => {
  for (
    const text of [
      "632525252525S",
      "632525252525W",
      "250000000000W",
      "221306061550S",
      "220230000000W",
      "210229000000W",
      "221006241550S",
      "221006066050S",
      "221006061560S",
      "221006061550X",
      "221006061550s",
      "22100606155S",
      "2210060615500S",
      "07E8061C050A2B2B00FF8880",
      "",
      "abcdefghijklm",
      "2210060615-0S",
    ]
  ) {
    assertEquals(parseTimestamp(text), undefined, text);
  }
});

Deno.test("leap days are valid only in leap years", () => {
  assertEquals(parseTimestamp("240229120000W"), "2024-02-29T12:00:00+01:00");
  assertEquals(parseTimestamp("000229120000W"), "2000-02-29T12:00:00+01:00");
  assertEquals(parseTimestamp("230229120000W"), undefined);
});

Deno.test("two-digit years pivot at 69 like strptime", () => {
  assertEquals(parseTimestamp("700101010000W"), "1970-01-01T01:00:00+01:00");
  assertEquals(parseTimestamp("000101010000W"), "2000-01-01T01:00:00+01:00");
  assertEquals(parseTimestamp("681231235959W"), "2068-12-31T23:59:59+01:00");
  assertEquals(parseTimestamp("991231235959W"), "1999-12-31T23:59:59+01:00");
});

Deno.test("the 12-digit DSMR 2.2 form follows the Amsterdam summer-time rule", () => {
  assertEquals(parseTimestamp("161107190000"), "2016-11-07T19:00:00+01:00");
  assertEquals(parseTimestamp("120517020000"), "2012-05-17T02:00:00+02:00");
  // 2023: summer time from 26 March 02:00 to 29 October 03:00.
  assertEquals(parseTimestamp("230326015959"), "2023-03-26T01:59:59+01:00");
  assertEquals(parseTimestamp("230326023000"), "2023-03-26T02:30:00+01:00");
  assertEquals(parseTimestamp("230326030000"), "2023-03-26T03:00:00+02:00");
  assertEquals(parseTimestamp("230325120000"), "2023-03-25T12:00:00+01:00");
  assertEquals(parseTimestamp("231029023000"), "2023-10-29T02:30:00+02:00");
  assertEquals(parseTimestamp("231029030000"), "2023-10-29T03:00:00+01:00");
  assertEquals(parseTimestamp("231028120000"), "2023-10-28T12:00:00+02:00");
  assertEquals(parseTimestamp("231030120000"), "2023-10-30T12:00:00+01:00");
});

Deno.test("the 12-digit rule agrees with the platform's Europe/Amsterdam zone", () => {
  const format = new Intl.DateTimeFormat("en", {
    timeZone: "Europe/Amsterdam",
    timeZoneName: "shortOffset",
  });
  // Every hour of 2020..2024 except local 02:xx (the ambiguous and missing hours).
  for (let t = Date.UTC(2020, 0, 1); t < Date.UTC(2025, 0, 1); t += 3600_000 + 60_000) {
    const offset = format.formatToParts(new Date(t)).find((p) => p.type === "timeZoneName")!
        .value === "GMT+2"
      ? 2
      : 1;
    const local = new Date(t + offset * 3600_000);
    const text = local.toISOString().slice(2, 19).replace(/[-T:]/g, "");
    if (local.getUTCHours() === 2) continue;
    assertEquals(new Date(parseTimestamp(text)!).getTime(), t, text);
  }
});

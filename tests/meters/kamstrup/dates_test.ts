import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import { DATE_UNITS, dateText } from "../../../src/meters/kamstrup/dates.ts";
import { unitOf } from "../../../src/meters/kamstrup/units.ts";
import { seededRandom } from "../../random.ts";

Deno.test("KMP dates and clock times become ISO 8601 text", () => {
  assertEquals(dateText("yy:mm:dd", "220112"), "2022-01-12");
  assertEquals(dateText("yy:mm:dd", "50101"), "2005-01-01");
  assertEquals(dateText("yyyy:mm:dd", "20240229"), "2024-02-29");
  assertEquals(dateText("mm:dd", "1231"), "--12-31");
  assertEquals(dateText("mm:dd", "229"), "--02-29");
  assertEquals(dateText("hh:mm:ss", "200243"), "20:02:43");
  assertEquals(dateText("hh:mm:ss", "0"), "00:00:00");
});

Deno.test("digits that are no date or time give no text", () => {
  assertEquals(dateText("yy:mm:dd", "0"), undefined);
  assertEquals(dateText("yy:mm:dd", "231301"), undefined);
  assertEquals(dateText("yy:mm:dd", "230229"), undefined);
  assertEquals(dateText("yy:mm:dd", "230431"), undefined);
  assertEquals(dateText("yy:mm:dd", "1220112"), undefined);
  assertEquals(dateText("yyyy:mm:dd", "1231"), undefined);
  assertEquals(dateText("mm:dd", "230"), undefined);
  assertEquals(dateText("hh:mm:ss", "246000"), undefined);
  assertEquals(dateText("hh:mm:ss", "126000"), undefined);
  assertEquals(dateText("hh:mm:ss", "1.5"), undefined);
  assertEquals(dateText("hh:mm:ss", "-1"), undefined);
  assertEquals(dateText("kWh", "220112"), undefined);
});

Deno.test("the date units are the KMP unit bytes 47 to 50", () => {
  assertEquals(new Set([47, 48, 49, 50].map(unitOf)), DATE_UNITS);
});

/** Independent check of a calendar date with the platform's calendar. */
function validDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day;
}

Deno.test("fuzz: 200000 random values never throw; every text is valid and gives the digits back", () => {
  const random = seededRandom(0xda7e);
  const units = [...DATE_UNITS, "", "h", "kWh"];
  const counts = { text: 0, none: 0 };
  for (let i = 0; i < 200_000; i++) {
    const unit = units[Math.floor(random() * units.length)];
    const roll = random();
    const pick = (n: number) => Math.floor(random() * n);
    const value = roll < 0.5
      ? String(
        (unit === "yyyy:mm:dd" ? 1990 + pick(120) : pick(30)) * 10000 + pick(14) * 100 +
          pick(62),
      )
      : roll < 0.8
      ? String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 9))))
      : roll < 0.9
      ? `${Math.floor(random() * 1e6)}.${Math.floor(random() * 100)}`
      : ["", "-1", "abc", "1e5", " 1", "99999999999"][Math.floor(random() * 6)];
    let text: string | undefined;
    try {
      text = dateText(unit, value);
    } catch (error) {
      throw new Error(`case ${i}: dateText(${unit}, ${value}) threw: ${error}`);
    }
    if (text === undefined) {
      counts.none++;
      continue;
    }
    counts.text++;
    const n = Number(value);
    const where = `case ${i}: ${unit} ${value} → ${text}`;
    if (unit === "hh:mm:ss") {
      assertMatch(text, /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, where);
      assertEquals(Number(text.replaceAll(":", "")), n, where);
    } else if (unit === "mm:dd") {
      assertMatch(text, /^--\d\d-\d\d$/, where);
      assertOk(validDate(2000, Number(text.slice(2, 4)), Number(text.slice(5))), where);
      assertEquals(Number(text.slice(2).replace("-", "")), n, where);
    } else {
      assertMatch(text, /^\d{4}-\d\d-\d\d$/, where);
      const [year, month, day] = text.split("-").map(Number);
      assertOk(validDate(year, month, day), where);
      const digits = unit === "yy:mm:dd" ? (year - 2000) * 10000 : year * 10000;
      assertEquals(digits + month * 100 + day, n, where);
    }
  }
  assertOk(counts.text > 10_000 && counts.none > 10_000, JSON.stringify(counts));
});

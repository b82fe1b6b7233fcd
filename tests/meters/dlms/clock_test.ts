import { assertEquals } from "../../assert.ts";
import { decodeHex } from "../../../src/bytes.ts";
import { cosemDateTime } from "../../../src/meters/dlms/clock.ts";

const iso = (hex: string) => cosemDateTime(decodeHex(hex));

Deno.test("the deviation gives the offset: local = UTC - deviation", () => {
  assertEquals(iso("07e5091b01092f0f00ff8880"), "2021-09-27T09:47:15+02:00");
  assertEquals(iso("07e6020405102b1400ffc400"), "2022-02-04T16:43:20+01:00");
  assertEquals(iso("07e0090804130d1900000080"), "2016-09-08T19:13:25Z");
  assertEquals(iso("07e60b0c0610360000003c00"), "2022-11-12T16:54:00-01:00");
  assertEquals(iso("07e60b0c06103600000014ff"), "2022-11-12T16:54:00-00:20");
});

Deno.test("an unspecified deviation gives Central European time by the EU summer-time rule", () => {
  assertEquals(iso("07e7031c02130b14ff800000"), "2023-03-28T19:11:20+02:00");
  assertEquals(iso("07e708080210080bff800080"), "2023-08-08T16:08:11+02:00");
  assertEquals(iso("07e7011502100800ff8000ff"), "2023-01-21T16:08:00+01:00");
  // The switch days: 26 March 2023 02:00 -> 03:00, 29 October 2023 03:00 -> 02:00.
  assertEquals(iso("07e7031a0701ff00ff800000"), undefined);
  assertEquals(iso("07e7031a07013b00ff800000"), "2023-03-26T01:59:00+01:00");
  assertEquals(iso("07e7031a07030000ff800000"), "2023-03-26T03:00:00+02:00");
  assertEquals(iso("07e70a1d07023000ff800000"), "2023-10-29T02:48:00+02:00");
  assertEquals(iso("07e70a1d07030000ff800000"), "2023-10-29T03:00:00+01:00");
  assertEquals(iso("076c0101ff000000ff800000"), undefined);
});

Deno.test("hundredths are a fraction when sent and not zero", () => {
  assertEquals(iso("07e5091b01092f0f07ff8880"), "2021-09-27T09:47:15.07+02:00");
  assertEquals(iso("07e5091b01092f0fffff8880"), "2021-09-27T09:47:15+02:00");
  assertEquals(iso("07e5091b01092f0f64ff8880"), undefined);
});

Deno.test("unspecified fields, patterns and impossible dates give no time", () => {
  for (
    const hex of [
      "ffff091b01092f0f00ff8880", // year not specified
      "07e5ff1b01092f0f00ff8880", // month not specified
      "07e5fd1b01092f0f00ff8880", // month: DST end pattern
      "07e509fe01092f0f00ff8880", // day: second-last day pattern
      "07e5090001092f0f00ff8880", // day 0
      "07e5021d01092f0f00ff8880", // 29 February 2021
      "07e5091bff182f0f00ff8880", // hour 24
      "07e5091bff09ff0f00ff8880", // minute not specified
      "07e5091bff092f3c00ff8880", // second 60
      "07e5091bff092f0f00fcb780", // deviation -841
      "07e5091b01092f0f00ff88", // 11 bytes
    ]
  ) assertEquals(iso(hex), undefined, hex);
  assertEquals(iso("07e4021d06092f0f00ffc400"), "2020-02-29T09:47:15+01:00");
});

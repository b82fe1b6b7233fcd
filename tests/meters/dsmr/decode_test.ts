import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import { crc16Arc } from "../../../src/crc.ts";
import { formatCrc } from "../../../src/meters/dsmr/telegram.ts";
import {
  decodeTelegram,
  interpret,
  type TelegramDecodeOptions,
} from "../../../src/meters/dsmr/decode.ts";
import { parseLines } from "../../../src/meters/dsmr/lines.ts";
import { parseTelegram } from "../../../src/meters/dsmr/telegram.ts";
import { convert } from "../../../src/units.ts";
import { ELECTRICITY } from "../../../src/meters/electricity.ts";
import { readVectors } from "./vectors.ts";
import { latin1 } from "../../../src/bytes.ts";

/** A telegram with a correct CRC around `lines`. */
function telegram(lines: string[], header = "/TST5 test"): Uint8Array {
  const body = `${header}\r\n\r\n${lines.map((l) => l + "\r\n").join("")}!`;
  return latin1(`${body}${formatCrc(crc16Arc(latin1(body)))}\r\n`);
}

/** Values of `lines` as `node/property` → value. */
function values(
  lines: string[],
  options: Partial<TelegramDecodeOptions> = {},
): Record<string, string> {
  const result = decodeTelegram(telegram(lines), { crc: "required", ...options });
  assertOk(result.ok, !result.ok ? result.error.message : "");
  return Object.fromEntries(result.value.values.map((v) => [`${v.node}/${v.property}`, v.value]));
}

Deno.test("convert shifts exactly between meter and published units", () => {
  assertEquals(convert("006545766", "Wh", "kWh"), "6545.766");
  assertEquals(convert("01.193", "kW", "W"), "1193");
  assertEquals(convert("000000286", "W", "W"), "286");
  assertEquals(convert("003897726", "varh", "kvarh"), "3897.726");
  assertEquals(convert("0001.229", "kVAr", "var"), "1229");
  assertEquals(convert("00001234.432", "kVArh", "kvarh"), "1234.432");
  assertEquals(convert("123456.789", "kwh", "kWh"), "123456.789");
  assertEquals(convert("00246.138", "m3", "m³"), "246.138");
  assertEquals(convert("1", "MWh", "kWh"), undefined);
  assertEquals(convert("1", "kVA", "W"), undefined);
  assertEquals(convert("1", "kW", "kWh"), undefined);
  assertEquals(convert("16", "A", "W"), undefined);
  assertEquals(convert("1,5", "kWh", "kWh"), undefined);
  assertEquals(convert("", "kWh", "kWh"), undefined);
  assertEquals(convert("1", "constructor", "kWh"), undefined);
  assertEquals(convert("1", "__proto__", "kWh"), undefined);
});

Deno.test("T210-style Wh/W/varh/var registers publish as kWh/W/kvarh/var", () => {
  assertEquals(
    values([
      "1-0:1.8.0(006545766*Wh)",
      "1-0:1.7.0(000000286*W)",
      "1-0:3.8.0(000000747*varh)",
      "1-0:4.7.0(000000166*var)",
    ]),
    {
      "import/total": "6545.766",
      "power/import": "286",
      "reactive/import-energy": "0.747",
      "reactive/export-power": "166",
    },
  );
});

Deno.test("totals are the exact sum of the tariff registers when the meter sends none", () => {
  assertEquals(
    values(["1-0:1.8.1(002130.115*kWh)", "1-0:1.8.2(000245.467*kWh)", "1-0:2.8.1(1*Wh)"]),
    {
      "import/total": "2375.582",
      "import/t1": "2130.115",
      "import/t2": "245.467",
      "export/total": "0.001",
      "export/t1": "0.001",
    },
  );
  assertEquals(values(["1-0:1.8.0(5*kWh)", "1-0:1.8.1(1*kWh)"])["import/total"], "5");
});

Deno.test("no total when a sent tariff register has no value", () => {
  assertEquals(values(["1-0:1.8.1(1*kWh)", "1-0:1.8.2(2*MWh)"]), { "import/t1": "1" });
  assertEquals(values(["1-0:1.8.1(1*kWh)", "1-0:1.8.2(x*kWh)"]), { "import/t1": "1" });
});

Deno.test("unknown units, missing units and non-decimals give no value", () => {
  assertEquals(
    values([
      "1-0:1.7.0(1.5*kVA)",
      "1-0:2.7.0(1.5)",
      "1-0:32.7.0(23O.1*V)",
      "1-0:31.7.0()",
      "1-0:21.7.0(1e3*W)",
      "0-0:96.14.0(T2)",
      "0-0:1.0.0(632525252525S)",
      "1-0:22.7.0(-0.000*kW)",
    ]),
    { "l1/power-export": "0" },
  );
});

Deno.test("the tariff is an enum of its digits and the meter time an ISO datetime", () => {
  const result = decodeTelegram(telegram(["0-0:1.0.0(221006061550S)", "0-0:96.14.0(0002)"]), {
    crc: "required",
  });
  assertOk(result.ok);
  assertEquals(result.value.meterTime, "2022-10-06T06:15:50+02:00");
  assertEquals(result.value.values, [
    { ...ELECTRICITY.timestamp, value: "2022-10-06T06:15:50+02:00" },
    { ...ELECTRICITY.tariff, value: "2" },
  ]);
  assertEquals(result.value.values[1].options, ["1", "2", "3", "4"]);
});

// Changed on purpose (consumers issue): the tariff became an enum, so a value
// outside its options gives no value instead of exact digits.
Deno.test("a tariff outside the enum's options gives no value", () => {
  assertEquals(values(["0-0:96.14.0(000123456789012345678901234)"]), {});
  assertEquals(values(["0-0:96.14.0(0005)"]), {});
  assertEquals(values(["0-0:96.14.0(0004)"]), { "meter/tariff": "4" });
});

Deno.test("unknown codes are kept in the parse and produce no value", () => {
  const result = decodeTelegram(telegram(["1-0:99.99.9(42*foo)", "9-9:9.9.9(x)"]), {
    crc: "required",
  });
  assertOk(result.ok);
  assertEquals(result.value.values, []);
  assertEquals(result.value.parsed.objects.map((o) => o.code), ["1-0:99.99.9", "9-9:9.9.9"]);
});

Deno.test("gas is the first channel of device type 003 with a reading that has a unit", () => {
  const lines = [
    "0-1:24.1.0(003)",
    "0-1:24.2.1(700101010000W)(00000000)",
    "0-2:24.1.0(007)",
    "0-2:24.2.1(200426223001S)(00012.000*m3)",
    "0-3:24.1.0(003)",
    "0-3:24.2.1(200426223001S)(00246.138*m3)",
    "0-4:24.1.0(003)",
    "0-4:24.2.1(200426220000S)(00999.000*m3)",
  ];
  assertEquals(values(lines), {
    "gas/volume": "246.138",
    "gas/timestamp": "2020-04-26T22:30:01+02:00",
    "water/volume": "12.000",
    "water/timestamp": "2020-04-26T22:30:01+02:00",
  });
  assertEquals(values(lines, { channels: { gas: 4 } })["gas/volume"], "999.000");
  assertEquals(values(lines, { channels: { gas: 1 } })["gas/volume"], undefined);
});

// Changed on purpose (consumers issue): a channel without device type whose
// reading is a volume is gas, as dsmr_parser and dsmr-reader read it.
Deno.test("a reading in m³ without device type is gas; a typed gas channel comes first", () => {
  assertEquals(values(["0-1:24.2.1(200426223001S)(00246.138*m3)"]), {
    "gas/volume": "246.138",
    "gas/timestamp": "2020-04-26T22:30:01+02:00",
  });
  assertEquals(values(["0-1:24.2.1(200426223001S)(00012.345*GJ)"]), {});
  assertEquals(values(["0-1:24.2.1(200426223001S)(00012.345)"]), {});
  assertEquals(
    values([
      "0-1:24.2.1(200426223001S)(00001.000*m3)",
      "0-2:24.1.0(003)",
      "0-2:24.2.1(200426223001S)(00002.000*m3)",
    ])["gas/volume"],
    "2.000",
  );
  assertEquals(values(["0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)", "(00001.001)"]), {
    "gas/volume": "1.001",
    "gas/timestamp": "2016-11-07T19:00:00+01:00",
  });
});

Deno.test("the power-failure log gives the failure that ended last; the counters are integers", () => {
  assertEquals(
    values([
      "0-0:96.7.21(00004)",
      "0-0:96.7.9(00002)",
      "1-0:99.97.0(2)(0-0:96.7.19)(101208152415W)(0000000240*s)(101208151004W)(0000000301*s)",
    ]),
    {
      "outages/short": "4",
      "outages/long": "2",
      "outages/last-end": "2010-12-08T15:24:15+01:00",
      "outages/last-duration": "240",
    },
  );
  assertEquals(
    values([
      "1-0:99.97.0(2)(0-0:96.7.19)(101208151004W)(0000000301*s)(101208152415W)(0000000240*s)",
    ])[
      "outages/last-duration"
    ],
    "240",
    "the order of the entries does not matter",
  );
  assertEquals(values(["1-0:99.97.0(0)(0-0:96.7.19)"]), {});
  assertEquals(values(["1-0:99.97.0(1)(0-0:96.7.19)(632525252525W)(0000000240*s)"]), {});
});

Deno.test("the peak history gives the month closed last, in W", () => {
  const fluvius = [
    "0-0:98.1.0(4)(1-0:1.6.0)(1-0:1.6.0)(230801000000S)(632525252525W)(00.000*kW)",
    "(230901000000S)(230831181500S)(01.862*kW)(231101000000W)(231016130000S)(04.927*kW)",
    "(231001000000S)(230910183000S)(04.229*kW)",
  ].join("");
  assertEquals(values([fluvius]), {
    "power/peak-previous-month": "4927",
    "power/peak-previous-month-time": "2023-10-16T13:00:00+02:00",
  });
  assertEquals(values(["0-0:98.1.0(0)(1-0:1.6.0)(1-0:1.6.0)"]), {});
});

Deno.test("a gas reading with a placeholder time gives the volume only", () => {
  assertEquals(values(["0-1:24.1.0(003)", "0-1:24.2.1(632525252525S)(00012.345*m3)"]), {
    "gas/volume": "12.345",
  });
});

Deno.test("electricity codes with B = 1 stand in for B = 0 (Sagemcom XT211)", () => {
  const xt211 = readVectors("nonconforming").find((v) => v.name.includes("xt211"))!;
  const result = decodeTelegram(xt211.bytes, { crc: "ignore" });
  assertOk(result.ok);
  const byProperty = Object.fromEntries(
    result.value.values.map((v) => [`${v.node}/${v.property}`, v.value]),
  );
  assertEquals(byProperty["import/t1"], "1595.070");
  assertEquals(byProperty["power/import"], "1622");
  assertEquals(byProperty["meter/timestamp"], undefined);
  const both = interpret(parseLines("1-1:1.8.1(2*kWh)\n1-0:1.8.1(1*kWh)\n").objects).values;
  assertEquals(both.find((v) => v.property === "t1")?.value, "1");
});

Deno.test("values carry their full quantity for the sink", () => {
  const result = decodeTelegram(telegram(["1-0:32.7.0(0230.0*V)"]), { crc: "required" });
  assertOk(result.ok);
  assertEquals(result.value.values, [{ ...ELECTRICITY.l1.voltage, value: "230.0" }]);
});

Deno.test("CRC modes: required, optional, ignore", () => {
  const good = telegram(["1-0:1.8.1(1*kWh)"]);
  const bad = good.slice();
  bad[bad.indexOf(0x28) + 1] ^= 1;
  const bare = latin1("/TST5 test\r\n\r\n1-0:1.8.1(1*kWh)\r\n!\r\n");
  const outcome = (bytes: Uint8Array, crc: TelegramDecodeOptions["crc"]) => {
    const result = parseTelegram(bytes, { crc });
    return result.ok ? "ok" : result.error.reason;
  };
  assertEquals(
    [outcome(good, "required"), outcome(good, "optional"), outcome(good, "ignore")],
    ["ok", "ok", "ok"],
  );
  assertEquals(
    [outcome(bad, "required"), outcome(bad, "optional"), outcome(bad, "ignore")],
    ["crc", "crc", "ok"],
  );
  assertEquals(
    [outcome(bare, "required"), outcome(bare, "optional"), outcome(bare, "ignore")],
    ["crc", "ok", "ok"],
  );
});

Deno.test("a bad CRC message names the given and the computed CRC", () => {
  const bytes = latin1("/TST5 test\r\n\r\n1-0:1.8.1(1*kWh)\r\n!0B9F\r\n");
  const result = parseTelegram(bytes, { crc: "required" });
  assertOk(!result.ok);
  const computed = formatCrc(crc16Arc(bytes, 0, bytes.indexOf(0x21) + 1));
  assertMatch(result.error.message, new RegExp(`0B9F.*${computed}`));
});

Deno.test("footers: 3 digits, lower case, LF only, no line end, and malformed ones", () => {
  const body = "/TST5 test\r\n\r\n1-0:1.8.1(1*kWh)\r\n!";
  const crc = crc16Arc(latin1(body));
  const hex = formatCrc(crc);
  const outcome = (footer: string) => {
    const result = parseTelegram(latin1(body + footer), { crc: "required" });
    return result.ok ? `ok ${result.value.crc}` : result.error.reason;
  };
  assertEquals(outcome(`${hex}\r\n`), `ok ${hex}`);
  assertEquals(outcome(`${hex.toLowerCase()}\n`), `ok ${hex}`);
  assertEquals(outcome(hex), `ok ${hex}`);
  assertEquals(outcome(`${hex}\r\n  25818685\r\n\xff\xff`), `ok ${hex}`);
  assertEquals(outcome(`${hex}0\r\n`), "crc");
  assertEquals(outcome(`${hex}X\r\n`), "crc");
  assertEquals(outcome(`G${hex}\r\n`), "crc");
  if (crc < 0x1000) assertEquals(outcome(`${hex.slice(1)}\r\n`), `ok ${hex}`);
});

Deno.test("a three-digit CRC compares numerically (Warmtelink '!B9F')", () => {
  const vector = readVectors().find((v) => v.name.includes("unpadded-crc"))!;
  const result = parseTelegram(vector.bytes, { crc: "required" });
  assertOk(result.ok);
  assertEquals(result.value.crc, "0B9F");
});

Deno.test("framing: no header, no footer, '!' not at a line start", () => {
  const reason = (text: string) => {
    const result = parseTelegram(latin1(text), { crc: "optional" });
    return result.ok ? "ok" : result.error.reason;
  };
  assertEquals(reason(""), "framing");
  assertEquals(reason("1-0:1.8.1(1*kWh)\r\n!\r\n"), "framing");
  assertEquals(reason("/TST5 test\r\n1-0:1.8.1(1*kWh)\r\n"), "framing");
  assertEquals(reason("/TST5 test!\r\n"), "framing");
  assertEquals(reason("/TST5 test\r\n1-0:1.8.1(1*kWh)!\r\n"), "framing");
  assertEquals(reason("noise/TST5 test\r\n!\r\n"), "ok");
});

Deno.test("the header is read as latin-1 bytes", () => {
  const result = parseTelegram(latin1("/FLU5\\\xab769484_A\r\n\x02\r\n!\r\n"), {
    crc: "optional",
  });
  assertOk(result.ok);
  assertEquals(result.value.header, "/FLU5\\\u00ab769484_A");
  assertEquals(result.value.skipped, ["\u0002"]);
});

Deno.test("power is in W at the meter's resolution: whole from kW with 3 decimals, finer kept", () => {
  const decoded = values([
    "1-0:1.7.0(01.193*kW)",
    "1-0:2.7.0(01.68821*kW)",
    "1-0:3.7.0(00.5000*kvar)",
  ]);
  assertEquals(decoded["power/import"], "1193");
  assertEquals(decoded["power/export"], "1688.21");
  assertEquals(decoded["reactive/import-power"], "500.0");
});

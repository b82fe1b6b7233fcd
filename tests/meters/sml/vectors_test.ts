/**
 * Every shared SML vector through the whole core: what its source asserts,
 * and, as cross-checks, what the research decoded on its own.
 */
import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { encodeHex } from "../../../src/bytes.ts";
import { compare, shift } from "../../../src/decimal.ts";
import { convert } from "../../../src/units.ts";
import { DLMS_UNITS, formatObis } from "../../../src/meters/obis.ts";
import { decodeSmlPayload, type SmlDecoded } from "../../../src/meters/sml/decode.ts";
import { SmlDecoder } from "../../../src/meters/sml/decoder.ts";
import { decodeSmlMessages } from "../../../src/meters/sml/messages.ts";
import { crc16Kermit, crc16X25 } from "../../../src/crc.ts";
import { encodeSmlFrame, SmlFramer } from "../../../src/meters/sml/transport.ts";
import { readSmlVectors, type SmlVector } from "./vectors.ts";

const VECTORS = readSmlVectors();

function payloadOf({ bytes, json }: SmlVector): Uint8Array {
  return json.transport ? unwrap(new SmlFramer().push(bytes)[0]).payload : bytes;
}

function decodedOf(vector: SmlVector): SmlDecoded {
  if (!vector.json.transport) return unwrap(decodeSmlPayload(vector.bytes));
  const out = new SmlDecoder().push(vector.bytes);
  assertEquals(out.length, 1, vector.name);
  return unwrap(out[0]);
}

/** Python decimal text (`1.3391E+7`, `0E+3`) as plain decimal text. */
function plain(text: string): string {
  const [mantissa, exponent = "0"] = text.split(/E/i);
  return shift(mantissa, Number(exponent))!;
}

Deno.test("there are 9 shared SML vectors, 7 of them transport frames", () => {
  assertEquals(VECTORS.length, 9);
  assertEquals(VECTORS.filter((v) => v.json.transport).length, 7);
});

Deno.test("Holley DTZ541: …1A 01 75 02 is KERMIT = 0x7502, sent high byte first", () => {
  const holley = VECTORS.find((v) => v.name.includes("kermit"))!.bytes;
  assertEquals(encodeHex(holley.subarray(-4)), "1a017502");
  assertEquals(crc16Kermit(holley, 0, holley.length - 2), 0x7502);
  assertOk(crc16X25(holley, 0, holley.length - 2) !== 0x0275);
  assertEquals(summaryOf(new SmlDecoder({ crc: "x25" }).push(holley)), ["crc"]);
});

Deno.test("every transport frame passes with the CRC variant and fill count it records", () => {
  for (const { name, bytes, json } of VECTORS.filter((v) => v.json.transport)) {
    const framer = new SmlFramer();
    const out = framer.push(bytes);
    assertEquals(out.length, 1, name);
    const frame = unwrap(out[0]);
    const transport = json.transport!;
    assertEquals(frame.crc, transport.crc_match.startsWith("kermit") ? "kermit" : "x25", name);
    assertEquals(frame.fill, transport.padding_bytes, name);
    assertEquals(frame.wire, bytes, name);
    assertEquals(bytes.length, transport.bytes, name);
    assertEquals(framer.crc, frame.crc);
    // Encoding the payload again gives the same bytes, but for DZG's fill of 4.
    if (frame.fill <= 3) {
      assertEquals(encodeHex(encodeSmlFrame(frame.payload, frame.crc)), encodeHex(bytes));
    }
  }
});

function summaryOf(results: { ok: boolean; error?: { reason: string } }[]): string[] {
  return results.map((r) => r.ok ? "ok" : r.error!.reason);
}

for (const vector of VECTORS) {
  const { name, json } = vector;

  Deno.test(`${name}: the values its source asserts`, () => {
    const entries = decodedOf(vector).lists.flatMap((l) => l.entries);
    const asserted = Object.entries(json.expected.values ?? {});
    for (const [code, [value, unit]] of asserted) {
      const found = entries.find((e) => formatObis(e.obis) === code);
      assertOk(found, `${code} missing`);
      if (unit === "") {
        assertEquals(new TextDecoder().decode(found.value as Uint8Array), value, code);
        continue;
      }
      const symbol = DLMS_UNITS.get(found.unit!)!;
      const got = symbol === unit ? found.decimal! : convert(found.decimal!, symbol, unit)!;
      assertEquals(got, value, `${code} in ${unit}`);
    }
  });

  Deno.test(`${name}: the entries decoded by the research agree`, () => {
    const entries = decodedOf(vector).lists.flatMap((l) => l.entries);
    assertEquals(entries.length, json.decoded_here.length, "entry count");
    json.decoded_here.forEach((item, i) => {
      const entry = entries[i];
      assertEquals(encodeHex(entry.obis), item.obis_hex, item.obis);
      assertEquals(formatObis(entry.obis), item.obis);
      if (item.value_hex !== undefined) {
        assertEquals(encodeHex(entry.value as Uint8Array), item.value_hex, item.obis);
      }
      if (item.raw !== undefined) assertEquals(String(entry.value), String(item.raw), item.obis);
      if (item.status !== undefined) assertEquals(Number(entry.status), item.status, item.obis);
      if (item.scaler !== undefined) assertEquals(entry.scaler ?? null, item.scaler, item.obis);
      if (item.unit_code !== undefined) assertEquals(entry.unit ?? null, item.unit_code);
      if (item.value !== undefined) {
        assertEquals(compare(entry.decimal!, plain(item.value)), 0, `${item.obis} ${item.value}`);
      }
    });
  });

  Deno.test(`${name}: the message CRCs match where the research found them matching`, () => {
    const messages = unwrap(decodeSmlMessages(payloadOf(vector)));
    assertEquals(
      messages.map((m) => m.crcOk),
      json.messages.map((m) => m.crc16_x25_matches || m.crc16_kermit_matches),
    );
    assertEquals(
      decodedOf(vector).messageCrcMismatches,
      json.messages.filter((m) => !m.crc16_x25_matches && !m.crc16_kermit_matches).length,
    );
  });
}

Deno.test("what each vector publishes", () => {
  const published = Object.fromEntries(VECTORS.map((vector) => {
    const { values, info } = decodedOf(vector);
    const pick = (node: string, property: string) =>
      values.find((v) => v.node === node && v.property === property)?.value;
    return [vector.name, {
      ...info,
      import: pick("import", "total"),
      export: pick("export", "total"),
      power: [pick("power", "import"), pick("power", "export")].join("/"),
      count: values.length,
    }];
  }));
  assertEquals(published, {
    "de_dzg_smllib": {
      manufacturer: "DZG",
      serial: "1DZG0042123440",
      import: "13391.000",
      export: "0.000",
      power: "/",
      count: 2,
    },
    "de_ebz_dd3_sml2mqtt": {
      manufacturer: "EBZ",
      import: "450.09189911",
      export: "2.19800000",
      power: "352.89/0",
      count: 12,
    },
    "de_emh_ehz_smartmeter-obis": {
      manufacturer: "EMH",
      serial: "1EMH0004321349",
      import: "15338.5557",
      export: undefined,
      power: "563.5/0",
      count: 5,
    },
    "de_emh_smllib_issue15": {
      manufacturer: "EMH",
      serial: "1EMH0010434630",
      import: "3132.3636",
      export: "3072.7181",
      power: "927/0",
      count: 4,
    },
    "de_holley_dtz541_smllib_kermit-crc": {
      manufacturer: "HLY",
      serial: "1HLY0200088507",
      import: "10793.8987",
      export: "13609.8900",
      power: "188/0",
      count: 11,
    },
    "de_holley_dtz541_smllib_x25": {
      manufacturer: "HLY",
      serial: "1HLY0200271520",
      import: "4499.8962",
      export: "0.0000",
      power: "137/0",
      count: 11,
    },
    "de_iskra_body-only_sml2mqtt": {
      manufacturer: "ISK",
      serial: "1ISK0084020706",
      import: "253.9177",
      export: "0.0000",
      power: "272/0",
      count: 4,
    },
    "de_landisgyr_body-only_sml2mqtt": {
      manufacturer: "LGZ",
      serial: "1LGZ0054541129",
      import: "5171.9237",
      export: "0.0000",
      power: "251/0",
      count: 4,
    },
    "de_unknown_smllib_issue26": {
      manufacturer: "EMH",
      serial: "1EMH0013291390",
      import: undefined,
      export: undefined,
      power: "/",
      count: 0,
    },
  });
});

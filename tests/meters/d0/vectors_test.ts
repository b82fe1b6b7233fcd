/**
 * Every shared D0 vector: its data sets as the vector's author parsed them,
 * the values its source asserts, the BCC verdict it records, and the values
 * and identity smr publishes from it.
 */
import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { normalize } from "../../../src/decimal.ts";
import type { Value } from "../../../src/reading.ts";
import { groupText } from "../../../src/meters/d0/data_sets.ts";
import { D0StreamDecoder } from "../../../src/meters/d0/decoder.ts";
import { ReadoutFramer } from "../../../src/meters/d0/framer.ts";
import { decodeReadout, type Readout } from "../../../src/meters/d0/readout.ts";
import { readoutDecoded } from "../../../src/meters/d0/values.ts";
import { readD0Vectors } from "./vectors.ts";

const vectors = readD0Vectors();

/** The readouts of a vector: one per readout in its bytes, BCC ignored (two fixtures were edited). */
function readouts(bytes: Uint8Array): Readout[] {
  const framer = new ReadoutFramer();
  return [...framer.push(bytes), ...framer.flush()].map((framed) =>
    unwrap(decodeReadout(unwrap(framed), { bcc: "ignore" }))
  );
}

function published(values: Value[]): Record<string, string> {
  return Object.fromEntries(
    values.map((v) => [`${v.node}/${v.property}`, v.unit ? `${v.value} ${v.unit}` : v.value]),
  );
}

Deno.test("the vectors are all here", () => {
  assertEquals(vectors.map((v) => v.name), [
    "actaris-ace_mode-c_smartmeter-obis",
    "easymeter-q3da_mode-d_go-iec62056",
    "hager-ehz_mode-d_vzlogger",
    "kamstrup-multical66-heat_mode-a-c_go-iec62056",
    "siemens-2wr5-heat_mode-c_smartmeter-obis",
  ]);
});

for (const vector of vectors) {
  Deno.test(`${vector.name}: data sets as decoded_here, identification as recorded`, () => {
    const all = readouts(vector.bytes);
    const sets = all.flatMap((r) => r.sets.map((s) => [s.id, s.groups.map(groupText).join("")]));
    const expected = vector.json.decoded_here.map((d) => [
      d.code,
      d.unit === null ? d.value : `${d.value}*${d.unit}`,
    ]);
    assertEquals(sets, expected);
    for (const readout of all) {
      const { identification } = readout;
      assertEquals(identification.manufacturer, vector.json.identification.manufacturer);
      assertEquals(identification.baudChar, vector.json.identification.baud_char);
      assertOk(readout.skipped.length === 0, JSON.stringify(readout.skipped));
    }
  });

  Deno.test(`${vector.name}: the values the source asserts, as sent or normalised`, () => {
    const sets = readouts(vector.bytes).flatMap((r) => r.sets);
    for (const [code, [value, unit]] of Object.entries(vector.json.expected.values ?? {})) {
      const set = sets.find((s) => s.id === code || s.id === `1-0:${code}`);
      assertOk(set, `${code} is in the readout`);
      const raw = set.groups[0][0].value;
      assertOk(raw === value || normalize(raw) === value, `${code}: ${raw} is ${value}`);
      assertEquals(set.groups[0][0].unit ?? "", unit, code);
    }
  });

  Deno.test(`${vector.name}: the BCC verdict the vector records`, () => {
    const result = decodeReadout(vector.bytes);
    if (vector.json.bcc.present && !vector.json.bcc.ok) {
      assertOk(!result.ok && result.error.reason === "crc", JSON.stringify(result));
      assertEquals(
        result.error.message,
        `BCC 0x${vector.json.bcc.given} given, 0x${vector.json.bcc.computed} computed`,
      );
      assertEquals(decodeReadout(vector.bytes, { bcc: "required" }).ok, false);
    } else {
      assertOk(result.ok, JSON.stringify(result));
      assertEquals(result.value.bcc, undefined);
    }
  });
}

Deno.test("ACE (mode C): import and export totals, the error register, identity", () => {
  const [readout] = readouts(vectors[0].bytes);
  const decoded = readoutDecoded(readout);
  assertEquals(published(decoded.values), {
    "meter/error": "00",
    "import/total": "285.4 kWh",
    "export/total": "120.1 kWh",
  });
  assertEquals(decoded.info, {
    manufacturer: "Actaris",
    model: "k260V01.18",
    serial: "1234567890123456",
  });
  assertEquals(readout.identification.enhanced, 3);
  assertEquals(readout.identification.mode, "C");
  assertEquals(readout.identification.baud, 300);
});

Deno.test("EasyMeter Q3DA (mode D): totals, signed powers split, identity", () => {
  const decoded = new D0StreamDecoder().push(vectors[1].bytes).map(unwrap);
  assertEquals(decoded.length, 1);
  assertEquals(published(decoded[0].values), {
    "import/total": "0.7801269 kWh",
    "export/total": "7041.2292533 kWh",
    "l1/power-import": "0 W",
    "l1/power-export": "73.69 W",
    "l2/power-import": "0.00 W",
    "l2/power-export": "0 W",
    "l3/power-import": "0 W",
    "l3/power-export": "68.61 W",
    "power/import": "0 W",
    "power/export": "142.30 W",
  });
  assertEquals(decoded[0].info, {
    manufacturer: "EasyMeter",
    model: "Q3DA1024 V3.03",
    serial: "1ESY1127000167",
  });
});

Deno.test("Hager eHZ (mode D): two readouts; values without unit publish nothing", () => {
  const decoded = new D0StreamDecoder().push(vectors[2].bytes).map(unwrap);
  assertEquals(decoded.map((d) => d.values), [[], []]);
  assertEquals(decoded[0].info, { manufacturer: "Hager", model: "eHZ010C_EHZ1vA02" });
  const [first, second] = readouts(vectors[2].bytes);
  assertEquals(first.sets.map((s) => [s.id, normalize(s.groups[0][0].value)]), [
    ["1-0:1.8.0*255", "1.2963"],
  ]);
  assertEquals(second.sets.map((s) => [s.id, normalize(s.groups[0][0].value)]), [
    ["1-0:1.7.0*255", "1.2964"],
    ["1-0:1.9.0*255", "1.2965"],
  ]);
});

Deno.test("Kamstrup MULTICAL 66 (mode A): heat layout once the edited BCC is ignored", () => {
  const [readout] = readouts(vectors[3].bytes);
  assertEquals(readout.identification.mode, "A");
  const decoded = readoutDecoded(readout);
  assertEquals(published(decoded.values), {
    "heat/energy": "433.65 GJ",
    "circuit/volume": "3052.95 m³",
    "meter/hours": "109868 h",
  });
  assertEquals(decoded.info, { manufacturer: "Kamstrup", model: "MC", serial: "00005077354" });
});

Deno.test("Siemens 2WR5 (mode B, 2400 baud): heat layout and yearly maxima", () => {
  const [readout] = readouts(vectors[4].bytes);
  assertEquals([readout.identification.mode, readout.identification.baud], ["B", 2400]);
  const decoded = readoutDecoded(readout);
  assertEquals(published(decoded.values), {
    "heat/energy": "29.055 MWh",
    "circuit/volume": "1589.28 m³",
    "meter/error": "0",
    "registers/max-power-year": "17.2 kW",
    "registers/max-flow-year": "1.476 m³/h",
    "registers/t1-max-year": "88 °C",
    "registers/t2-max-year": "82 °C",
    "meter/hours": "30710 h",
    "registers/error-hours": "194 h",
  });
  assertEquals(decoded.info, { manufacturer: "Siemens", model: "2WR5", serial: "64030874" });
});

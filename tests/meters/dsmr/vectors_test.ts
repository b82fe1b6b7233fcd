/**
 * Every captured telegram against what dsmr_parser reported for it: first the
 * raw parse (every object, exact decimal text, unit, instant), then the Homie
 * values (converted units, totals, M-Bus device by type).
 */
import { assertEquals, assertOk } from "../../assert.ts";
import { normalize, sum } from "../../../src/decimal.ts";
import type { Value } from "../../../src/reading.ts";
import { decodeTelegram } from "../../../src/meters/dsmr/decode.ts";
import type { DsmrObject } from "../../../src/meters/dsmr/lines.ts";
import { parseLines } from "../../../src/meters/dsmr/lines.ts";
import { mbusReading, peakHistory, powerFailureLog } from "../../../src/meters/dsmr/records.ts";
import { type ParsedTelegram, parseTelegram } from "../../../src/meters/dsmr/telegram.ts";
import { latin1Text } from "../../../src/bytes.ts";
import { parseTimestamp } from "../../../src/meters/dsmr/timestamp.ts";
import { convert } from "../../../src/units.ts";
import { type ParsedEntry, readVectors, type Vector } from "./vectors.ts";

/** dsmr_parser names of channel-0 objects → the reduced codes its regexes match. */
const CODES: Record<string, RegExp> = {
  P1_MESSAGE_HEADER: /^\d-\d:0\.2\.8$/,
  P1_MESSAGE_TIMESTAMP: /^\d-\d:1\.0\.0$/,
  EQUIPMENT_IDENTIFIER: /^\d-\d:96\.1\.1$/,
  BELGIUM_EQUIPMENT_IDENTIFIER: /^\d-0:96\.1\.1$/,
  EQUIPMENT_SERIAL_NUMBER: /^\d-\d:96\.1\.0$/,
  LUXEMBOURG_EQUIPMENT_IDENTIFIER: /^\d-\d:42\.0\.0$/,
  COSEM_LOGICAL_DEVICE_NAME: /^\d-\d:42\.0\.0$/,
  BELGIUM_VERSION_INFORMATION: /^\d-\d:96\.1\.4$/,
  EQUIPMENT_IDENTIFIER_GAS: /^\d-\d:96\.1\.0$/,
  Q3D_EQUIPMENT_IDENTIFIER: /^\d-\d:0\.0\.0$/,
  Q3D_EQUIPMENT_STATE: /^\d-\d:96\.5\.5$/,
  Q3D_EQUIPMENT_SERIALNUMBER: /^\d-\d:96\.1\.255$/,
  ELECTRICITY_IMPORTED_TOTAL: /^\d-\d:1\.8\.0$/,
  ELECTRICITY_USED_TARIFF_1: /^\d-\d:1\.8\.1$/,
  ELECTRICITY_USED_TARIFF_2: /^\d-\d:1\.8\.2$/,
  ELECTRICITY_USED_TARIFF_3: /^\d-\d:1\.8\.3$/,
  ELECTRICITY_USED_TARIFF_4: /^\d-\d:1\.8\.4$/,
  ELECTRICITY_EXPORTED_TOTAL: /^\d-\d:2\.8\.0$/,
  ELECTRICITY_DELIVERED_TARIFF_1: /^\d-\d:2\.8\.1$/,
  ELECTRICITY_DELIVERED_TARIFF_2: /^\d-\d:2\.8\.2$/,
  ELECTRICITY_DELIVERED_TARIFF_3: /^\d-\d:2\.8\.3$/,
  ELECTRICITY_DELIVERED_TARIFF_4: /^\d-\d:2\.8\.4$/,
  ELECTRICITY_REACTIVE_IMPORTED_TOTAL: /^\d-\d:3\.8\.0$/,
  ELECTRICITY_REACTIVE_IMPORTED_TARIFF_1: /^\d-\d:3\.8\.1$/,
  ELECTRICITY_REACTIVE_IMPORTED_TARIFF_2: /^\d-\d:3\.8\.2$/,
  ELECTRICITY_REACTIVE_EXPORTED_TOTAL: /^\d-\d:4\.8\.0$/,
  ELECTRICITY_REACTIVE_EXPORTED_TARIFF_1: /^\d-\d:4\.8\.1$/,
  ELECTRICITY_REACTIVE_EXPORTED_TARIFF_2: /^\d-\d:4\.8\.2$/,
  ELECTRICITY_REACTIVE_TOTAL_Q1: /^\d-\d:5\.8\.0$/,
  ELECTRICITY_REACTIVE_TOTAL_Q2: /^\d-\d:6\.8\.0$/,
  ELECTRICITY_REACTIVE_TOTAL_Q3: /^\d-\d:7\.8\.0$/,
  ELECTRICITY_REACTIVE_TOTAL_Q4: /^\d-\d:8\.8\.0$/,
  ELECTRICITY_COMBINED: /^\d-\d:15\.8\.0$/,
  ELECTRICITY_ACTIVE_TARIFF: /^\d-\d:96\.14\.0$/,
  CURRENT_ELECTRICITY_USAGE: /^\d-\d:1\.7\.0$/,
  CURRENT_ELECTRICITY_DELIVERY: /^\d-\d:2\.7\.0$/,
  CURRENT_REACTIVE_IMPORTED: /^\d-\d:3\.7\.0$/,
  CURRENT_REACTIVE_EXPORTED: /^\d-\d:4\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_Q1: /^\d-\d:5\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_Q2: /^\d-\d:6\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_Q3: /^\d-\d:7\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_Q4: /^\d-\d:8\.7\.0$/,
  BELGIUM_CURRENT_AVERAGE_DEMAND: /^\d-\d:1\.4\.0$/,
  BELGIUM_MAXIMUM_DEMAND_MONTH: /^\d-\d:1\.6\.0$/,
  BELGIUM_MAXIMUM_DEMAND_13_MONTHS: /^\d-\d:98\.1\.0$/,
  ACTUAL_TRESHOLD_ELECTRICITY: /^\d-\d:17\.0\.0$/,
  ACTUAL_SWITCH_POSITION: /^\d-\d:96\.3\.10$/,
  SHORT_POWER_FAILURE_COUNT: /^\d-\d:96\.7\.21$/,
  LONG_POWER_FAILURE_COUNT: /^\d-\d:96\.7\.9$/,
  POWER_EVENT_FAILURE_LOG: /^\d-\d:99\.97\.0$/,
  VOLTAGE_SAG_L1_COUNT: /^\d-\d:32\.32\.0$/,
  VOLTAGE_SAG_L2_COUNT: /^\d-\d:52\.32\.0$/,
  VOLTAGE_SAG_L3_COUNT: /^\d-\d:72\.32\.0$/,
  VOLTAGE_SWELL_L1_COUNT: /^\d-\d:32\.36\.0$/,
  VOLTAGE_SWELL_L2_COUNT: /^\d-\d:52\.36\.0$/,
  VOLTAGE_SWELL_L3_COUNT: /^\d-\d:72\.36\.0$/,
  TEXT_MESSAGE_CODE: /^\d-\d:96\.13\.1$/,
  TEXT_MESSAGE: /^\d-\d:96\.13\.0$/,
  INSTANTANEOUS_VOLTAGE_L1: /^\d-\d:32\.7\.0$/,
  INSTANTANEOUS_VOLTAGE_L2: /^\d-\d:52\.7\.0$/,
  INSTANTANEOUS_VOLTAGE_L3: /^\d-\d:72\.7\.0$/,
  INSTANTANEOUS_CURRENT_L1: /^\d-\d:31\.7\.0$/,
  INSTANTANEOUS_CURRENT_L2: /^\d-\d:51\.7\.0$/,
  INSTANTANEOUS_CURRENT_L3: /^\d-\d:71\.7\.0$/,
  INSTANTANEOUS_ACTIVE_POWER_L1_POSITIVE: /^\d-\d:21\.7\.0$/,
  INSTANTANEOUS_ACTIVE_POWER_L2_POSITIVE: /^\d-\d:41\.7\.0$/,
  INSTANTANEOUS_ACTIVE_POWER_L3_POSITIVE: /^\d-\d:61\.7\.0$/,
  INSTANTANEOUS_ACTIVE_POWER_L1_NEGATIVE: /^\d-\d:22\.7\.0$/,
  INSTANTANEOUS_ACTIVE_POWER_L2_NEGATIVE: /^\d-\d:42\.7\.0$/,
  INSTANTANEOUS_ACTIVE_POWER_L3_NEGATIVE: /^\d-\d:62\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_L1_POSITIVE: /^\d-\d:23\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_L2_POSITIVE: /^\d-\d:43\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_L3_POSITIVE: /^\d-\d:63\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_L1_NEGATIVE: /^\d-\d:24\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_L2_NEGATIVE: /^\d-\d:44\.7\.0$/,
  INSTANTANEOUS_REACTIVE_POWER_L3_NEGATIVE: /^\d-\d:64\.7\.0$/,
  INSTANTANEOUS_POWER_FACTOR_TOTAL: /^\d-\d:13\.7\.0$/,
  INSTANTANEOUS_POWER_FACTOR_L1: /^\d-\d:33\.7\.0$/,
  INSTANTANEOUS_POWER_FACTOR_L2: /^\d-\d:53\.7\.0$/,
  INSTANTANEOUS_POWER_FACTOR_L3: /^\d-\d:73\.7\.0$/,
  FREQUENCY: /^\d-\d:14\.7\.0$/,
  FUSE_THRESHOLD_L1: /^\d-\d:31\.4\.0$/,
  FUSE_THRESHOLD_L2: /^\d-\d:51\.4\.0$/,
  FUSE_THRESHOLD_L3: /^\d-\d:71\.4\.0$/,
};

/** dsmr_parser names inside an M-Bus device → the code after `0-n:`. */
const MBUS_CODES: Record<string, RegExp> = {
  DEVICE_TYPE: /^24\.1\.0$/,
  MBUS_DEVICE_TYPE: /^24\.1\.0$/,
  EQUIPMENT_IDENTIFIER: /^96\.1\.[01]$/,
  EQUIPMENT_IDENTIFIER_GAS: /^96\.1\.[01]$/,
  MBUS_EQUIPMENT_IDENTIFIER: /^96\.1\.[01]$/,
  VALVE_POSITION_GAS: /^24\.4\.0$/,
  MBUS_VALVE_POSITION: /^24\.4\.0$/,
  ACTUAL_SWITCH_POSITION: /^96\.3\.10$/,
  MBUS_METER_READING: /^24\.2\.[13]$/,
  HOURLY_GAS_METER_READING: /^24\.2\.1$/,
  GAS_METER_READING: /^24\.3\.0$/,
};

/** Offset in ms of Europe/Amsterdam at a UTC instant. */
function amsterdamOffset(utc: number): number {
  const name = AMSTERDAM.formatToParts(new Date(utc)).find((p) => p.type === "timeZoneName")!;
  return name.value === "GMT+2" ? 7200_000 : 3600_000;
}

const AMSTERDAM = new Intl.DateTimeFormat("en", {
  timeZone: "Europe/Amsterdam",
  timeZoneName: "shortOffset",
});

/**
 * Timestamps whose letter contradicts the Amsterdam calendar (the Irish
 * Iskra sends `S` in February, the Fluvius examples `S` on 1 and 5 March).
 * dsmr_parser localises in Europe/Amsterdam and uses the letter only in the
 * repeated October hour; smr trusts the letter as DSMR defines it.
 */
const letterDisagreements = new Set<string>();

function instant(iso: string | null | undefined): number | undefined {
  return iso ? new Date(iso).getTime() : undefined;
}

/**
 * The instant smr must give for a timestamp dsmr_parser read as `expected`:
 * the same, unless the letter contradicts the Amsterdam offset dsmr_parser
 * used, then the wall time minus the letter's offset.
 */
function expectedInstant(raw: string, expected: string | null | undefined): number | undefined {
  const utc = instant(expected);
  if (utc === undefined || raw.length !== 13) return utc;
  const letter = raw[12] === "S" ? 7200_000 : 3600_000;
  const used = amsterdamOffset(utc);
  if (used === letter) return utc;
  letterDisagreements.add(raw);
  return utc + used - letter;
}

/** Checks a DSMR timestamp text against dsmr_parser's UTC datetime (or null). */
function assertTime(raw: string, expected: string | null | undefined, where: string): void {
  assertEquals(instant(parseTimestamp(raw)), expectedInstant(raw, expected), `${where}: ${raw}`);
}

function lastMatch(objects: readonly DsmrObject[], pattern: RegExp): DsmrObject | undefined {
  return objects.findLast((object) => pattern.test(object.code));
}

/** Checks a plain (single-group) entry: decimal, int, str, null or datetime. */
function assertCosem(object: DsmrObject, entry: ParsedEntry, where: string): void {
  const group = object.groups[0];
  if (object.code.endsWith(":1.0.0")) return assertTime(group.value, entry.value as string, where);
  switch (entry.type) {
    case "decimal":
      assertEquals(normalize(group.value), entry.value, where);
      assertEquals(group.unit ?? null, entry.unit, `${where} unit`);
      break;
    case "int":
      assertEquals(Number(group.value), entry.value, where);
      break;
    case "str":
      assertEquals(group.value, entry.value, where);
      break;
    case "null":
      assertEquals(object.groups.every((g) => g.value === ""), true, where);
      break;
    case "datetime_utc":
      assertTime(group.value, entry.value as string, where);
      break;
    default:
      throw new Error(`${where}: unexpected type ${entry.type}`);
  }
}

/** Checks a timestamped reading (M-Bus or the BE monthly peak). */
function assertReading(object: DsmrObject, entry: ParsedEntry, where: string): void {
  const reading = object.code.endsWith("1.6.0")
    ? {
      time: parseTimestamp(object.groups[0].value),
      value: normalize(object.groups[1].value),
      unit: object.groups[1].unit,
    }
    : mbusReading(object);
  assertOk(reading, where);
  assertEquals(reading.value, entry.value, where);
  assertEquals(reading.unit ?? null, entry.unit, `${where} unit`);
  const raw = object.groups[0].value;
  assertTime(raw, entry.datetime, `${where} time`);
}

function assertParsed(objects: readonly DsmrObject[], json: Vector["json"], name: string): number {
  let checked = 0;
  for (const [key, entry] of Object.entries(json.parsed)) {
    const where = `${name} ${key}`;
    if (key === "MBUS_DEVICES") {
      for (const device of entry as ParsedEntry[]) {
        for (const [field, value] of Object.entries(device)) {
          if (field === "channel") continue;
          const pattern = MBUS_CODES[field];
          assertOk(pattern, `${where}: no mapping for ${field}`);
          const object = objects.findLast((o) =>
            o.code.startsWith(`0-${device.channel}:`) && pattern.test(o.code.slice(4))
          );
          assertOk(object, `${where} ch${device.channel} ${field}`);
          const inner = value as ParsedEntry;
          if (inner.kind === "mbus") assertReading(object, inner, `${where} ${field}`);
          else assertCosem(object, inner, `${where} ${field}`);
          checked++;
        }
      }
      continue;
    }
    const pattern = CODES[key];
    assertOk(pattern, `${where}: no mapping`);
    const object = lastMatch(objects, pattern);
    assertOk(object, where);
    if (key === "POWER_EVENT_FAILURE_LOG") {
      const log = entry as {
        buffer: { datetime: string; value: { value: number }; unit: string }[];
      };
      const ours = powerFailureLog(object);
      assertEquals(ours.length, log.buffer.length, where);
      log.buffer.forEach((event, i) => {
        assertEquals(Number(ours[i].duration), event.value.value, where);
        assertEquals(ours[i].unit, event.unit, where);
        assertTime(object.groups[2 + 2 * i].value, event.datetime, where);
      });
    } else if (key === "BELGIUM_MAXIMUM_DEMAND_13_MONTHS") {
      const months = entry as ParsedEntry[];
      const ours = peakHistory(object);
      assertEquals(ours.length, months.length, where);
      months.forEach((month, i) => {
        assertEquals(ours[i].value, month.value, where);
        assertEquals(ours[i].unit, month.unit, where);
        assertTime(object.groups[3 + 3 * i].value, month.datetime, `${where} month`);
        assertTime(object.groups[4 + 3 * i].value, month.occurred as string | null, where);
      });
    } else if ((entry as ParsedEntry).kind === "mbus") {
      assertReading(object, entry as ParsedEntry, where);
    } else {
      assertCosem(object, entry as ParsedEntry, where);
    }
    checked++;
  }
  return checked;
}

/** dsmr_parser names → Homie node/property and published unit ("" for integers). */
const PROPERTIES: Record<string, [string, string]> = {
  ELECTRICITY_ACTIVE_TARIFF: ["meter/tariff", ""],
  SHORT_POWER_FAILURE_COUNT: ["outages/short", ""],
  LONG_POWER_FAILURE_COUNT: ["outages/long", ""],
  ELECTRICITY_IMPORTED_TOTAL: ["import/total", "kWh"],
  ELECTRICITY_USED_TARIFF_1: ["import/t1", "kWh"],
  ELECTRICITY_USED_TARIFF_2: ["import/t2", "kWh"],
  ELECTRICITY_USED_TARIFF_3: ["import/t3", "kWh"],
  ELECTRICITY_USED_TARIFF_4: ["import/t4", "kWh"],
  ELECTRICITY_EXPORTED_TOTAL: ["export/total", "kWh"],
  ELECTRICITY_DELIVERED_TARIFF_1: ["export/t1", "kWh"],
  ELECTRICITY_DELIVERED_TARIFF_2: ["export/t2", "kWh"],
  ELECTRICITY_DELIVERED_TARIFF_3: ["export/t3", "kWh"],
  ELECTRICITY_DELIVERED_TARIFF_4: ["export/t4", "kWh"],
  CURRENT_ELECTRICITY_USAGE: ["power/import", "W"],
  CURRENT_ELECTRICITY_DELIVERY: ["power/export", "W"],
  BELGIUM_CURRENT_AVERAGE_DEMAND: ["power/average-demand", "W"],
  ELECTRICITY_REACTIVE_IMPORTED_TOTAL: ["reactive/import-energy", "kvarh"],
  ELECTRICITY_REACTIVE_EXPORTED_TOTAL: ["reactive/export-energy", "kvarh"],
  CURRENT_REACTIVE_IMPORTED: ["reactive/import-power", "var"],
  CURRENT_REACTIVE_EXPORTED: ["reactive/export-power", "var"],
  INSTANTANEOUS_VOLTAGE_L1: ["l1/voltage", "V"],
  INSTANTANEOUS_VOLTAGE_L2: ["l2/voltage", "V"],
  INSTANTANEOUS_VOLTAGE_L3: ["l3/voltage", "V"],
  INSTANTANEOUS_CURRENT_L1: ["l1/current", "A"],
  INSTANTANEOUS_CURRENT_L2: ["l2/current", "A"],
  INSTANTANEOUS_CURRENT_L3: ["l3/current", "A"],
  INSTANTANEOUS_ACTIVE_POWER_L1_POSITIVE: ["l1/power-import", "W"],
  INSTANTANEOUS_ACTIVE_POWER_L2_POSITIVE: ["l2/power-import", "W"],
  INSTANTANEOUS_ACTIVE_POWER_L3_POSITIVE: ["l3/power-import", "W"],
  INSTANTANEOUS_ACTIVE_POWER_L1_NEGATIVE: ["l1/power-export", "W"],
  INSTANTANEOUS_ACTIVE_POWER_L2_NEGATIVE: ["l2/power-export", "W"],
  INSTANTANEOUS_ACTIVE_POWER_L3_NEGATIVE: ["l3/power-export", "W"],
  import: ["kWh", "None"],
  export: ["kWh", "None"],
  power: ["W", "None"],
  voltage: ["V", "None"],
  current: ["A", "None"],
};

/** M-Bus device types → the node their reading is published under. */
const MBUS_NODES: Record<number, { node: string; unit: string }> = {
  3: { node: "gas", unit: "m³" },
  7: { node: "water", unit: "m³" },
  4: { node: "heat", unit: "GJ" },
};

/** The values smr must publish for a vector, derived from dsmr_parser's output. */
function expectedValues(json: Vector["json"]): Map<string, string> {
  const parsed = json.parsed as Record<string, ParsedEntry>;
  const out = new Map<string, string>();
  const timestamp = parsed.P1_MESSAGE_TIMESTAMP;
  if (timestamp?.value) out.set("meter/timestamp", timestamp.value as string);
  for (const [key, [property, unit]] of Object.entries(PROPERTIES)) {
    const entry = parsed[key];
    if (!entry || entry.value === null) continue;
    const text = entry.value as string;
    out.set(property, unit ? convert(text, entry.unit!, unit)! : String(Number(text)));
  }
  for (const flow of ["import", "export"]) {
    const parts = ["t1", "t2", "t3", "t4"].map((t) => out.get(`${flow}/${t}`)).filter(Boolean);
    if (!out.has(`${flow}/total`) && parts.length > 0) {
      out.set(`${flow}/total`, sum(parts as string[])!);
    }
  }
  const peak = parsed.BELGIUM_MAXIMUM_DEMAND_MONTH;
  if (peak) {
    out.set("power/peak-month", convert(peak.value as string, peak.unit!, "W")!);
    out.set("power/peak-month-time", peak.datetime!);
  }
  // The newest month of the peak history and the failure that ended last,
  // ordered by instant (dsmr_parser gives UTC, meters list in either order).
  const months = (parsed.BELGIUM_MAXIMUM_DEMAND_13_MONTHS ?? []) as unknown as ParsedEntry[];
  const lastMonth = months.filter((m) => m.datetime)
    .sort((a, b) => Date.parse(a.datetime!) - Date.parse(b.datetime!)).at(-1);
  if (lastMonth) {
    out.set("power/peak-previous-month", convert(lastMonth.value as string, lastMonth.unit!, "W")!);
    if (lastMonth.occurred) out.set("power/peak-previous-month-time", lastMonth.occurred as string);
  }
  const log = parsed.POWER_EVENT_FAILURE_LOG as unknown as
    | { buffer: { datetime: string | null; value: { value: number } }[] }
    | undefined;
  const lastFailure = (log?.buffer ?? []).filter((e) => e.datetime)
    .sort((a, b) => Date.parse(a.datetime!) - Date.parse(b.datetime!)).at(-1);
  if (lastFailure) {
    out.set("outages/last-end", lastFailure.datetime!);
    out.set("outages/last-duration", String(lastFailure.value.value));
  }
  const devices = (parsed.MBUS_DEVICES ?? []) as unknown as Record<string, ParsedEntry>[];
  for (const [type, { node, unit }] of Object.entries(MBUS_NODES)) {
    for (const device of devices) {
      const kind = (device.MBUS_DEVICE_TYPE ?? device.DEVICE_TYPE)?.value;
      const reading = device.MBUS_METER_READING ?? device.HOURLY_GAS_METER_READING ??
        device.GAS_METER_READING;
      if (Number(kind) !== Number(type) || !reading?.unit) continue;
      out.set(
        `${node}/volume`.replace("heat/volume", "heat/energy"),
        convert(reading.value as string, reading.unit, unit)!,
      );
      if (reading.datetime) out.set(`${node}/timestamp`, reading.datetime);
      break;
    }
  }
  return out;
}

/**
 * Values of codes the meter sends but dsmr_parser's spec for it does not
 * parse (its LUXEMBOURG_SMARTY object list has no reactive registers), read
 * off the telegram text.
 */
const EXTRA_VALUES: Record<string, Record<string, string>> = {
  "smarty_lu_spec-example-lux5_at.txt": {
    "reactive/import-energy": "0.835",
    "reactive/export-energy": "63.781",
    "reactive/import-power": "0",
    "reactive/export-power": "0",
  },
};

function assertValues(values: readonly Value[], json: Vector["json"], name: string): number {
  const expected = expectedValues(json);
  for (const [property, value] of Object.entries(EXTRA_VALUES[name] ?? {})) {
    expected.set(property, value);
  }
  const ours = new Map(values.map((v) => [`${v.node}/${v.property}`, v]));
  assertEquals([...ours.keys()].sort(), [...expected.keys()].sort(), `${name} properties`);
  for (const [property, want] of expected) {
    const value = ours.get(property)!;
    if (value.datatype === "datetime") {
      const raw = value.value.slice(2, 19).replace(/[-T:]/g, "") +
        (value.value.endsWith("+02:00") ? "S" : "W");
      assertEquals(instant(value.value), expectedInstant(raw, want), `${name} ${property}`);
    } else {
      assertEquals(value.value, want, `${name} ${property}`);
    }
  }
  return expected.size;
}

function modeFor(json: Vector["json"]): "required" | "optional" {
  return json.crc.status === "OK" ? "required" : "optional";
}

Deno.test("every top-level vector parses to what dsmr_parser reported", () => {
  const vectors = readVectors();
  let fields = 0;
  for (const { name, bytes, json } of vectors) {
    const result = parseTelegram(bytes, { crc: modeFor(json) });
    assertOk(result.ok, `${name}: ${!result.ok && result.error.message}`);
    const parsed: ParsedTelegram = result.value;
    assertEquals(parsed.header, json.header_line, name);
    assertEquals(parsed.skipped, [], name);
    fields += assertParsed(parsed.objects, json, name);
  }
  assertEquals(vectors.length, 20);
  assertEquals([...letterDisagreements].sort(), [
    "200301000000S",
    "200305122139S",
    "230202132747S",
  ]);
  console.log(`${vectors.length} vectors, ${fields} dsmr_parser fields compared`);
});

Deno.test("every top-level vector decodes to the expected Homie values", () => {
  const vectors = readVectors();
  let values = 0;
  for (const { name, bytes, json } of vectors) {
    const result = decodeTelegram(bytes, { crc: modeFor(json) });
    assertOk(result.ok, name);
    values += assertValues(result.value.values, json, name);
    const meterTime = result.value.values.find((v) =>
      v.node === "meter" && v.property === "timestamp"
    );
    assertEquals(result.value.meterTime, meterTime?.value, name);
  }
  console.log(`${vectors.length} vectors, ${values} values compared`);
});

Deno.test("CRC vectors are rejected as 'optional' too when one byte changes", () => {
  for (const { name, bytes, json } of readVectors()) {
    if (json.crc.status !== "OK") continue;
    const copy = bytes.slice();
    copy[copy.indexOf(0x3a)] ^= 0x01;
    const result = decodeTelegram(copy, { crc: "optional" });
    assertEquals(result.ok ? "accepted" : result.error.reason, "crc", name);
  }
});

Deno.test("telegrams without CRC are rejected when the CRC is required", () => {
  for (const { name, bytes, json } of readVectors()) {
    if (json.crc.status !== "NO_CRC") continue;
    const result = decodeTelegram(bytes, { crc: "required" });
    assertEquals(result.ok ? "accepted" : result.error.reason, "crc", name);
  }
});

Deno.test("every BADCRC vector is rejected with both CRCs in the message", () => {
  const vectors = readVectors("nonconforming").filter((v) => v.name.endsWith("_BADCRC.txt"));
  assertEquals(vectors.length, 14);
  for (const { name, bytes, json } of vectors) {
    for (const crc of ["required", "optional"] as const) {
      const result = decodeTelegram(bytes, { crc });
      assertOk(!result.ok, name);
      assertEquals(result.error.reason, "crc", name);
      assertOk(result.error.message.includes(json.crc.given!), result.error.message);
      assertOk(result.error.message.includes(json.crc.computed), result.error.message);
    }
  }
});

Deno.test("BADCRC vectors parse like dsmr_parser with the check off", () => {
  let fields = 0;
  for (const { name, bytes, json } of readVectors("nonconforming")) {
    if (!name.endsWith("_BADCRC.txt")) continue;
    const result = parseTelegram(bytes, { crc: "ignore" });
    assertOk(result.ok, name);
    fields += assertParsed(result.value.objects, json, name);
  }
  console.log(`${fields} dsmr_parser fields compared on BADCRC vectors`);
});

Deno.test("NOFOOTER vectors are framing rejections, their lines still parse", () => {
  const vectors = readVectors("nonconforming").filter((v) => v.name.endsWith("_NOFOOTER.txt"));
  assertEquals(vectors.length, 2);
  for (const { name, bytes, json } of vectors) {
    for (const crc of ["required", "optional", "ignore"] as const) {
      const result = decodeTelegram(bytes, { crc });
      assertEquals(result.ok ? "accepted" : result.error.reason, "framing", name);
    }
    const text = latin1Text(bytes);
    const { objects, skipped } = parseLines(text, text.indexOf("\n") + 1);
    assertEquals(skipped, [], name);
    assertParsed(objects, json, name);
  }
});

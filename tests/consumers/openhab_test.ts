/**
 * openHAB conformance: what openHAB's Homie binding makes of every property
 * smr publishes, on captures from a real broker (see captures.ts). Each
 * property's `$datatype` and `$unit` map to the channel and item type the
 * binding's rules give; the item shows the value as meant (a temperature
 * difference is never read as an absolute temperature), and every unit an
 * item shows otherwise by default is in the README's table of `unit`
 * metadata.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { DATETIME_PAYLOAD, FLOAT_PAYLOAD, INTEGER_PAYLOAD } from "../../src/sinks/homie/payload.ts";
import { captures, type DeviceCapture, propertyPaths } from "./captures.ts";

/**
 * The binding's channel value by `$datatype` and the item type it gives:
 * openhab-addons, bundles/org.openhab.binding.mqtt.homie, Property.java
 * `createChannelFromAttribute` (openHAB 4): boolean → OnOffValue, color →
 * ColorValue, enum → TextValue with the `$format` values as options,
 * integer and float → NumberValue with `UnitUtils.parseUnit($unit)`,
 * datetime → DateTimeValue, string → TextValue. There is no `duration`
 * (openhab-addons #10839: the property is lost). A property that is
 * `$retained` is a state channel, otherwise a trigger channel (no value).
 */
const ITEM_TYPES: Readonly<Record<string, string>> = {
  boolean: "Switch",
  color: "Color",
  enum: "String",
  string: "String",
  datetime: "DateTime",
  integer: "Number",
  float: "Number",
};

/** How openHAB reads a `$unit` on a number. */
interface UnitRule {
  /** The quantity dimension of the parsed unit; none when openHAB's parser does not know it. */
  dimension?: string;
  /**
   * The unit an item of that dimension shows without `unit` metadata: the
   * dimension's default unit of the SI system.
   */
  shows?: string;
  /** Whether that conversion adds an offset (a temperature): only right for absolute values. */
  affine?: boolean;
}

/**
 * Units smr may publish, as openHAB parses them: openhab-core
 * org.openhab.core.library.unit.Units / SIUnits / MetricPrefix (with
 * tech.units.indriya's symbols): `var` is an AlternateUnit of the watt
 * (Power), `kvarh` a kilo VAR_HOUR (Energy), `m³/h` CUBICMETRE_PER_HOUR
 * (VolumetricFlowRate), `h`/`min`/`d` Time units, `K` KELVIN (Temperature),
 * `L` indriya's litre (spelt `l` there: should a release not parse `L`, the
 * item is a plain `Number` and still shows the value); there is no tonne.
 * Default units: openhab-core I18nProviderImpl
 * `initDimensionMap` (Energy kWh, Power W, Temperature °C, Time s, Volume
 * m³, VolumetricFlowRate l/min, ElectricPotential V, ElectricCurrent A,
 * Frequency Hz).
 */
const UNITS: Readonly<Record<string, UnitRule>> = {
  Wh: { dimension: "Energy", shows: "kWh" },
  kWh: { dimension: "Energy", shows: "kWh" },
  MWh: { dimension: "Energy", shows: "kWh" },
  MJ: { dimension: "Energy", shows: "kWh" },
  GJ: { dimension: "Energy", shows: "kWh" },
  kvarh: { dimension: "Energy", shows: "kWh" },
  W: { dimension: "Power", shows: "W" },
  kW: { dimension: "Power", shows: "W" },
  var: { dimension: "Power", shows: "W" },
  V: { dimension: "ElectricPotential", shows: "V" },
  A: { dimension: "ElectricCurrent", shows: "A" },
  Hz: { dimension: "Frequency", shows: "Hz" },
  "°C": { dimension: "Temperature", shows: "°C", affine: false },
  K: { dimension: "Temperature", shows: "°C", affine: true },
  "m³": { dimension: "Volume", shows: "m³" },
  L: { dimension: "Volume", shows: "m³" },
  "m³/h": { dimension: "VolumetricFlowRate", shows: "l/min" },
  s: { dimension: "Time", shows: "s" },
  min: { dimension: "Time", shows: "s" },
  h: { dimension: "Time", shows: "s" },
  d: { dimension: "Time", shows: "s" },
  t: {},
  "t/h": {},
};

/** A property as openHAB's binding turns it into a channel and an item. */
interface Channel {
  path: string;
  datatype: string;
  unit?: string;
  itemType: string;
  kind: "state" | "trigger";
  options?: string[];
  value: string;
}

function channels(capture: DeviceCapture): Channel[] {
  const { homie } = capture;
  return propertyPaths(homie).map((path) => {
    const datatype = homie.get(`${path}/$datatype`)!;
    const unit = homie.get(`${path}/$unit`);
    const where = `${capture.label} ${path}`;
    assertOk(datatype in ITEM_TYPES, `${where}: $datatype ${datatype} has no openHAB channel`);
    let itemType = ITEM_TYPES[datatype];
    if (unit !== undefined) {
      assertOk(itemType === "Number", `${where}: a $unit on a ${datatype}`);
      const rule = UNITS[unit];
      assertOk(rule !== undefined, `${where}: unit ${unit} is not in the openHAB table`);
      if (rule.dimension) itemType = `Number:${rule.dimension}`;
    }
    const format = homie.get(`${path}/$format`);
    return {
      path,
      datatype,
      unit,
      itemType,
      kind: homie.get(`${path}/$retained`) === "true" ? "state" : "trigger",
      options: datatype === "enum" ? format?.split(",") : undefined,
      value: homie.get(path)!,
    };
  });
}

/** Item types of properties that matter most, per setup. */
const EXPECTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  dummy: {
    "meter/timestamp": "DateTime",
    "meter/tariff": "String",
    "import/total": "Number:Energy",
    "power/import": "Number:Power",
    "l1/voltage": "Number:ElectricPotential",
    "l1/current": "Number:ElectricCurrent",
    "status/received": "Number",
    "status/last-reading": "DateTime",
  },
  dsmr: {
    "gas/volume": "Number:Volume",
    "gas/timestamp": "DateTime",
    "water/volume": "Number:Volume",
    "power/peak-month": "Number:Power",
    "power/peak-previous-month": "Number:Power",
    "power/peak-previous-month-time": "DateTime",
    "outages/short": "Number",
    "outages/long": "Number",
    "outages/last-end": "DateTime",
    "outages/last-duration": "Number:Time",
  },
  kamstrup: {
    "heat/energy": "Number:Energy",
    "circuit/volume": "Number:Volume",
    "circuit/flow": "Number:VolumetricFlowRate",
    "temperature/forward": "Number:Temperature",
    "temperature/difference": "Number",
    "meter/hours": "Number:Time",
    "meter/info": "Number",
    "registers/clock-time": "String",
    "registers/clock-date": "String",
    "registers/max-flow-date-year": "String",
    "registers/battery-days": "Number:Time",
    "registers/pulse-value-a": "Number:Volume",
    "registers/volume-v2": "Number:Volume",
    "registers/e8-volume-t1": "Number",
  },
};

/** Values openHAB shows for these properties (no unit metadata). */
const SHOWN: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  kamstrup: {
    "temperature/difference": "40.34",
    "registers/clock-time": "20:02:43",
    "registers/clock-date": "2026-11-25",
    "registers/volume-v2": "269.1 m³",
  },
  dsmr: { "meter/tariff": "1", "outages/last-duration": "240 s" },
};

/** What an item shows by default: the payload, with its default unit when it has a dimension. */
function shown(channel: Channel): string {
  const rule = channel.unit === undefined ? undefined : UNITS[channel.unit];
  if (!rule?.dimension) return channel.value;
  if (rule.shows === channel.unit) return `${channel.value} ${channel.unit}`;
  return `${channel.value} ${channel.unit} as ${rule.shows}`;
}

/** The README's openHAB unit table: unit → [item type, shows, metadata]. */
function readmeUnits(): Map<string, string[]> {
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  const start = readme.indexOf("### openHAB");
  assertOk(start >= 0, "README has no openHAB section");
  const section = readme.slice(start, readme.indexOf("\n### ", start + 1));
  const rows = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4 || !cells[0].startsWith("`")) continue;
    for (const [, unit] of cells[0].matchAll(/`([^`]+)`/g)) rows.set(unit, cells.slice(1));
  }
  return rows;
}

Deno.test("openHAB: every property maps to the channel and item type the Homie binding gives it", async () => {
  const all = await captures();
  assertEquals(all.map((c) => c.label), ["dummy", "dsmr", "kamstrup"]);
  for (const capture of all) {
    const byPath = new Map(channels(capture).map((c) => [c.path, c]));
    for (const [path, itemType] of Object.entries(EXPECTED[capture.label])) {
      assertEquals(
        [capture.label, path, byPath.get(path)?.itemType],
        [capture.label, path, itemType],
      );
    }
    for (const channel of byPath.values()) {
      const where = `${capture.label} ${channel.path}`;
      assertEquals(channel.kind, "state", `${where} would be a trigger channel without value`);
      switch (channel.itemType.split(":")[0]) {
        case "Number":
          assertMatch(
            channel.value,
            channel.datatype === "integer" ? INTEGER_PAYLOAD : FLOAT_PAYLOAD,
            `${where}: openHAB's NumberValue cannot parse ${channel.value}`,
          );
          break;
        case "DateTime":
          assertMatch(channel.value, DATETIME_PAYLOAD, `${where}: no ISO datetime with offset`);
          break;
        case "String":
          assertOk(channel.value.length > 0, `${where} is empty`);
          if (channel.options) {
            assertOk(channel.options.includes(channel.value), `${where} not in its options`);
          }
      }
    }
    for (const [path, text] of Object.entries(SHOWN[capture.label] ?? {})) {
      assertEquals([path, shown(byPath.get(path)!)], [path, text]);
    }
  }
});

Deno.test("openHAB: no value is shown as what it is not; every converted unit is in the README's metadata table", async () => {
  const readme = readmeUnits();
  for (const capture of await captures()) {
    for (const channel of channels(capture)) {
      if (channel.unit === undefined) continue;
      const where = `${capture.label} ${channel.path} (${channel.unit})`;
      const rule = UNITS[channel.unit];
      assertOk(
        !rule.affine,
        `${where}: openHAB would show a difference as an absolute temperature`,
      );
      const row = readme.get(channel.unit);
      assertOk(row !== undefined, `${where}: README's openHAB table lacks ${channel.unit}`);
      assertEquals(row[0], `\`${channel.itemType}\``, `${where}: README item type`);
      if (rule.shows !== undefined && rule.shows !== channel.unit) {
        assertOk(
          row[2].includes(`\`${channel.unit}\``),
          `${where}: openHAB shows ${rule.shows}; README must say to set unit metadata ${channel.unit}`,
        );
      }
    }
  }
  for (const unit of ["var", "kvarh", "h", "m³/h"]) {
    assertOk(readme.get(unit)?.[2].includes(`\`${unit}\``), `README: unit metadata for ${unit}`);
  }
});

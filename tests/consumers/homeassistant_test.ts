/**
 * Home Assistant conformance: every discovery config smr publishes, on
 * captures from a real broker (see captures.ts), validates against Home
 * Assistant's rules for its device class, state class and unit; the values
 * it points at are what its class needs; gas, water and grid energy are what
 * the Energy dashboard offers; secondary entities are diagnostics; and the
 * README names the oldest release that accepts every config.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { DATETIME_PAYLOAD, FLOAT_PAYLOAD } from "../../src/sinks/homie/payload.ts";
import { captures, type DeviceCapture, propertyPaths } from "./captures.ts";

/** Home Assistant's rules for one sensor device class. */
interface ClassRule {
  /** Units it accepts; `null` for none. */
  units: readonly (string | null)[];
  /** State classes it accepts (none at all for the non-numeric classes). */
  stateClasses: readonly string[];
  /** Whether the state must be a number. */
  numeric: boolean;
  /** The first release whose MQTT discovery accepts the class (an older one drops the config). */
  since: string;
}

/**
 * Device classes smr may send, from home-assistant/core
 * homeassistant/components/sensor/const.py (DEVICE_CLASS_UNITS,
 * DEVICE_CLASS_STATE_CLASSES, NON_NUMERIC_DEVICE_CLASSES; read at commit
 * 00eb6680), with the unit lists narrowed to what releases since 2024.2
 * accept. Releases: `volume_flow_rate` came with 2024.2 (home-assistant/core
 * #106077, release 2024.2.0); the validation message of a release before
 * 2024.2, quoted in Laxilef/OTGateway#39 (2024-02-05), lists every other
 * class here as accepted.
 */
const CLASSES: Readonly<Record<string, ClassRule>> = {
  date: { units: [null], stateClasses: [], numeric: false, since: "2024.1" },
  enum: { units: [null], stateClasses: [], numeric: false, since: "2024.1" },
  timestamp: { units: [null], stateClasses: [], numeric: false, since: "2024.1" },
  current: { units: ["A", "mA"], stateClasses: ["measurement"], numeric: true, since: "2024.1" },
  duration: {
    units: ["d", "h", "min", "s", "ms"],
    stateClasses: ["measurement", "total", "total_increasing"],
    numeric: true,
    since: "2024.1",
  },
  energy: {
    units: ["Wh", "kWh", "MWh", "MJ", "GJ"],
    stateClasses: ["total", "total_increasing"],
    numeric: true,
    since: "2024.1",
  },
  gas: {
    units: ["m³", "ft³", "CCF"],
    stateClasses: ["total", "total_increasing"],
    numeric: true,
    since: "2024.1",
  },
  power: { units: ["W", "kW"], stateClasses: ["measurement"], numeric: true, since: "2024.1" },
  reactive_power: { units: ["var"], stateClasses: ["measurement"], numeric: true, since: "2024.1" },
  temperature: {
    units: ["°C", "°F", "K"],
    stateClasses: ["measurement"],
    numeric: true,
    since: "2024.1",
  },
  voltage: { units: ["V", "mV"], stateClasses: ["measurement"], numeric: true, since: "2024.1" },
  volume: {
    units: ["L", "mL", "gal", "fl. oz.", "m³", "ft³", "CCF"],
    stateClasses: ["total", "total_increasing"],
    numeric: true,
    since: "2024.1",
  },
  volume_flow_rate: {
    units: ["m³/h", "ft³/min", "L/min", "gal/min"],
    stateClasses: ["measurement"],
    numeric: true,
    since: "2024.2",
  },
  water: {
    units: ["L", "gal", "m³", "ft³", "CCF"],
    stateClasses: ["total", "total_increasing"],
    numeric: true,
    since: "2024.1",
  },
};

/**
 * MQTT discovery keys of a sensor config smr sends and the first release
 * that accepts each (an unknown key drops the config): `device.serial_number`
 * came with 2024.2 (home-assistant/core #108105; 2024.1.3 rejected it,
 * #108069); the others are older, as far as known (not checked release by
 * release).
 */
const KEYS: Readonly<Record<string, string>> = {
  name: "2024.1",
  unique_id: "2024.1",
  state_topic: "2024.1",
  availability: "2024.1",
  device_class: "2024.1",
  state_class: "2024.1",
  unit_of_measurement: "2024.1",
  options: "2024.1",
  suggested_display_precision: "2024.1",
  entity_category: "2024.1",
  enabled_by_default: "2024.1",
  qos: "2024.1",
  device: "2024.1",
  "device.serial_number": "2024.2",
  origin: "2024.1",
};

/**
 * What the Energy dashboard offers as a source (home-assistant/core
 * homeassistant/components/energy/validate.py): grid consumption is an
 * `energy` sensor, gas a `gas` one, water a `water` one, each in one of its
 * units with state class `total` or `total_increasing`.
 */
const ENERGY_SOURCES: Readonly<Record<string, readonly string[]>> = {
  energy: ["Wh", "kWh", "MWh", "MJ", "GJ"],
  gas: ["m³", "ft³", "CCF"],
  water: ["L", "gal", "m³", "ft³", "CCF"],
};

type Config = Record<string, unknown>;

function energySource(config: Config): string | undefined {
  const deviceClass = config.device_class as string | undefined;
  const units = deviceClass === undefined ? undefined : ENERGY_SOURCES[deviceClass];
  if (!units?.includes(config.unit_of_measurement as string)) return undefined;
  return ["total", "total_increasing"].includes(config.state_class as string)
    ? deviceClass
    : undefined;
}

/** The release a version string names, comparable (`2024.2` → 202402). */
function release(version: string): number {
  const [year, month] = version.split(".").map(Number);
  return year * 100 + month;
}

/** Checks one config against the rules above; returns the releases it needs. */
function checkConfig(capture: DeviceCapture, id: string, config: Config): string[] {
  const where = `${capture.label} ${id}`;
  const needs: string[] = [];
  for (const key of Object.keys(config)) {
    assertOk(key in KEYS, `${where}: key ${key} is not in the table of discovery keys`);
    needs.push(KEYS[key]);
  }
  const device = config.device as Record<string, unknown>;
  if ("serial_number" in device) needs.push(KEYS["device.serial_number"]);
  const base = `homie/${capture.deviceId}/`;
  const path = (config.state_topic as string).slice(base.length);
  assertEquals(config.state_topic, `${base}${path}`, where);
  assertEquals(id, path.replace("/", "_"), where);
  const value = capture.homie.get(path);
  assertOk(value !== undefined, `${where}: ${config.state_topic} has no retained value`);
  assertEquals((config.availability as { topic: string }[])[0].topic, `${base}$state`, where);
  const deviceClass = config.device_class as string | undefined;
  const stateClass = config.state_class as string | undefined;
  const unit = config.unit_of_measurement as string | undefined;
  if (deviceClass !== undefined) {
    const rule = CLASSES[deviceClass];
    assertOk(rule !== undefined, `${where}: device_class ${deviceClass} is not in the table`);
    needs.push(rule.since);
    assertOk(rule.units.includes(unit ?? null), `${where}: ${deviceClass} in ${unit}`);
    if (stateClass !== undefined) {
      assertOk(rule.stateClasses.includes(stateClass), `${where}: ${deviceClass}/${stateClass}`);
    }
    if (!rule.numeric) assertEquals(config.suggested_display_precision, undefined, where);
  } else if (stateClass !== undefined) {
    assertOk(["measurement", "total", "total_increasing"].includes(stateClass), where);
  }
  // A unit or a state class makes Home Assistant read the state as a number.
  if (unit !== undefined || stateClass !== undefined || CLASSES[deviceClass ?? ""]?.numeric) {
    assertMatch(value, FLOAT_PAYLOAD, `${where}: ${value} is not numeric`);
  }
  if (deviceClass === "timestamp") assertMatch(value, DATETIME_PAYLOAD, where);
  if (deviceClass === "date") assertMatch(value, /^\d{4}-\d{2}-\d{2}$/, where);
  if (deviceClass === "enum") {
    const options = config.options as string[];
    assertOk(Array.isArray(options) && options.length > 0, `${where}: enum without options`);
    assertOk(options.includes(value), `${where}: ${value} not in ${options}`);
    assertEquals(capture.homie.get(`${path}/$format`), options.join(","), where);
  } else {
    assertEquals(config.options, undefined, `${where}: options without device_class enum`);
  }
  assertOk(
    config.entity_category === undefined || config.entity_category === "diagnostic",
    `${where}: a sensor's entity_category can only be diagnostic`,
  );
  assertOk(
    config.enabled_by_default === undefined || typeof config.enabled_by_default === "boolean",
    where,
  );
  return needs;
}

/** Device and state classes (and the unit) smr must send, per setup. */
const EXPECTED: Readonly<Record<string, Readonly<Record<string, readonly unknown[]>>>> = {
  dummy: {
    import_total: ["energy", "total_increasing", "kWh"],
    "power_import": ["power", "measurement", "W"],
    meter_tariff: ["enum", undefined, undefined],
    meter_timestamp: ["timestamp", undefined, undefined],
  },
  dsmr: {
    "gas_volume": ["gas", "total_increasing", "m³"],
    "water_volume": ["water", "total_increasing", "m³"],
    "outages_last-duration": ["duration", undefined, "s"],
    "outages_last-end": ["timestamp", undefined, undefined],
    "power_peak-previous-month": ["power", "measurement", "W"],
  },
  kamstrup: {
    "circuit_volume": ["volume", "total_increasing", "m³"],
    "circuit_flow": ["volume_flow_rate", "measurement", "m³/h"],
    "temperature_difference": [undefined, "measurement", "K"],
    "temperature_forward": ["temperature", "measurement", "°C"],
    "meter_hours": ["duration", "total_increasing", "h"],
    "registers_clock-date": ["date", undefined, undefined],
    "registers_clock-time": [undefined, undefined, undefined],
    "registers_battery-days": ["duration", "measurement", "d"],
    "registers_pulse-value-a": ["volume", undefined, "L"],
    "registers_e8-volume-t1": [undefined, "total_increasing", "m³·°C"],
  },
};

/** Energy dashboard sources per setup. */
const SOURCES: Readonly<Record<string, Readonly<Record<string, string | undefined>>>> = {
  dummy: { import_total: "energy", export_total: "energy" },
  dsmr: { import_total: "energy", gas_volume: "gas", water_volume: "water" },
  kamstrup: { heat_energy: "energy", circuit_volume: undefined },
};

/** Which entities are diagnostics, and which of those start disabled. */
function placement(path: string): [string | undefined, boolean | undefined] {
  const [node, property] = path.split("/");
  if (["l1", "l2", "l3"].includes(node)) return ["diagnostic", false];
  if (node !== "status" && property === "timestamp") return ["diagnostic", false];
  if (node === "status" || node === "outages" || path === "meter/info") {
    return ["diagnostic", undefined];
  }
  return [undefined, undefined];
}

Deno.test("Home Assistant: every discovery config validates against the rules for its device class, state class and unit", async () => {
  const all = await captures();
  const needed = new Set<string>();
  for (const capture of all) {
    const ids = [...capture.discovery.keys()];
    assertEquals(
      ids.sort(),
      propertyPaths(capture.homie).map((p) => p.replace("/", "_")).sort(),
      `${capture.label}: one config per Homie property`,
    );
    const uniqueIds = [...capture.discovery.values()].map((c) => c.unique_id);
    assertEquals(new Set(uniqueIds).size, uniqueIds.length, `${capture.label}: unique_id`);
    for (const [id, config] of capture.discovery) {
      for (const version of checkConfig(capture, id, config)) needed.add(version);
    }
    for (const [id, classes] of Object.entries(EXPECTED[capture.label])) {
      const config = capture.discovery.get(id);
      assertEquals(
        [capture.label, id, config?.device_class, config?.state_class, config?.unit_of_measurement],
        [capture.label, id, ...classes],
      );
    }
  }
  const oldest = [...needed].sort((a, b) => release(a) - release(b)).at(-1)!;
  assertEquals(oldest, "2024.2");
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  assertOk(
    readme.includes(`Home Assistant ${oldest} or later`),
    `README must name Home Assistant ${oldest} as the oldest release`,
  );
});

Deno.test("Home Assistant: the Energy dashboard offers grid energy, gas and household water, never the heating circuit", async () => {
  for (const capture of await captures()) {
    for (const [id, source] of Object.entries(SOURCES[capture.label])) {
      const config = capture.discovery.get(id);
      assertOk(config !== undefined, `${capture.label} ${id}`);
      assertEquals([capture.label, id, energySource(config)], [capture.label, id, source]);
    }
    const water = [...capture.discovery].filter(([, c]) => energySource(c) === "water");
    for (const [id] of water) assertEquals(id, "water_volume", `${capture.label}: water is water`);
  }
});

Deno.test("Home Assistant: secondary and fast-changing entities are diagnostics; per-phase values and timestamps start disabled", async () => {
  for (const capture of await captures()) {
    for (const [id, config] of capture.discovery) {
      const path = (config.state_topic as string).slice(`homie/${capture.deviceId}/`.length);
      const [category, enabled] = placement(path);
      if (path.startsWith("registers/")) continue;
      assertEquals(
        [capture.label, id, config.entity_category, config.enabled_by_default],
        [capture.label, id, category, enabled],
      );
    }
  }
  const dummy = (await captures())[0].discovery;
  assertEquals(dummy.get("l2_power-import")?.enabled_by_default, false);
  assertEquals(dummy.get("meter_timestamp")?.entity_category, "diagnostic");
  assertEquals(dummy.get("status_received")?.entity_category, "diagnostic");
  assertEquals(dummy.get("import_total")?.entity_category, undefined);
});

import { assertEquals, assertOk } from "../../assert.ts";
import { silentLogger } from "../../../src/log.ts";
import { ELECTRICITY } from "../../../src/meters/electricity.ts";
import { emptyStats } from "../../../src/meters/meter.ts";
import type { MeterInfo, Quantity, Reading, Value } from "../../../src/reading.ts";
import {
  displayPrecision,
  entityPlacement,
  HomeAssistantDiscovery,
  sensorClasses,
} from "../../../src/sinks/homeassistant/discovery.ts";
import { HomieDevice } from "../../../src/sinks/homie/device.ts";
import { LAST_READING, STATUS_COUNTERS } from "../../../src/sinks/homie/status.ts";
import { topicId } from "../../../src/sinks/topics.ts";

const E = ELECTRICITY;

function quantity(node: string, unit: string | undefined, kind: Quantity["kind"]): Quantity {
  return { node, property: "x", name: "X", datatype: "float", unit, kind };
}

// Changed on purpose (consumers issue): the tariff is an enum, household
// water is `water`, and dates and info values with a unit get a class.
Deno.test("ha discovery: classes follow kind and unit, only where Home Assistant accepts them", () => {
  assertEquals(sensorClasses(E.importTotal), {
    deviceClass: "energy",
    stateClass: "total_increasing",
  });
  assertEquals(sensorClasses(E.powerImport), { deviceClass: "power", stateClass: "measurement" });
  assertEquals(sensorClasses(E.l1.voltage), { deviceClass: "voltage", stateClass: "measurement" });
  assertEquals(sensorClasses(E.l1.current), { deviceClass: "current", stateClass: "measurement" });
  assertEquals(sensorClasses(E.timestamp), { deviceClass: "timestamp" });
  assertEquals(sensorClasses(E.tariff), { deviceClass: "enum" });
  assertEquals(sensorClasses(E.reactiveImportEnergy), { stateClass: "total_increasing" });
  assertEquals(sensorClasses(E.reactiveImportPower), {
    deviceClass: "reactive_power",
    stateClass: "measurement",
  });
  assertEquals(sensorClasses(E.gasVolume), { deviceClass: "gas", stateClass: "total_increasing" });
  assertEquals(sensorClasses(quantity("water", "m³", "counter")), {
    deviceClass: "water",
    stateClass: "total_increasing",
  });
  assertEquals(sensorClasses(quantity("circuit", "m³", "counter")), {
    deviceClass: "volume",
    stateClass: "total_increasing",
  });
  assertEquals(sensorClasses(quantity("circuit", "m³/h", "gauge")), {
    deviceClass: "volume_flow_rate",
    stateClass: "measurement",
  });
  assertEquals(sensorClasses(quantity("circuit", "l/h", "gauge")), { stateClass: "measurement" });
  assertEquals(sensorClasses(quantity("heat", "GJ", "counter")), {
    deviceClass: "energy",
    stateClass: "total_increasing",
  });
  assertEquals(sensorClasses(quantity("heat", "kW", "gauge")), {
    deviceClass: "power",
    stateClass: "measurement",
  });
  assertEquals(sensorClasses(quantity("temperature", "°C", "gauge")), {
    deviceClass: "temperature",
    stateClass: "measurement",
  });
  assertEquals(
    sensorClasses({ ...quantity("temperature", undefined, "gauge"), plainUnit: "K" }),
    { stateClass: "measurement" },
  );
  assertEquals(sensorClasses(quantity("meter", "h", "counter")), {
    deviceClass: "duration",
    stateClass: "total_increasing",
  });
  assertEquals(sensorClasses(quantity("outages", "s", "info")), { deviceClass: "duration" });
  assertEquals(sensorClasses(quantity("x", "kWh", "gauge")), { stateClass: "measurement" });
  const text: Quantity = {
    node: "registers",
    property: "d",
    name: "D",
    datatype: "string",
    kind: "info",
  };
  assertEquals(sensorClasses(text, "2022-01-12"), { deviceClass: "date" });
  assertEquals(sensorClasses(text, "20:02:43"), {});
});

Deno.test("ha discovery: diagnostics, and per-phase values and reading times start disabled", () => {
  assertEquals(entityPlacement(E.importTotal), { enabled: true });
  assertEquals(entityPlacement(E.tariff), { enabled: true });
  assertEquals(entityPlacement(E.l2.voltage), { category: "diagnostic", enabled: false });
  assertEquals(entityPlacement(E.l3.powerExport), { category: "diagnostic", enabled: false });
  assertEquals(entityPlacement(E.timestamp), { category: "diagnostic", enabled: false });
  assertEquals(entityPlacement(E.gasTimestamp), { category: "diagnostic", enabled: false });
  assertEquals(entityPlacement(E.gasVolume), { enabled: true });
  assertEquals(entityPlacement(LAST_READING), { category: "diagnostic", enabled: true });
  for (const counter of STATUS_COUNTERS) {
    assertEquals(entityPlacement(counter), { category: "diagnostic", enabled: true });
  }
  assertEquals(entityPlacement(quantity("outages", undefined, "counter")), {
    category: "diagnostic",
    enabled: true,
  });
  assertEquals(entityPlacement({ ...quantity("meter", undefined, "info"), property: "info" }), {
    category: "diagnostic",
    enabled: true,
  });
  assertEquals(entityPlacement(quantity("registers", "kW", "gauge")), { enabled: true });
  assertEquals(entityPlacement(quantity("registers", undefined, "info")), {
    category: "diagnostic",
    enabled: true,
  });
});

Deno.test("ha discovery: precision from the payload, topic ids from [a-zA-Z0-9_-]", () => {
  assertEquals(displayPrecision("14159.934", "float"), 3);
  assertEquals(displayPrecision("230", "float"), 0);
  assertEquals(displayPrecision("2", "integer"), 0);
  assertEquals(displayPrecision("2026-11-25T06:15:50+01:00", "datetime"), undefined);
  assertEquals(topicId("l1_power-import"), "l1_power-import");
  assertEquals(topicId("a.b/c+#"), "a_b_c__");
});

function value(q: Quantity, v: string): Value {
  return { ...q, value: v };
}

function reading(values: Value[]): Reading {
  return { meter: "t210", time: "2026-11-25T06:15:50+01:00", values };
}

function discovery() {
  return new HomeAssistantDiscovery({
    prefix: "homeassistant",
    baseTopic: "homie",
    deviceId: "t210-electricity",
    name: "Electricity meter",
    version: "1.2.3",
  });
}

/** The Homie device whose property tree the discovery is built from, connected at 0. */
function homie(): HomieDevice {
  const device = new HomieDevice({
    baseTopic: "homie",
    deviceId: "t210-electricity",
    name: "Electricity meter",
    interval: 10,
    statsInterval: 60,
    status: true,
    log: silentLogger,
  });
  device.connected(0);
  return device;
}

/** Feeds a reading to the Homie device, with the counters a meter sends before it. */
function read(device: HomieDevice, values: Value[], now: number): void {
  const time = "2026-11-25T06:15:50+01:00";
  device.counters({ ...emptyStats(), received: 1, decoded: 1, lastReading: time });
  device.reading(reading(values), now);
}

const SAGEMCOM: MeterInfo = { manufacturer: "Sagemcom", model: "T210-D-r" };

Deno.test("ha discovery: one retained config per Homie property, pointing at its value topic", () => {
  const d = discovery();
  const h = homie();
  assertEquals(d.identity(SAGEMCOM), [], "no property known yet");
  const status = d.properties(h.properties);
  assertEquals(status.length, 9, "the status counters are there from the start");
  assertOk(status.every((m) => JSON.parse(m.payload).entity_category === "diagnostic"));
  assertOk(
    status.every((m) =>
      JSON.parse(m.payload).availability[0].value_template ===
        "{{ 'online' if value in ['init', 'ready', 'alert'] else 'offline' }}"
    ),
    "the status counters stay available in init and alert, when they tell why",
  );
  read(h, [
    value(E.importTotal, "6545.766"),
    value(E.powerImport, "286"),
    value(E.l1.voltage, "231.4"),
    value(E.timestamp, "2022-10-06T06:15:50+02:00"),
    value(E.tariff, "2.5"),
  ], 1000);
  const messages = d.properties(h.properties);
  assertEquals(messages.map((m) => m.topic), [
    "homeassistant/sensor/t210-electricity/import_total/config",
    "homeassistant/sensor/t210-electricity/power_import/config",
    "homeassistant/sensor/t210-electricity/l1_voltage/config",
    "homeassistant/sensor/t210-electricity/meter_timestamp/config",
    "homeassistant/sensor/t210-electricity/status_last-reading/config",
  ], "no config for a value the Homie device cannot publish (tariff 2.5)");
  assertEquals(JSON.parse(messages[0].payload), {
    name: "Import total",
    unique_id: "smr_t210-electricity_import_total",
    state_topic: "homie/t210-electricity/import/total",
    availability: [{
      topic: "homie/t210-electricity/$state",
      value_template: "{{ 'online' if value == 'ready' else 'offline' }}",
    }],
    device_class: "energy",
    state_class: "total_increasing",
    unit_of_measurement: "kWh",
    suggested_display_precision: 3,
    qos: 1,
    device: {
      identifiers: ["smr_t210-electricity"],
      name: "Electricity meter",
      manufacturer: "Sagemcom",
      model: "T210-D-r",
    },
    origin: { name: "smr", sw_version: "1.2.3" },
  });
  const timestamp = JSON.parse(messages[3].payload);
  assertEquals([timestamp.device_class, timestamp.state_class], ["timestamp", undefined]);
  read(h, [value(E.importTotal, "6545.767")], 2000);
  assertEquals(d.properties(h.properties), [], "known: no config");
  assertEquals(d.all().length, 14);
});

Deno.test("ha discovery: a serial number learnt later republishes every config with it", () => {
  const d = discovery();
  const h = homie();
  d.identity(SAGEMCOM);
  read(h, [value(E.importTotal, "1.000")], 1000);
  d.properties(h.properties);
  const again = d.identity({ ...SAGEMCOM, serial: "123456" });
  assertEquals(again.length, 11);
  for (const m of again) assertEquals(JSON.parse(m.payload).device.serial_number, "123456");
  assertEquals(d.identity({ ...SAGEMCOM, serial: "123456" }), [], "the same identity again");
  read(h, [value(E.importTotal, "1.002")], 2000);
  assertEquals(d.properties(h.properties), []);
});

Deno.test("ha discovery: configs known before the identity name no manufacturer, and follow it", () => {
  const d = discovery();
  const first = d.properties(homie().properties);
  assertEquals(JSON.parse(first[0].payload).device, {
    identifiers: ["smr_t210-electricity"],
    name: "Electricity meter",
  });
  const told = d.identity(SAGEMCOM);
  assertEquals(told.length, 9);
  assertEquals(JSON.parse(told[0].payload).device.model, "T210-D-r");
});

Deno.test("ha discovery: the display precision is that of the Homie payload", () => {
  const d = discovery();
  const h = homie();
  read(h, [value(E.importTotal, "0012.50"), value(E.powerImport, "286")], 1000);
  const precision = Object.fromEntries(
    d.properties(h.properties).map((m) => {
      const config = JSON.parse(m.payload);
      return [config.unique_id, config.suggested_display_precision];
    }),
  );
  assertEquals(precision["smr_t210-electricity_import_total"], 2);
  assertEquals(precision["smr_t210-electricity_power_import"], 0);
  assertEquals(precision["smr_t210-electricity_status_last-reading"], undefined);
});

Deno.test("ha discovery: an enum with its options, a plain unit as the unit, hidden phases", () => {
  const d = discovery();
  d.identity({ manufacturer: "Kamstrup", model: "MULTICAL 403" });
  const h = homie();
  read(h, [
    value(E.tariff, "2"),
    value(E.l1.voltage, "230.1"),
    {
      node: "temperature",
      property: "difference",
      name: "Temperature difference T1-T2 (K)",
      datatype: "float",
      kind: "gauge",
      plainUnit: "K",
      value: "40.34",
    },
  ], 1000);
  const configs = new Map(
    d.properties(h.properties).map((m) => [m.topic.split("/").at(-2)!, JSON.parse(m.payload)]),
  );
  const tariff = configs.get("meter_tariff");
  assertEquals(
    [tariff.device_class, tariff.options, tariff.state_class, tariff.unit_of_measurement],
    ["enum", ["1", "2", "3", "4"], undefined, undefined],
  );
  assertEquals(tariff.suggested_display_precision, undefined);
  const difference = configs.get("temperature_difference");
  assertEquals(
    [difference.device_class, difference.state_class, difference.unit_of_measurement],
    [undefined, "measurement", "K"],
  );
  const voltage = configs.get("l1_voltage");
  assertEquals([voltage.entity_category, voltage.enabled_by_default], ["diagnostic", false]);
  assertEquals("enabled_by_default" in tariff, false);
});

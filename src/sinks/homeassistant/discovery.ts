/**
 * Home Assistant MQTT discovery as a state machine without I/O: a view of
 * the Homie device. Its inputs are the Homie property tree (what the device
 * publishes, with datatype, unit and kind) and the meter's identity; its
 * output is retained config messages. Each config points a sensor at the
 * Homie value topic, so no value is published twice (homie-4.md L). The
 * device class, state class and unit of each sensor are a pair Home
 * Assistant accepts; enums carry their options; secondary and fast-changing
 * values are diagnostics, and the per-phase values and reading timestamps
 * start disabled, as in Home Assistant's own dsmr integration.
 */
import type { MeterInfo, Quantity } from "../../reading.ts";
import type { TreeProperty } from "../homie/device.ts";
import { STATUS_NODE } from "../homie/status.ts";
import type { Message } from "../mqtt_connection.ts";
import { discoveryTopic, homeAssistantStatusTopic, homieTopic } from "../topics.ts";

/** A device class with the state classes Home Assistant accepts for it. */
interface DeviceClass {
  name: string;
  stateClasses: readonly StateClass[];
}

/** Home Assistant state classes smr uses. */
export type StateClass = "measurement" | "total_increasing";

const TOTAL: readonly StateClass[] = ["total_increasing"];
const MEASUREMENT: readonly StateClass[] = ["measurement"];
const ANY: readonly StateClass[] = [...TOTAL, ...MEASUREMENT];

/**
 * Units Home Assistant accepts for a device class (sensor/const.py,
 * DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES), by the exact unit smr
 * publishes; every class here exists since Home Assistant 2024.2
 * (`volume_flow_rate` is the newest; a release that lacks a class drops
 * the whole config). Reactive energy (`kvarh`) and mass (`t`) get none, as
 * Home Assistant has no class for them, and neither does a plain unit (a
 * temperature difference in K): `temperature` would make it absolute.
 */
const UNIT_CLASSES: Record<string, DeviceClass> = {
  Wh: { name: "energy", stateClasses: TOTAL },
  kWh: { name: "energy", stateClasses: TOTAL },
  MWh: { name: "energy", stateClasses: TOTAL },
  MJ: { name: "energy", stateClasses: TOTAL },
  GJ: { name: "energy", stateClasses: TOTAL },
  W: { name: "power", stateClasses: MEASUREMENT },
  kW: { name: "power", stateClasses: MEASUREMENT },
  var: { name: "reactive_power", stateClasses: MEASUREMENT },
  V: { name: "voltage", stateClasses: MEASUREMENT },
  A: { name: "current", stateClasses: MEASUREMENT },
  "°C": { name: "temperature", stateClasses: MEASUREMENT },
  "°F": { name: "temperature", stateClasses: MEASUREMENT },
  "m³": { name: "volume", stateClasses: TOTAL },
  L: { name: "volume", stateClasses: TOTAL },
  "m³/h": { name: "volume_flow_rate", stateClasses: MEASUREMENT },
  d: { name: "duration", stateClasses: ANY },
  h: { name: "duration", stateClasses: ANY },
  min: { name: "duration", stateClasses: ANY },
  s: { name: "duration", stateClasses: ANY },
};

/**
 * Device classes by node where the node says more than the unit: gas in m³
 * is `gas` and household water `water`, the classes the Energy dashboard
 * offers for gas and water (a heating circuit's volume stays `volume`).
 */
const NODE_CLASSES: Record<string, Record<string, DeviceClass>> = {
  gas: { "m³": { name: "gas", stateClasses: TOTAL } },
  water: {
    "m³": { name: "water", stateClasses: TOTAL },
    L: { name: "water", stateClasses: TOTAL },
  },
};

/** An ISO 8601 calendar date, the state of a `date` sensor. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The Home Assistant classes of a sensor. */
export interface SensorClasses {
  deviceClass?: string;
  stateClass?: StateClass;
}

/**
 * Classes for a quantity: datetimes are `timestamp`, enums `enum`, a string
 * holding a calendar date (`payload`) `date`. Numbers: counters are
 * `total_increasing`, gauges `measurement`, info none; the device class
 * comes from the unit, and only when Home Assistant accepts it with that
 * unit and state class (homie-4.md L6).
 */
export function sensorClasses(quantity: Quantity, payload?: string): SensorClasses {
  switch (quantity.datatype) {
    case "datetime":
      return { deviceClass: "timestamp" };
    case "enum":
      return { deviceClass: "enum" };
    case "string":
      return payload !== undefined && ISO_DATE.test(payload) ? { deviceClass: "date" } : {};
  }
  const stateClass: StateClass | undefined = quantity.kind === "counter"
    ? "total_increasing"
    : quantity.kind === "gauge"
    ? "measurement"
    : undefined;
  const unit = quantity.unit ?? "";
  const deviceClass = NODE_CLASSES[quantity.node]?.[unit] ?? UNIT_CLASSES[unit];
  const accepted = deviceClass !== undefined &&
    (stateClass === undefined || deviceClass.stateClasses.includes(stateClass));
  const classes: SensorClasses = {};
  if (accepted) classes.deviceClass = deviceClass.name;
  if (stateClass) classes.stateClass = stateClass;
  return classes;
}

/** How Home Assistant lists an entity. */
export interface EntityPlacement {
  /** `diagnostic` for what describes the reader or the meter rather than the energy. */
  category?: "diagnostic";
  /** False for entities Home Assistant creates disabled, as its own dsmr integration does. */
  enabled: boolean;
}

/** Nodes whose entities are diagnostics: smr's own counters, the meter's power failures. */
const DIAGNOSTIC_NODES: ReadonlySet<string> = new Set([STATUS_NODE, "outages"]);

/** Nodes whose entities are diagnostics, disabled at first: per-phase values change every second. */
const HIDDEN_NODES: ReadonlySet<string> = new Set(["l1", "l2", "l3"]);

/**
 * Where an entity goes: the status counters, power failures, the meter's
 * info code and its other informational registers are diagnostics; the
 * per-phase values and the timestamps of readings (`meter/timestamp`,
 * `gas/timestamp`, …) are diagnostics that start disabled.
 */
export function entityPlacement(quantity: Quantity): EntityPlacement {
  const { node, property } = quantity;
  if (HIDDEN_NODES.has(node) || (node !== STATUS_NODE && property === "timestamp")) {
    return { category: "diagnostic", enabled: false };
  }
  if (
    DIAGNOSTIC_NODES.has(node) || (node === "meter" && property === "info") ||
    (node === "registers" && quantity.kind === "info")
  ) {
    return { category: "diagnostic", enabled: true };
  }
  return { enabled: true };
}

/** Digits after the decimal point of a numeric payload; undefined for other payloads. */
export function displayPrecision(
  payload: string,
  datatype: Quantity["datatype"],
): number | undefined {
  if (datatype === "integer") return 0;
  if (datatype !== "float") return undefined;
  return /^-?\d+(?:\.(\d+))?$/.exec(payload)?.[1]?.length ?? 0;
}

/** Options of {@link HomeAssistantDiscovery}. */
export interface DiscoveryOptions {
  /** Discovery prefix, `homeassistant` by default in Home Assistant. */
  prefix: string;
  /** Homie base topic and device id: where the values are. */
  baseTopic: string;
  deviceId: string;
  /** The device's friendly name. */
  name: string;
  /** smr's version, for `origin`. */
  version: string;
}

/** Measurements are available while the device is `ready`. */
const READY = "{{ 'online' if value == 'ready' else 'offline' }}";
/** The status node is available while smr runs: its counters tell why a meter is not ready. */
const RUNNING = "{{ 'online' if value in ['init', 'ready', 'alert'] else 'offline' }}";

interface Sensor {
  quantity: Quantity;
  /** The first payload, which tells the display precision and whether a string is a date. */
  payload?: string;
}

/** The discovery configs of one device. */
export class HomeAssistantDiscovery {
  #options: DiscoveryOptions;
  #sensors = new Map<string, Sensor>();
  #info?: MeterInfo;

  constructor(options: DiscoveryOptions) {
    this.#options = options;
  }

  /** The topic Home Assistant announces itself on (`online` after a start). */
  get statusTopic(): string {
    return homeAssistantStatusTopic(this.#options.prefix);
  }

  /** The configs of every sensor known so far, for a (re)connect or an `online`. */
  all(): Message[] {
    return [...this.#sensors.values()].map((sensor) => this.#config(sensor));
  }

  /**
   * The meter's identity, for the device block: every config again when it
   * changed (a serial number became known), none otherwise.
   */
  identity(info: MeterInfo): Message[] {
    const before = JSON.stringify(this.#deviceBlock());
    this.#info = { ...info };
    return JSON.stringify(this.#deviceBlock()) === before ? [] : this.all();
  }

  /**
   * The Homie device's property tree: a config for each property not
   * announced yet, with what its payload tells (display precision, a date).
   */
  properties(tree: readonly TreeProperty[]): Message[] {
    const added: Sensor[] = [];
    for (const { payload, ...quantity } of tree) {
      if (this.#sensors.has(key(quantity))) continue;
      const sensor = { quantity, payload };
      this.#sensors.set(key(quantity), sensor);
      added.push(sensor);
    }
    return added.map((sensor) => this.#config(sensor));
  }

  #deviceBlock(): Record<string, unknown> {
    const { deviceId, name } = this.#options;
    const info = this.#info;
    return {
      identifiers: [`smr_${deviceId}`],
      name,
      manufacturer: info?.manufacturer,
      model: info?.model,
      ...(info?.serial ? { serial_number: info.serial } : {}),
    };
  }

  #config({ quantity, payload }: Sensor): Message {
    const { deviceId, version } = this.#options;
    const { node, property } = quantity;
    const classes = sensorClasses(quantity, payload);
    const placement = entityPlacement(quantity);
    const config = {
      name: quantity.name,
      unique_id: `smr_${deviceId}_${node}_${property}`,
      state_topic: homieTopic(this.#options, `${node}/${property}`),
      availability: [{
        topic: homieTopic(this.#options, "$state"),
        value_template: node === STATUS_NODE ? RUNNING : READY,
      }],
      device_class: classes.deviceClass,
      state_class: classes.stateClass,
      unit_of_measurement: quantity.unit ?? quantity.plainUnit,
      options: quantity.datatype === "enum" ? quantity.options : undefined,
      suggested_display_precision: payload === undefined
        ? undefined
        : displayPrecision(payload, quantity.datatype),
      entity_category: placement.category,
      enabled_by_default: placement.enabled ? undefined : false,
      qos: 1,
      device: this.#deviceBlock(),
      origin: { name: "smr", sw_version: version },
    };
    return {
      topic: discoveryTopic(this.#options, node, property),
      payload: JSON.stringify(config),
    };
  }
}

function key(quantity: Quantity): string {
  return `${quantity.node}/${quantity.property}`;
}

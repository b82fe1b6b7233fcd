/**
 * The DSMR P1 table: which OBIS code becomes which Homie property, read from
 * which group and how. Data only; `decode.ts` applies it.
 *
 * Registers are converted exactly from the unit the meter sends to the unit
 * of the quantity (`Wh`/`kWh` → kWh, `W`/`kW` → W, `varh` → kvarh, `kvar` →
 * var), so a row names no unit of its own. M-Bus devices are chosen by their
 * device type (`0-n:24.1.0`), never by channel number; a channel without one
 * is gas when its reading is a volume.
 */
import { counter, gauge, moment, type Quantity } from "../../reading.ts";
import { ELECTRICITY } from "../electricity.ts";

/**
 * Quantities that only DSMR variants send (HU tariffs 3/4, BE peaks, power
 * failures, water, heat).
 */
export const DSMR_QUANTITIES = {
  importT3: counter("import", "t3", "Import tariff 3", "kWh"),
  importT4: counter("import", "t4", "Import tariff 4", "kWh"),
  exportT3: counter("export", "t3", "Export tariff 3", "kWh"),
  exportT4: counter("export", "t4", "Export tariff 4", "kWh"),
  averageDemand: gauge("power", "average-demand", "Average demand (15 min)", "W"),
  peakDemand: gauge("power", "peak-month", "Peak demand this month", "W"),
  peakDemandTime: moment("power", "peak-month-time", "Peak demand time"),
  previousPeak: gauge("power", "peak-previous-month", "Peak demand last month", "W"),
  previousPeakTime: moment("power", "peak-previous-month-time", "Peak demand time last month"),
  shortFailures: {
    node: "outages",
    property: "short",
    name: "Power failures",
    datatype: "integer",
    kind: "counter",
  },
  longFailures: {
    node: "outages",
    property: "long",
    name: "Long power failures",
    datatype: "integer",
    kind: "counter",
  },
  lastFailureEnd: moment("outages", "last-end", "Last long power failure ended"),
  lastFailureDuration: {
    node: "outages",
    property: "last-duration",
    name: "Last long power failure duration",
    datatype: "integer",
    unit: "s",
    kind: "info",
  },
  waterVolume: counter("water", "volume", "Water volume", "m³"),
  waterTimestamp: moment("water", "timestamp", "Water reading time"),
  heatEnergy: counter("heat", "energy", "Heat energy", "GJ"),
  heatTimestamp: moment("heat", "timestamp", "Heat reading time"),
} as const satisfies Record<string, Quantity>;

/**
 * How a row reads its object: `register` is a decimal with a unit converted
 * to the quantity's unit, `integer` plain digits (`0002` → `2`), `timestamp`
 * a DSMR timestamp. The record reads take the newest entry of a multi-group
 * record: `failure-end` and `failure-duration` of the power-failure log
 * (the entry that ended last), `peak` and `peak-time` of the monthly peak
 * history (the month closed last).
 */
export type ObisRead =
  | "register"
  | "integer"
  | "timestamp"
  | "failure-end"
  | "failure-duration"
  | "peak"
  | "peak-time";

/** One row of the table for objects of the meter itself (channel 0). */
export interface DsmrObisRow {
  /**
   * Reduced OBIS code. Electricity codes (`1-0:…`) also match B = 1
   * (`1-1:1.8.1`, seen on Sagemcom XT211) when B = 0 is absent.
   */
  code: string;
  quantity: Quantity;
  read: ObisRead;
  /** Index of the group holding the value (0 unless the line leads with a timestamp). */
  group: number;
  /**
   * Registers whose exact sum stands in when the meter does not send this
   * code (totals of meters that only send tariff registers). Used only when
   * every one of them the meter sent has a value.
   */
  sumOf?: readonly string[];
}

function row(
  code: string,
  quantity: Quantity,
  read: ObisRead = "register",
  group = 0,
): DsmrObisRow {
  return { code, quantity, read, group };
}

const IMPORT_TARIFFS = ["1-0:1.8.1", "1-0:1.8.2", "1-0:1.8.3", "1-0:1.8.4"] as const;
const EXPORT_TARIFFS = ["1-0:2.8.1", "1-0:2.8.2", "1-0:2.8.3", "1-0:2.8.4"] as const;

const E = ELECTRICITY;
const D = DSMR_QUANTITIES;

/** The channel-0 table, in publishing order. */
export const OBIS_TABLE: readonly DsmrObisRow[] = [
  row("0-0:1.0.0", E.timestamp, "timestamp"),
  row("0-0:96.14.0", E.tariff, "integer"),
  { ...row("1-0:1.8.0", E.importTotal), sumOf: IMPORT_TARIFFS },
  row("1-0:1.8.1", E.importT1),
  row("1-0:1.8.2", E.importT2),
  row("1-0:1.8.3", D.importT3),
  row("1-0:1.8.4", D.importT4),
  { ...row("1-0:2.8.0", E.exportTotal), sumOf: EXPORT_TARIFFS },
  row("1-0:2.8.1", E.exportT1),
  row("1-0:2.8.2", E.exportT2),
  row("1-0:2.8.3", D.exportT3),
  row("1-0:2.8.4", D.exportT4),
  row("1-0:1.7.0", E.powerImport),
  row("1-0:2.7.0", E.powerExport),
  row("1-0:1.4.0", D.averageDemand),
  row("1-0:1.6.0", D.peakDemand, "register", 1),
  row("1-0:1.6.0", D.peakDemandTime, "timestamp", 0),
  row("0-0:98.1.0", D.previousPeak, "peak"),
  row("0-0:98.1.0", D.previousPeakTime, "peak-time"),
  row("1-0:3.8.0", E.reactiveImportEnergy),
  row("1-0:4.8.0", E.reactiveExportEnergy),
  row("1-0:3.7.0", E.reactiveImportPower),
  row("1-0:4.7.0", E.reactiveExportPower),
  row("1-0:32.7.0", E.l1.voltage),
  row("1-0:31.7.0", E.l1.current),
  row("1-0:21.7.0", E.l1.powerImport),
  row("1-0:22.7.0", E.l1.powerExport),
  row("1-0:52.7.0", E.l2.voltage),
  row("1-0:51.7.0", E.l2.current),
  row("1-0:41.7.0", E.l2.powerImport),
  row("1-0:42.7.0", E.l2.powerExport),
  row("1-0:72.7.0", E.l3.voltage),
  row("1-0:71.7.0", E.l3.current),
  row("1-0:61.7.0", E.l3.powerImport),
  row("1-0:62.7.0", E.l3.powerExport),
  row("0-0:96.7.21", D.shortFailures, "integer"),
  row("0-0:96.7.9", D.longFailures, "integer"),
  row("1-0:99.97.0", D.lastFailureEnd, "failure-end"),
  row("1-0:99.97.0", D.lastFailureDuration, "failure-duration"),
];

/** One kind of M-Bus device and the quantities its reading becomes. */
export interface MbusRow {
  /** Name of the device kind, also the key of a channel override in the options. */
  kind: "gas" | "water" | "heat";
  /** M-Bus device types (EN 13757-3, sent in decimal by `0-n:24.1.0`). */
  deviceTypes: readonly number[];
  /**
   * Reading codes (the part after `0-n:`) in order of preference; a reading
   * in `untyped` also counts when the channel sends no device type (a
   * channel with a device type of its kind is preferred to one without).
   */
  codes: readonly string[];
  untyped: readonly string[];
  value: Quantity;
  time: Quantity;
}

/** The M-Bus table, in publishing order. */
export const MBUS_TABLE: readonly MbusRow[] = [
  {
    kind: "gas",
    deviceTypes: [3],
    codes: ["24.2.1", "24.2.3", "24.3.0"],
    // Without a device type a reading in m³ is gas, as dsmr_parser and
    // dsmr-reader read it; the DSMR 2.2 profile never has one.
    untyped: ["24.2.1", "24.3.0"],
    value: E.gasVolume,
    time: E.gasTimestamp,
  },
  {
    kind: "water",
    deviceTypes: [7],
    codes: ["24.2.1", "24.2.3"],
    untyped: [],
    value: D.waterVolume,
    time: D.waterTimestamp,
  },
  {
    kind: "heat",
    deviceTypes: [4, 12],
    codes: ["24.2.1"],
    untyped: [],
    value: D.heatEnergy,
    time: D.heatTimestamp,
  },
];

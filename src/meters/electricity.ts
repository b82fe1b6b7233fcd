/**
 * The Homie layout of electricity meters: one table shared by the dummy
 * meter, plain DSMR P1 and the Sagemcom T210-D-r.
 *
 * Energy is in kWh and power in W whatever the meter sends; the meter tables
 * convert exactly before a value gets here. Power is a float, not an
 * integer: some meters send fractions of a W (EasyMeter Q3D
 * `001688.21*W`), and a kW reading with 3 decimals still publishes `286`.
 */
import { counter, gauge, moment, type Quantity } from "../reading.ts";

function phase(n: 1 | 2 | 3) {
  const node = `l${n}`;
  return {
    voltage: gauge(node, "voltage", `L${n} voltage`, "V"),
    current: gauge(node, "current", `L${n} current`, "A"),
    powerImport: gauge(node, "power-import", `L${n} power import`, "W"),
    powerExport: gauge(node, "power-export", `L${n} power export`, "W"),
  };
}

/**
 * Tariff indicator values: DSMR meters send 1 and 2 (which one is the low
 * tariff depends on the country), Hungarian ones up to 4. An `enum`, so
 * Home Assistant shows it as one and openHAB as a text with these options.
 */
export const TARIFFS: readonly string[] = ["1", "2", "3", "4"];

/** Electricity quantities by a stable key, in publishing order. */
export const ELECTRICITY = {
  timestamp: moment("meter", "timestamp", "Meter time"),
  tariff: {
    node: "meter",
    property: "tariff",
    name: "Tariff",
    datatype: "enum",
    options: TARIFFS,
    kind: "info",
  },
  importTotal: counter("import", "total", "Import total", "kWh"),
  importT1: counter("import", "t1", "Import tariff 1", "kWh"),
  importT2: counter("import", "t2", "Import tariff 2", "kWh"),
  exportTotal: counter("export", "total", "Export total", "kWh"),
  exportT1: counter("export", "t1", "Export tariff 1", "kWh"),
  exportT2: counter("export", "t2", "Export tariff 2", "kWh"),
  powerImport: gauge("power", "import", "Power import", "W"),
  powerExport: gauge("power", "export", "Power export", "W"),
  reactiveImportEnergy: counter("reactive", "import-energy", "Reactive energy import", "kvarh"),
  reactiveExportEnergy: counter("reactive", "export-energy", "Reactive energy export", "kvarh"),
  reactiveImportPower: gauge("reactive", "import-power", "Reactive power import", "var"),
  reactiveExportPower: gauge("reactive", "export-power", "Reactive power export", "var"),
  l1: phase(1),
  l2: phase(2),
  l3: phase(3),
  gasVolume: counter("gas", "volume", "Gas volume", "m³"),
  gasTimestamp: moment("gas", "timestamp", "Gas reading time"),
} as const satisfies Record<string, Quantity | Record<string, Quantity>>;

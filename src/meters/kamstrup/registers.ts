/**
 * The register table of KMP heat meters (MULTICAL 30x/40x/60x): register id
 * → Homie node, property, name, datatype and kind, as data. The unit is not
 * here: it comes with every value in the reply's unit byte, because it
 * depends on the meter's configuration (heat energy in MWh, GJ or kWh).
 *
 * The heat-meter layout puts the registers most meters are read for into
 * the `heat`, `circuit`, `temperature` and `meter` nodes; every other known
 * register goes into the `registers` node, and an unknown one becomes
 * `registers/register-<id>`. The volume and flow of the heating circuit
 * have a node of their own: `water` is household water (a DSMR water
 * meter), never the circuit's.
 */
import type { Datatype, Kind, Quantity } from "../../reading.ts";
import { REGISTERS_NODE } from "../../nodes.ts";

/** One row of the register table: a Quantity without unit, keyed by id. */
export interface RegisterRow extends Omit<Quantity, "unit"> {
  /** Register id (decimal), e.g. 60. */
  id: number;
}

function row(
  id: number,
  node: string,
  property: string,
  name: string,
  kind: Kind,
  datatype: Datatype = "float",
): RegisterRow {
  return { id, node, property, name, datatype, kind };
}

function other(
  id: number,
  property: string,
  name: string,
  kind: Kind,
  datatype: Datatype = "float",
): RegisterRow {
  return row(id, REGISTERS_NODE, property, name, kind, datatype);
}

/** The heat-meter layout: the registers with a place in a meaningful node. */
export const HEAT_LAYOUT: readonly RegisterRow[] = [
  row(60, "heat", "energy", "Heat energy E1", "counter"),
  row(63, "heat", "cooling-energy", "Cooling energy E3", "counter"),
  row(80, "heat", "power", "Heat power", "gauge"),
  row(68, "circuit", "volume", "Volume V1", "counter"),
  row(74, "circuit", "flow", "Flow V1", "gauge"),
  row(86, "temperature", "forward", "Forward temperature T1", "gauge"),
  row(87, "temperature", "return", "Return temperature T2", "gauge"),
  row(89, "temperature", "difference", "Temperature difference T1-T2", "gauge"),
  row(1004, "meter", "hours", "Operating hours", "counter", "integer"),
  row(99, "meter", "info", "Info code", "info", "integer"),
];

/** Every other heat-meter register of kmp_registers.json, in the `registers` node. */
export const OTHER_REGISTERS: readonly RegisterRow[] = [
  other(61, "e4-energy", "E4 flow (inlet) energy", "counter"),
  other(62, "e5-energy", "E5 return energy", "counter"),
  other(64, "ta2", "Tariff register TA2", "counter"),
  other(65, "ta3", "Tariff register TA3", "counter"),
  other(66, "tl2", "Tariff limit TL2", "info"),
  other(67, "tl3", "Tariff limit TL3", "info"),
  other(69, "volume-v2", "Volume V2", "counter"),
  other(72, "mass-m1", "Mass register M1 (V1)", "counter"),
  other(73, "mass-m2", "Mass register M2 (V2)", "counter"),
  other(75, "flow-v2", "Actual flow V2 (return)", "gauge"),
  other(84, "input-a", "Input register VA", "counter"),
  other(85, "input-b", "Input register VB", "counter"),
  other(88, "t3", "T3 temperature", "gauge"),
  other(91, "pressure-forward", "Pressure in flow", "gauge"),
  other(92, "pressure-return", "Pressure in return", "gauge"),
  other(94, "e2-energy", "E2 control energy", "counter"),
  other(95, "e6-energy", "E6 tap water energy", "counter"),
  other(96, "e7-energy", "E7 heat energy Y", "counter"),
  other(97, "e8-volume-t1", "E8 m³×T1", "counter"),
  other(98, "target-date", "Target (reading) date", "info", "string"),
  other(104, "meter-number-b", "Meter no. for VB", "info", "integer"),
  other(110, "e9-volume-t2", "E9 m³×T2", "counter"),
  other(
    112,
    "customer-number-high",
    "Customer number (8 most significant digits)",
    "info",
    "integer",
  ),
  other(113, "info-events", "Info-event counter", "counter", "integer"),
  other(114, "meter-number-a", "Meter no. for VA", "info", "integer"),
  other(122, "t4", "T4 temperature", "gauge"),
  other(123, "max-flow-date-year", "Date of max flow this year", "info", "string"),
  other(124, "max-flow-year", "Max flow this year", "gauge"),
  other(125, "min-flow-date-year", "Date of min flow this year", "info", "string"),
  other(126, "min-flow-year", "Min flow this year", "gauge"),
  other(127, "max-power-date-year", "Date of max power this year", "info", "string"),
  other(128, "max-power-year", "Max power this year", "gauge"),
  other(129, "min-power-date-year", "Date of min power this year", "info", "string"),
  other(130, "min-power-year", "Min power this year", "gauge"),
  other(138, "max-flow-date-month", "Date of max flow this month", "info", "string"),
  other(139, "max-flow-month", "Max flow this month", "gauge"),
  other(140, "min-flow-date-month", "Date of min flow this month", "info", "string"),
  other(141, "min-flow-month", "Min flow this month", "gauge"),
  other(142, "max-power-date-month", "Date of max power this month", "info", "string"),
  other(143, "max-power-month", "Max power this month", "gauge"),
  other(144, "min-power-date-month", "Date of min power this month", "info", "string"),
  other(145, "min-power-month", "Min power this month", "gauge"),
  other(146, "t1-average-year", "Year-to-date average T1", "gauge"),
  other(147, "t2-average-year", "Year-to-date average T2", "gauge"),
  other(149, "t1-average-month", "Month-to-date average T1", "gauge"),
  other(150, "t2-average-month", "Month-to-date average T2", "gauge"),
  other(152, "program-number", "Program no. ABCCCCCC", "info", "integer"),
  other(153, "config-number-dddee", "Config no. DDDEE", "info", "integer"),
  other(154, "software-checksum", "Software checksum", "info", "integer"),
  other(155, "energy-high-resolution-test", "High-resolution energy (test)", "counter"),
  other(157, "top-module-id", "ID number top module", "info", "integer"),
  other(158, "base-module-id", "ID number base module", "info", "integer"),
  other(168, "config-number-ffggmn", "Config no. FFGGMN", "info", "integer"),
  other(175, "error-hours", "Error hour counter", "counter", "integer"),
  other(229, "t1-average-integration", "T1 average over last auto-integration", "gauge"),
  other(230, "t2-average-integration", "T2 average over last auto-integration", "gauge"),
  other(234, "pulse-value-a", "l/imp value input A", "info"),
  other(235, "pulse-value-b", "l/imp value input B", "info"),
  other(239, "v1-high-resolution", "V1 high resolution (test)", "counter"),
  other(266, "e1-high-resolution", "E1 high resolution", "counter"),
  other(267, "e3-high-resolution", "E3 high resolution", "counter"),
  other(582, "battery-days", "Battery days left", "gauge"),
  other(1001, "serial-number", "Serial number", "info", "integer"),
  other(1002, "clock-time", "Meter clock time", "info", "string"),
  other(1003, "clock-date", "Meter clock date", "info", "string"),
  other(1005, "software-edition", "Software edition", "info", "integer"),
  other(
    1010,
    "customer-number-low",
    "Customer number (8 least significant digits)",
    "info",
    "integer",
  ),
];

const BY_ID = new Map<number, RegisterRow>(
  [...HEAT_LAYOUT, ...OTHER_REGISTERS].map((r) => [r.id, r]),
);

/**
 * The table row of a register id; for an id the table lacks, a float gauge
 * `registers/register-<id>` named `Register <id>`.
 */
export function registerRow(id: number): RegisterRow {
  return BY_ID.get(id) ?? other(id, `register-${id}`, `Register ${id}`, "gauge");
}

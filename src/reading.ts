/**
 * The reading: what a meter delivers and every sink consumes.
 *
 * A reading is a plain object so that it prints as JSON and crosses module
 * boundaries without classes. Values travel as exact decimal text from the
 * wire to the payload; nothing converts them to float64 on the way.
 */

/**
 * Homie datatypes smr publishes. Never `duration`: openHAB and Home Assistant
 * read it inconsistently, so durations are numbers with a unit (`h`, `s`).
 */
export type Datatype = "float" | "integer" | "string" | "enum" | "datetime";

/**
 * How a value behaves over time: a `counter` only grows (energy, volume,
 * hours), a `gauge` is instantaneous (power, voltage, temperature), `info`
 * describes the meter (timestamps, tariff, error codes).
 */
export type Kind = "counter" | "gauge" | "info";

/** What one value is: the declarative part of a meter table row. */
export interface Quantity {
  /** Homie node id, e.g. `import`. */
  node: string;
  /** Homie property id, e.g. `total`. */
  property: string;
  /** Friendly property name, e.g. `Import total`. */
  name: string;
  datatype: Datatype;
  /** Unit symbol in exact UTF-8 (`kWh`, `°C`, `m³`); absent when unitless. */
  unit?: string;
  /**
   * The unit of a value published as a plain number: Homie gets no `$unit`,
   * the name says the unit, Home Assistant shows it. For units a consumer
   * would misread: openHAB reads `K` as an absolute temperature and shows a
   * difference of 40.34 K as -232.81 °C. Never set together with `unit`.
   */
  plainUnit?: string;
  /** The values an `enum` takes: Homie `$format`, Home Assistant `options`. */
  options?: readonly string[];
  kind: Kind;
}

/** A quantity that only grows, such as energy in kWh. */
export function counter(node: string, property: string, name: string, unit: string): Quantity {
  return { node, property, name, unit, datatype: "float", kind: "counter" };
}

/** An instantaneous quantity; `integer` for whole numbers such as power in W. */
export function gauge(
  node: string,
  property: string,
  name: string,
  unit: string,
  datatype: "float" | "integer" = "float",
): Quantity {
  return { node, property, name, unit, datatype, kind: "gauge" };
}

/** A point in time the meter reports, such as its clock. */
export function moment(node: string, property: string, name: string): Quantity {
  return { node, property, name, datatype: "datetime", kind: "info" };
}

/** One measured value: its quantity and the value as exact text. */
export interface Value extends Quantity {
  /** Exact decimal (`14159.934`), integer (`2`), ISO 8601 datetime or string. */
  value: string;
}

/** One reading of one meter. */
export interface Reading {
  /** The meter id (the configuration environment, e.g. `t210`). */
  meter: string;
  /** When the reading was taken, ISO 8601 with offset. */
  time: string;
  values: Value[];
}

/** Descriptive facts about a meter, for device attributes and discovery. */
export interface MeterInfo {
  manufacturer: string;
  model: string;
  serial?: string;
}

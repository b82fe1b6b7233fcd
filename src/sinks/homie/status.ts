/**
 * The `status` node: what the reader received and rejected, as Homie values.
 * These describe smr's own work, not the meter's readings, so they never
 * make the device `ready` and never keep it from going `alert`.
 */
import type { MeterStats } from "../../meters/meter.ts";
import type { Quantity, Value } from "../../reading.ts";
import type { RejectReason } from "../../result.ts";

/** The node id of the status node. */
export const STATUS_NODE = "status";

/** Rejection reasons in publishing order, with the words of their property names. */
const REASONS: ReadonlyArray<readonly [RejectReason, string]> = [
  ["crc", "CRC"],
  ["tag", "authentication tag"],
  ["decryption", "decryption"],
  ["framing", "framing"],
  ["decode", "decode"],
  ["timeout", "timeout"],
  ["implausible", "implausible counter value"],
];

function counter(property: string, name: string): Quantity {
  return { node: STATUS_NODE, property, name, datatype: "integer", kind: "counter" };
}

const RECEIVED = counter("received", "Frames received");
const DECODED = counter("decoded", "Frames decoded");
const REJECTED = REASONS.map(([reason, words]) =>
  [reason, counter(`rejected-${reason}`, `Rejected: ${words}`)] as const
);

/** The time of the last reading, a property once there is one. */
export const LAST_READING: Quantity = {
  node: STATUS_NODE,
  property: "last-reading",
  name: "Last reading",
  datatype: "datetime",
  kind: "info",
};

/** The counters of the status node, always present, in publishing order. */
export const STATUS_COUNTERS: readonly Quantity[] = [
  RECEIVED,
  DECODED,
  ...REJECTED.map(([, quantity]) => quantity),
];

/** The status values of a meter's counters; `last-reading` only once there is one. */
export function statusValues(stats: MeterStats): Value[] {
  const values: Value[] = [
    { ...RECEIVED, value: String(stats.received) },
    { ...DECODED, value: String(stats.decoded) },
    ...REJECTED.map(([reason, quantity]) => ({
      ...quantity,
      value: String(stats.rejected[reason] ?? 0),
    })),
  ];
  if (stats.lastReading) values.push({ ...LAST_READING, value: stats.lastReading });
  return values;
}

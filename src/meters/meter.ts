/**
 * The meter contract: one stream of events per meter. Readings, the meter's
 * identity and its counters all travel on it, in the order they happened;
 * nothing else of a meter is read later by the pipeline or the sinks.
 */
import type { RejectReason } from "../result.ts";
import type { MeterInfo, Reading } from "../reading.ts";

/** Counters of what a meter received and why it rejected input. */
export interface MeterStats {
  /** Frames or replies received. */
  received: number;
  /** Frames decoded into readings. */
  decoded: number;
  /**
   * Rejections by reason; `implausible` counts decoded readings in which the
   * pipeline's counter guard held a counter value back (they count in
   * `decoded` as well).
   */
  rejected: Record<RejectReason, number>;
  /** Time of the last reading, ISO 8601. */
  lastReading?: string;
}

/** The device a meter is read through (its serial port), as far as status lines need it. */
export interface MeterLink {
  /** Device path, e.g. `/dev/ttyUSB0`. */
  readonly path: string;
  /** Whether the device is open now. */
  readonly connected: boolean;
  /** Why the device is unavailable, while it is and attempts to reopen it go on. */
  readonly lastError?: string;
}

/**
 * What a meter tells, in order:
 * - `identity`: who the meter is (manufacturer, model, the serial number once
 *   known); first, before anything else, and again whenever it changes;
 * - `stats`: a snapshot of the counters, whenever they changed, also without
 *   a reading (a wrong key rejects every frame), and before the reading of
 *   the same frame, so that the snapshot counts it;
 * - `reading`: the values of one frame or poll.
 *
 * Events are plain data the meter no longer touches once yielded.
 */
export type MeterEvent =
  | { kind: "identity"; info: MeterInfo }
  | { kind: "stats"; stats: MeterStats }
  | { kind: "reading"; reading: Reading };

/** A meter: events until the signal aborts. */
export interface Meter {
  /** The meter id (the environment name). */
  readonly id: string;
  /** Seconds between readings, polled or expected. */
  readonly interval: number;
  /** The device the meter is read through, for meters on a serial line. */
  readonly link?: MeterLink;
  /**
   * The meter's events until `signal` aborts, its identity first (see
   * {@link MeterEvent}); never throws for bad input.
   */
  events(signal: AbortSignal): AsyncIterable<MeterEvent>;
}

/** Fresh zeroed counters. */
export function emptyStats(): MeterStats {
  return {
    received: 0,
    decoded: 0,
    rejected: {
      framing: 0,
      crc: 0,
      tag: 0,
      decryption: 0,
      decode: 0,
      timeout: 0,
      implausible: 0,
    },
  };
}

/** A copy of counters that later counting does not change, for an event. */
export function snapshotStats(stats: MeterStats): MeterStats {
  return { ...stats, rejected: { ...stats.rejected } };
}

/** Whether two identities say the same. */
export function sameInfo(a: MeterInfo, b: MeterInfo): boolean {
  return a.manufacturer === b.manufacturer && a.model === b.model && a.serial === b.serial;
}

/** The meter contract: an async iterator of readings plus what sinks need to describe it. */
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

/** A meter: readings until the signal aborts. */
export interface Meter {
  /** The meter id (the environment name). */
  readonly id: string;
  /** Manufacturer and model, and the serial number once known. */
  readonly info: MeterInfo;
  readonly stats: MeterStats;
  /** Seconds between readings, polled or expected. */
  readonly interval: number;
  /** The device the meter is read through, for meters on a serial line. */
  readonly link?: MeterLink;
  /** Readings until `signal` aborts; never throws for bad input. */
  readings(signal: AbortSignal): AsyncIterable<Reading>;
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

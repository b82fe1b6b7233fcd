/** The Kamstrup meter built from its configuration, and the decoding of a capture of replies. */
import { captureReading, type DecodeReport, type MeterContext } from "../driver.ts";
import type { Meter } from "../meter.ts";
import { meterPort } from "../meter_port.ts";
import { PolledMeter } from "../polled_meter.ts";
import type { KamstrupConfig } from "./driver.ts";
import { findReply } from "./frame.ts";
import { decodeRegisterResponse } from "./register_codec.ts";
import { KmpSession } from "./session.ts";
import { toValues } from "./values.ts";

/** A MULTICAL 403 polled through the optical head. */
export function createKamstrupMeter(meter: KamstrupConfig, { id, log }: MeterContext): Meter {
  return new PolledMeter({
    id,
    info: { manufacturer: "Kamstrup", model: "MULTICAL 403" },
    interval: meter.interval,
    timeout: meter.timeout,
    port: meterPort(meter, log),
    session: new KmpSession({ registers: meter.registers }),
    log,
  });
}

/** Decodes the register replies of a capture. */
export function decodeKmpCapture(id: string, bytes: Uint8Array): DecodeReport {
  const report: DecodeReport = { readings: [], problems: [] };
  let rest = bytes;
  let n = 0;
  for (let found = findReply(rest); found; found = findReply(rest)) {
    n++;
    rest = found.rest;
    const registers = decodeRegisterResponse(found.frame);
    if (registers.ok) {
      report.readings.push(captureReading(id, toValues(registers.value)));
    } else {
      report.problems.push(`reply ${n}: ${registers.error.reason}: ${registers.error.message}`);
    }
  }
  if (n === 0) {
    report.problems.push("no KMP reply found (a reply starts with 40 and ends with 0D)");
  }
  return report;
}

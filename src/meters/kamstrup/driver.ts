/** The `kamstrup` driver: a Kamstrup MULTICAL 403 heat meter polled through an optical head (KMP). */
import { integer, list, number, rule } from "../../config/rules.ts";
import { SerialPort } from "../../serial/port.ts";
import { captureReading, type DecodeReport, defineDriver, serialSettings } from "../driver.ts";
import { findReply } from "./frame.ts";
import { PolledMeter } from "../polled_meter.ts";
import { decodeRegisterResponse } from "./register_codec.ts";
import { KmpSession } from "./session.ts";
import { toValues } from "./values.ts";

/** Registers read by default. */
export const DEFAULT_REGISTERS: readonly number[] = [60, 63, 68, 74, 80, 86, 87, 89, 99, 1004];

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

/** The Kamstrup MULTICAL 403 meter type. */
export const kamstrupDriver = defineDriver({
  type: "kamstrup",
  meters: "Kamstrup MULTICAL 403 heat meter, Kamstrup Meter Protocol",
  link: "optical IR head, 1200 8N2",
  name: "Heat meter",
  interval: 60,
  serial: { baud: 1200, databits: 8, parity: "none", stopbits: 2 },
  keys: {
    registers: rule(list(integer(1, 65535), "register ids"), {
      default: [...DEFAULT_REGISTERS],
      doc: "registers to read",
    }),
    timeout: rule(number(0.05, 60), { default: 2, doc: "seconds to wait for a reply" }),
  },
  create: (meter, { id, log }) =>
    new PolledMeter({
      id,
      info: { manufacturer: "Kamstrup", model: "MULTICAL 403" },
      interval: meter.interval,
      timeout: meter.timeout,
      port: new SerialPort({ path: meter.device, settings: serialSettings(meter), logger: log }),
      session: new KmpSession({ registers: meter.registers }),
      log,
    }),
  decode: (_meter, bytes, { id }) => decodeKmpCapture(id, bytes),
});

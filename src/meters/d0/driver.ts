/**
 * The `d0` driver: IEC 62056-21 readouts through the optical IR head. In
 * push mode (mode D: EasyMeter Q3D, Hager eHZ) the meter sends a readout
 * every second or two, 9600 7E1 (some 2400 7E1); nothing is sent to it.
 */
import { oneOf, rule } from "../../config/rules.ts";
import { SerialPort } from "../../serial/port.ts";
import { decodeStreamCapture, defineDriver, serialSettings } from "../driver.ts";
import { StreamMeter } from "../stream_meter.ts";
import { D0StreamDecoder } from "./decoder.ts";

/** The IEC 62056-21 meter type. */
export const d0Driver = defineDriver({
  type: "d0",
  meters:
    "IEC 62056-21 (D0) meters: electricity meters pushing readouts (EasyMeter Q3D, Hager eHZ)",
  link: "optical IR head, 9600 7E1",
  name: "Electricity meter",
  interval: 10,
  serial: { baud: 9600, databits: 7, parity: "even", stopbits: 1 },
  keys: {
    bcc: rule(oneOf(["optional", "required", "ignore"]), {
      default: "optional",
      doc: "D0 block check character: optional (checked when sent), required, ignore",
    }),
  },
  create: (meter, { id, log }) =>
    new StreamMeter({
      id,
      info: { manufacturer: "IEC 62056-21", model: "D0 meter" },
      interval: meter.interval,
      port: new SerialPort({ path: meter.device, settings: serialSettings(meter), logger: log }),
      decoder: new D0StreamDecoder({ bcc: meter.bcc }),
      log,
    }),
  decode: (meter, bytes, { id }) =>
    decodeStreamCapture(
      id,
      new D0StreamDecoder({ bcc: meter.bcc }),
      bytes,
      "no D0 readout found (a readout starts with /XXX and ends with !)",
    ),
  detect: (bytes) =>
    bytes[0] === 0x2f && /^\/[A-Za-z]{3}\d/.test(String.fromCharCode(...bytes.subarray(0, 5))),
});

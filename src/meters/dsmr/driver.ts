/** The `dsmr` driver: plain DSMR P1 telegrams, framed from the stream and decoded by the DSMR core. */
import { oneOf, rule } from "../../config/rules.ts";
import { ok, type Result } from "../../result.ts";
import { SerialPort } from "../../serial/port.ts";
import { captureReading, type DecodeReport, defineDriver, serialSettings } from "../driver.ts";
import { type Decoded, type StreamDecoder, StreamMeter } from "../stream_meter.ts";
import { decodeTelegram } from "./decode.ts";
import { TelegramFramer } from "./framer.ts";
import { telegramInfo } from "./identity.ts";
import type { CrcMode } from "./telegram.ts";

/** The DSMR P1 port: 115200 baud, 8N1. */
export const P1_SERIAL = { baud: 115200, databits: 8, parity: "none", stopbits: 1 } as const;

/** Plain DSMR: the framer splits the stream, the DSMR core checks and decodes. */
export function dsmrDecoder(crc: CrcMode): StreamDecoder {
  const framer = new TelegramFramer();
  return {
    push(chunk) {
      return framer.push(chunk).map((framed): Result<Decoded> => {
        if (!framed.ok) return framed;
        const telegram = decodeTelegram(framed.value, { crc });
        if (!telegram.ok) return telegram;
        return ok({ values: telegram.value.values, info: telegramInfo(telegram.value) });
      });
    },
  };
}

/** Decodes the telegrams of a capture, one problem line per telegram that did not decode. */
export function decodeTelegrams(id: string, crc: CrcMode, bytes: Uint8Array): DecodeReport {
  const report: DecodeReport = { readings: [], problems: [] };
  const framer = new TelegramFramer();
  const framed = [...framer.push(bytes), ...framer.flush()];
  framed.forEach((result, n) => {
    const telegram = result.ok ? decodeTelegram(result.value, { crc }) : result;
    if (telegram.ok) report.readings.push(captureReading(id, telegram.value.values));
    else {report.problems.push(
        `telegram ${n + 1}: ${telegram.error.reason}: ${telegram.error.message}`,
      );}
  });
  if (framed.length === 0) {
    report.problems.push("no DSMR telegram found (a telegram starts with / and ends with !CRC)");
  }
  return report;
}

/** The plain DSMR meter type. */
export const dsmrDriver = defineDriver({
  type: "dsmr",
  meters: "plain DSMR P1 meters (NL, BE, LU, and DSMR 2.2 to 5)",
  link: "P1, 115200 8N1",
  name: "Electricity meter",
  interval: 10,
  serial: P1_SERIAL,
  keys: {
    crc: rule(oneOf(["required", "optional"]), {
      default: "required",
      doc: "DSMR CRC: required, or optional for DSMR 2.2/3 meters that send none",
    }),
  },
  create: (meter, { id, log }) =>
    new StreamMeter({
      id,
      info: { manufacturer: "DSMR", model: "P1 meter" },
      interval: meter.interval,
      port: new SerialPort({ path: meter.device, settings: serialSettings(meter), logger: log }),
      decoder: dsmrDecoder(meter.crc),
      log,
    }),
  decode: (meter, bytes, { id }) => decodeTelegrams(id, meter.crc, bytes),
  detect: (bytes) => bytes[0] === 0x2f,
});

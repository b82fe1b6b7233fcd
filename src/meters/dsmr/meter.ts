/** The DSMR meter built from its configuration, and the decoding of a capture of telegrams. */
import { ok, type Result } from "../../result.ts";
import { captureReading, type DecodeReport, type MeterContext } from "../driver.ts";
import type { Meter } from "../meter.ts";
import { type Decoded, listeningMeter, type StreamDecoder } from "../stream_meter.ts";
import { decodeTelegram } from "./decode.ts";
import type { DsmrConfig } from "./driver.ts";
import { TelegramFramer } from "./framer.ts";
import { telegramInfo } from "./identity.ts";
import type { CrcMode } from "./telegram.ts";

/** Plain DSMR: the framer splits the stream, the DSMR core checks and decodes. */
function dsmrDecoder(crc: CrcMode): StreamDecoder {
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

/** A DSMR meter listening on its P1 port. */
export function createDsmrMeter(meter: DsmrConfig, context: MeterContext): Meter {
  return listeningMeter(
    meter,
    context,
    { manufacturer: "DSMR", model: "P1 meter" },
    dsmrDecoder(meter.crc),
  );
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

/** The T210-D-r meter built from its configuration, and the decoding of a capture with a key diagnosis. */
import { ok, type Rejection } from "../../result.ts";
import { captureReading, type DecodeReport, type MeterContext } from "../driver.ts";
import { decodeTelegram } from "../dsmr/decode.ts";
import { telegramInfo } from "../dsmr/identity.ts";
import { configuredKey, parseKey } from "../glo_keys.ts";
import type { Meter } from "../meter.ts";
import { type Decoded, listeningMeter, type StreamDecoder } from "../stream_meter.ts";
import { FrameDecrypter } from "./decrypt.ts";
import { type ConfiguredKeys, diagnoseKeys } from "./diagnose.ts";
import type { T210Config } from "./driver.ts";
import type { FoundFrame } from "./finder.ts";
import { T210Reader } from "./reader.ts";

/** T210-D-r: frames found and decrypted, then the DSMR core with its CRC. */
function t210Decoder(meterId: string, keys: ConfiguredKeys): StreamDecoder {
  const reader = new T210Reader<Decoded>({
    decrypter: new FrameDecrypter({ meterId, ...keys }),
    validate: (telegram) => {
      const result = decodeTelegram(telegram, { crc: "required" });
      if (!result.ok) return result;
      const { serial } = telegramInfo(result.value);
      return ok({ values: result.value.values, info: serial ? { serial } : undefined });
    },
  });
  return { push: (chunk) => reader.push(chunk) };
}

/** The keys of a configuration as bytes (checked there as 32 hex characters). */
export function t210Keys(meter: { key: string; auth_key?: string }): ConfiguredKeys {
  const key = configuredKey(meter.key, "meter.key", parseKey);
  return meter.auth_key === undefined
    ? { key }
    : { key, authKey: configuredKey(meter.auth_key, "meter.auth_key", parseKey) };
}

/** Decodes a capture and, for frames that do not decrypt, diagnoses the keys. */
export async function decodeT210Capture(
  id: string,
  keys: ConfiguredKeys,
  bytes: Uint8Array,
): Promise<DecodeReport> {
  const report: DecodeReport = { readings: [], problems: [] };
  const rejected: { frame: FoundFrame; error: Rejection }[] = [];
  const reader = new T210Reader({
    decrypter: new FrameDecrypter({ meterId: id, ...keys }),
    validate: (telegram) => decodeTelegram(telegram, { crc: "required" }),
    onRejected: (frame, error) => rejected.push({ frame, error }),
  });
  const results = await reader.push(bytes);
  for (const result of results) {
    if (result.ok) report.readings.push(captureReading(id, result.value.values));
  }
  for (const { frame, error } of rejected) {
    const where = `frame at byte ${frame.offset}`;
    if (error.reason === "crc" || error.reason === "framing") {
      report.problems.push(
        `${where}: decrypted, but the telegram fails its ${error.reason} check: ` +
          `${error.message} (a damaged or cut-off frame)`,
      );
    } else {
      const diagnosis = await diagnoseKeys(frame, keys);
      report.problems.push(
        `${where}: ${error.reason}: ${error.message}; diagnosis: ${diagnosis.message}`,
      );
    }
  }
  if (results.length === 0) {
    report.problems.push("no T210 frame found (a frame starts with DB 08 and a system title)");
  }
  return report;
}

/** A T210-D-r listening on its P1 port. */
export function createT210Meter(meter: T210Config, context: MeterContext): Meter {
  return listeningMeter(
    meter,
    context,
    { manufacturer: "Sagemcom", model: "T210-D-r" },
    t210Decoder(context.id, t210Keys(meter)),
  );
}

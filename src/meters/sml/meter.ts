/** The SML meter built from its configuration, and the decoding of a capture of SML frames. */
import { ok, type Result } from "../../result.ts";
import {
  type DecodeReport,
  decodeStreamCapture,
  type FlushableDecoder,
  type MeterContext,
} from "../driver.ts";
import { manufacturerName } from "../manufacturers.ts";
import type { Meter } from "../meter.ts";
import { type Decoded, listeningMeter } from "../stream_meter.ts";
import { SmlDecoder, type SmlFrameDecoded } from "./decoder.ts";
import type { SmlConfig } from "./driver.ts";
import type { SmlCrc } from "./transport.ts";

/** SML frames as readings: values, and the manufacturer by name where its FLAG id is known. */
function smlStream(crc: SmlCrc | "auto"): FlushableDecoder {
  const decoder = new SmlDecoder({ crc });
  const decoded = (result: Result<SmlFrameDecoded>): Result<Decoded> => {
    if (!result.ok) return result;
    const { manufacturer, serial } = result.value.info;
    const info: Decoded["info"] = {};
    if (manufacturer) info.manufacturer = manufacturerName(manufacturer) ?? manufacturer;
    if (serial) info.serial = serial;
    return ok({ values: result.value.values, info });
  };
  return {
    push: (chunk) => decoder.push(chunk).map(decoded),
    flush: () => decoder.flush().map(decoded),
  };
}

/** An SML meter listening through the optical head. */
export function createSmlMeter(meter: SmlConfig, context: MeterContext): Meter {
  return listeningMeter(
    meter,
    context,
    { manufacturer: "SML", model: "SML meter" },
    smlStream(meter.crc),
  );
}

/** Decodes the SML frames of a capture. */
export function decodeSmlCapture(id: string, meter: SmlConfig, bytes: Uint8Array): DecodeReport {
  return decodeStreamCapture(
    id,
    smlStream(meter.crc),
    bytes,
    "no SML frame found (a frame starts with 1B 1B 1B 1B 01 01 01 01)",
  );
}

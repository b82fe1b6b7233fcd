/**
 * P1 meters: plain DSMR telegrams, and the Sagemcom T210-D-r whose telegrams
 * come encrypted in DLMS general-glo-ciphering frames. Both decode to the
 * electricity layout through the DSMR core.
 */
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { MeterInfo } from "../reading.ts";
import { ok, type Result } from "../result.ts";
import { decodeHex } from "../bytes.ts";
import { SerialPort } from "../serial/port.ts";
import { type DecodedTelegram, decodeTelegram } from "./dsmr/decode.ts";
import { TelegramFramer } from "./dsmr/framer.ts";
import type { CrcMode } from "./dsmr/telegram.ts";
import { type Decoded, type StreamDecoder, StreamMeter } from "./stream_meter.ts";
import { FrameDecrypter } from "./t210/decrypt.ts";
import { parseKey } from "./t210/keys.ts";
import { T210Reader } from "./t210/reader.ts";
import { serialSettings } from "./serial_settings.ts";

/** Manufacturers by the three-letter FLAG id at the start of a DSMR header. */
const MANUFACTURERS: Record<string, string> = {
  ISK: "Iskra",
  KFM: "Kaifa",
  XMX: "Landis+Gyr",
  LGF: "Landis+Gyr",
  SAG: "Sagemcom",
  EST: "Sagemcom",
  KMP: "Kamstrup",
  KAM: "Kamstrup",
  FLU: "Fluvius",
  ESY: "EasyMeter",
  EBZ: "eBZ",
  ENE: "Sagemcom",
};

/** Equipment identifier codes, most specific first. */
const EQUIPMENT_IDS = ["0-0:96.1.1", "0-0:96.1.0"];

/** Decodes an equipment id sent as hex-encoded ASCII (NL), else keeps it. */
function equipmentId(raw: string): string | undefined {
  if (raw === "") return undefined;
  if (/^(?:[0-9A-Fa-f]{2})+$/.test(raw)) {
    const text = String.fromCharCode(...decodeHex(raw));
    if (/^[\x20-\x7e]+$/.test(text)) return text.trim();
  }
  return raw;
}

/** What a telegram tells about the meter: manufacturer, model and serial. */
export function telegramInfo(telegram: DecodedTelegram): Partial<MeterInfo> {
  const header = telegram.header.replace(/^\//, "");
  const info: Partial<MeterInfo> = {};
  const manufacturer = MANUFACTURERS[header.slice(0, 3).toUpperCase()];
  if (manufacturer) info.manufacturer = manufacturer;
  // After the manufacturer and the baud rate letter: `\2` (mode E) or a control byte.
  const model = header.slice(4).replace(/^\\\d/, "").replace(/[^\x20-\x7e]/g, "").trim();
  if (model) info.model = model;
  for (const code of EQUIPMENT_IDS) {
    const object = telegram.parsed.objects.find((o) => o.code === code);
    const serial = object && equipmentId(object.groups[0]?.value ?? "");
    if (serial) {
      info.serial = serial;
      break;
    }
  }
  return info;
}

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

/** T210-D-r: frames found and decrypted, then the DSMR core with its CRC. */
export function t210Decoder(meterId: string, key: Uint8Array, authKey?: Uint8Array): StreamDecoder {
  const reader = new T210Reader<Decoded>({
    decrypter: new FrameDecrypter({ meterId, key, authKey }),
    validate: (telegram) => {
      const result = decodeTelegram(telegram, { crc: "required" });
      if (!result.ok) return result;
      const { serial } = telegramInfo(result.value);
      return ok({ values: result.value.values, info: serial ? { serial } : undefined });
    },
  });
  return { push: (chunk) => reader.push(chunk) };
}

function key(text: string | undefined, name: string): Uint8Array | undefined {
  if (text === undefined) return undefined;
  const parsed = parseKey(text, name);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

/** The T210 keys of a configuration as bytes (validated there as 32 hex characters). */
export function meterKeys(config: Config): { key: Uint8Array; authKey?: Uint8Array } {
  const k = key(config.meter.key, "meter.key");
  if (!k) throw new Error(`meter.key is required for meter.type "${config.meter.type}"`);
  return { key: k, authKey: key(config.meter.auth_key, "meter.auth_key") };
}

/** Creates a `dsmr` or `t210` meter from its configuration. */
export function createP1Meter(config: Config, log: Logger): StreamMeter {
  const { meter } = config;
  const t210 = meter.type === "t210";
  const info: MeterInfo = t210
    ? { manufacturer: "Sagemcom", model: "T210-D-r" }
    : { manufacturer: "DSMR", model: "P1 meter" };
  let decoder: StreamDecoder;
  if (t210) {
    const keys = meterKeys(config);
    decoder = t210Decoder(config.env, keys.key, keys.authKey);
  } else {
    decoder = dsmrDecoder(meter.crc);
  }
  return new StreamMeter({
    id: config.env,
    info,
    interval: meter.interval,
    port: new SerialPort({
      path: meter.device!,
      settings: serialSettings(config.meter),
      logger: log,
    }),
    decoder,
    log,
  });
}

/** What a DSMR telegram tells about its meter: manufacturer, model and serial number. */
import { decodeHex, isHex } from "../../bytes.ts";
import type { MeterInfo } from "../../reading.ts";
import { manufacturerName } from "../manufacturers.ts";
import type { DecodedTelegram } from "./decode.ts";

/** Equipment identifier codes, most specific first. */
const EQUIPMENT_IDS = ["0-0:96.1.1", "0-0:96.1.0"];

/** Decodes an equipment id sent as hex-encoded ASCII (NL), else keeps it. */
function equipmentId(raw: string): string | undefined {
  if (raw === "") return undefined;
  if (isHex(raw)) {
    const text = String.fromCharCode(...decodeHex(raw));
    if (/^[\x20-\x7e]+$/.test(text)) return text.trim();
  }
  return raw;
}

/** What a telegram tells about the meter: manufacturer, model and serial. */
export function telegramInfo(telegram: DecodedTelegram): Partial<MeterInfo> {
  const header = telegram.header.replace(/^\//, "");
  const info: Partial<MeterInfo> = {};
  const manufacturer = manufacturerName(header.slice(0, 3));
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

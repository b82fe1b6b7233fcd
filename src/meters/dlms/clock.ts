/**
 * The COSEM date-time (12 bytes) to ISO 8601 with an explicit offset.
 *
 * ```
 * year(2) month day day-of-week hour minute second hundredths deviation(2) status
 * ```
 * The deviation is in minutes with local = UTC − deviation, so the offset is
 * its negation: `FF88` (−120) is `+02:00`, `FFC4` (−60) is `+01:00`. When the
 * meter leaves the deviation unspecified (`8000`, as the Landis+Gyr E450
 * does), the offset is that of Central European time under the EU
 * summer-time rule (the meters of this protocol are Austrian and Polish),
 * as for DSMR timestamps without their `S`/`W` letter. The clock status
 * byte is not needed for either.
 *
 * Fields the meter leaves unspecified (`FF`, `FFFF`) or sends as patterns
 * (month or day `FD`/`FE`) give no time: undefined, not an error.
 */
import { europeanOffset } from "../european_time.ts";

/** Length of a COSEM date-time. */
export const DATE_TIME_LENGTH = 12;

const DEVIATION_UNSPECIFIED = -0x8000;
const MAX_DEVIATION = 840;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** `+HH:MM` for an offset in minutes, `Z` for none. */
function offsetText(minutes: number): string {
  if (minutes === 0) return "Z";
  const sign = minutes < 0 ? "-" : "+";
  const size = Math.abs(minutes);
  return `${sign}${pad(Math.floor(size / 60))}:${pad(size % 60)}`;
}

/**
 * A 12-byte COSEM date-time as ISO 8601 with offset
 * (`07E5091B01092F0F00FF8880` → `2021-09-27T09:47:15+02:00`; hundredths,
 * when sent and not zero, as a fraction). Undefined when the bytes are not
 * a complete, valid date and time.
 */
export function cosemDateTime(bytes: Uint8Array): string | undefined {
  if (bytes.length !== DATE_TIME_LENGTH) return undefined;
  const year = (bytes[0] << 8) | bytes[1];
  const month = bytes[2];
  const day = bytes[3];
  const hour = bytes[5];
  const minute = bytes[6];
  const second = bytes[7];
  const hundredths = bytes[8];
  const deviation = ((bytes[9] << 24) >> 16) | bytes[10];
  if (year === 0xffff || month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && !isLeap(year) ? 28 : DAYS_IN_MONTH[month - 1])) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (hundredths !== 0xff && hundredths > 99) return undefined;
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  const time = `${pad(hour)}:${pad(minute)}:${pad(second)}`;
  const fraction = hundredths !== 0xff && hundredths !== 0 ? `.${pad(hundredths)}` : "";
  let offset: string;
  if (deviation === DEVIATION_UNSPECIFIED) {
    // Without a deviation only a plausible present-day clock is taken as local time.
    if (year < 2000 || year > 2068) return undefined;
    offset = europeanOffset(year, month, day, hour);
  } else {
    if (Math.abs(deviation) > MAX_DEVIATION) return undefined;
    offset = offsetText(-deviation);
  }
  return `${date}T${time}${fraction}${offset}`;
}

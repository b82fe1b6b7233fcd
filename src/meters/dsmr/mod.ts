/**
 * DSMR P1 protocol core: framing, CRC, line grammar, timestamps and the OBIS
 * table, as pure functions over bytes. No I/O.
 */
export { crc16, formatCrc } from "./crc.ts";
export {
  DEFAULT_MAX_TELEGRAM_BYTES,
  type FramerOptions,
  type FramerStats,
  TelegramFramer,
} from "./framer.ts";
export { type DsmrObject, type Group, type ParsedLines, parseLines } from "./lines.ts";
export { parseTimestamp } from "./timestamp.ts";
export {
  DSMR_QUANTITIES,
  MBUS_TABLE,
  type MbusRow,
  OBIS_TABLE,
  type ObisRead,
  type ObisRow,
} from "./obis.ts";
export {
  mbusReading,
  type MonthlyPeak,
  peakHistory,
  type PowerFailure,
  powerFailureLog,
  type TimedValue,
} from "./records.ts";
export {
  type CrcMode,
  latin1,
  type ParsedTelegram,
  parseTelegram,
  type TelegramOptions,
} from "./telegram.ts";
export { convert } from "./units.ts";
export {
  type DecodedTelegram,
  type DecodeOptions,
  decodeTelegram,
  interpret,
  type Interpretation,
} from "./decode.ts";

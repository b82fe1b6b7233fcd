/**
 * `smr decode`: decodes captured bytes offline with an environment's meter
 * type and keys, prints each reading as a JSON line, and says precisely why
 * anything did not decode. This is how a user checks a key without the meter.
 */
import { decodeHex, isHex } from "../bytes.ts";
import type { Config } from "../config/schema.ts";
import { decodeTelegram } from "../meters/dsmr/decode.ts";
import { TelegramFramer } from "../meters/dsmr/framer.ts";
import { findReply } from "../meters/kamstrup/frame.ts";
import { decodeRegisterResponse } from "../meters/kamstrup/register_codec.ts";
import { toValues } from "../meters/kamstrup/values.ts";
import { FrameDecrypter } from "../meters/t210/decrypt.ts";
import { diagnoseKeys } from "../meters/t210/diagnose.ts";
import type { FoundFrame } from "../meters/t210/finder.ts";
import { T210Reader } from "../meters/t210/reader.ts";
import { meterKeys } from "../meters/p1.ts";
import type { Reading, Value } from "../reading.ts";
import type { Rejection } from "../result.ts";
import { readingLine } from "../sinks/dummy.ts";
import { isoLocal } from "../time.ts";

/** What a capture decoded to: readings in order, and one line per problem. */
export interface DecodeReport {
  readings: Reading[];
  problems: string[];
}

/** How the input is written: raw bytes, hex text, or decided by looking. */
export type InputFormat = "raw" | "hex" | "auto";

/** The bytes of a capture, hex text decoded when it is hex (or told so). */
export function captureBytes(input: Uint8Array, format: InputFormat): Uint8Array<ArrayBuffer> {
  const text = new TextDecoder("latin1").decode(input);
  const compact = text.replace(/\s+/g, "");
  const hex = compact.length > 0 && isHex(compact);
  if (format === "hex" || (format === "auto" && hex)) {
    if (!hex) throw new Error("the input is not hex: an even number of 0-9, a-f characters");
    return decodeHex(compact);
  }
  return Uint8Array.from(input);
}

function reading(meter: string, values: Value[]): Reading {
  const stamp = values.find((v) => v.node === "meter" && v.property === "timestamp")?.value;
  return { meter, time: stamp ?? isoLocal(new Date()), values };
}

function looksEncrypted(bytes: Uint8Array): boolean {
  return bytes.some((b, i) => b === 0xdb && bytes[i + 1] === 0x08);
}

function dsmr(config: Config, bytes: Uint8Array): DecodeReport {
  const report: DecodeReport = { readings: [], problems: [] };
  const framer = new TelegramFramer();
  const framed = [...framer.push(bytes), ...framer.flush()];
  framed.forEach((result, n) => {
    const telegram = result.ok ? decodeTelegram(result.value, { crc: config.meter.crc }) : result;
    if (telegram.ok) report.readings.push(reading(config.env, telegram.value.values));
    else {report.problems.push(
        `telegram ${n + 1}: ${telegram.error.reason}: ${telegram.error.message}`,
      );}
  });
  if (framed.length === 0) {
    report.problems.push(
      "no DSMR telegram found (a telegram starts with / and ends with !CRC)" +
        (looksEncrypted(bytes)
          ? "; these look like encrypted T210 frames: use a t210 environment"
          : ""),
    );
  }
  return report;
}

async function t210(config: Config, bytes: Uint8Array): Promise<DecodeReport> {
  const report: DecodeReport = { readings: [], problems: [] };
  const keys = meterKeys(config);
  const rejected: { frame: FoundFrame; error: Rejection }[] = [];
  const reader = new T210Reader({
    decrypter: new FrameDecrypter({ meterId: config.env, ...keys }),
    validate: (telegram) => decodeTelegram(telegram, { crc: "required" }),
    onRejected: (frame, error) => rejected.push({ frame, error }),
  });
  const results = await reader.push(bytes);
  for (const result of results) {
    if (result.ok) report.readings.push(reading(config.env, result.value.values));
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
    const plain = bytes[0] === 0x2f;
    report.problems.push(
      "no T210 frame found (a frame starts with DB 08 and a system title)" +
        (plain ? "; this looks like a plain DSMR telegram: use a dsmr environment" : ""),
    );
  }
  return report;
}

function kamstrup(config: Config, bytes: Uint8Array): DecodeReport {
  const report: DecodeReport = { readings: [], problems: [] };
  let rest = bytes;
  let n = 0;
  for (let found = findReply(rest); found; found = findReply(rest)) {
    n++;
    rest = found.rest;
    const registers = decodeRegisterResponse(found.frame);
    if (registers.ok) {
      report.readings.push(reading(config.env, toValues(registers.value)));
    } else {
      report.problems.push(`reply ${n}: ${registers.error.reason}: ${registers.error.message}`);
    }
  }
  if (n === 0) {
    report.problems.push("no KMP reply found (a reply starts with 40 and ends with 0D)");
  }
  return report;
}

/** Decodes a capture with the environment's meter type and keys. */
export async function decodeCapture(config: Config, bytes: Uint8Array): Promise<DecodeReport> {
  switch (config.meter.type) {
    case "dsmr":
      return dsmr(config, bytes);
    case "t210":
      return await t210(config, bytes);
    case "kamstrup":
      return kamstrup(config, bytes);
    case "dummy":
      return { readings: [], problems: ["meter.type dummy has nothing to decode"] };
  }
}

/** Options of {@link runDecode}. */
export interface DecodeRunOptions {
  config: Config;
  /** A file path, or `-`/undefined for stdin. */
  file?: string;
  format: InputFormat;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** Runs `smr decode`; resolves to the exit code (0 when at least one reading decoded). */
export async function runDecode(options: DecodeRunOptions): Promise<number> {
  const out = options.out ?? ((line) => console.log(line));
  const err = options.err ?? ((line) => console.error(line));
  let input: Uint8Array;
  try {
    input = options.file && options.file !== "-"
      ? await Deno.readFile(options.file)
      : new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  } catch (error) {
    err(`smr decode: cannot read ${options.file}: ${(error as Error).message}`);
    return 1;
  }
  let report: DecodeReport;
  try {
    report = await decodeCapture(options.config, captureBytes(input, options.format));
  } catch (error) {
    err(`smr decode: ${(error as Error).message}`);
    return 1;
  }
  for (const r of report.readings) out(readingLine(r));
  for (const problem of report.problems) err(`smr decode: ${problem}`);
  err(`smr decode: ${report.readings.length} decoded, ${report.problems.length} rejected`);
  return report.readings.length > 0 ? 0 : 1;
}

/**
 * `smr decode`: decodes captured bytes offline with an environment's meter
 * type and keys, prints each reading as a JSON line, and says precisely why
 * anything did not decode. This is how a user checks a key without the meter.
 */
import { decodeHex, isHex } from "../bytes.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { AnyDriver, DecodeReport } from "../meters/driver.ts";
import { DRIVERS, findDriver } from "../meters/registry.ts";
import { readingLine } from "../sinks/dummy.ts";

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

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

/** Decodes a capture with the environment's meter type and keys. */
export async function decodeCapture(
  config: Config,
  bytes: Uint8Array,
  drivers: readonly AnyDriver[] = DRIVERS,
): Promise<DecodeReport> {
  const driver = findDriver(config.meter.type, drivers);
  if (driver?.decode === undefined) {
    return { readings: [], problems: [`meter.type ${config.meter.type} has nothing to decode`] };
  }
  const report = await driver.decode(config.meter, bytes, { id: config.env, log: SILENT });
  const mine = driver.detect?.(bytes) ?? true;
  const other = mine ? undefined : drivers.find((d) => d !== driver && d.detect?.(bytes));
  if (report.readings.length === 0 && report.problems.length > 0 && other) {
    report.problems[0] +=
      `; these bytes look like ${other.type} frames: use a ${other.type} environment`;
  }
  return report;
}

/** Options of {@link runDecode}. */
export interface DecodeRunOptions {
  config: Config;
  /** The meter types to decode with; the registry's by default. */
  drivers?: readonly AnyDriver[];
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
    report = await decodeCapture(
      options.config,
      captureBytes(input, options.format),
      options.drivers,
    );
  } catch (error) {
    err(`smr decode: ${(error as Error).message}`);
    return 1;
  }
  for (const r of report.readings) out(readingLine(r));
  for (const problem of report.problems) err(`smr decode: ${problem}`);
  err(`smr decode: ${report.readings.length} decoded, ${report.problems.length} rejected`);
  return report.readings.length > 0 ? 0 : 1;
}

/** The dummy sink: one JSON line per reading on stdout, for `jq` and eyes. */
import type { MeterEvent } from "../meters/meter.ts";
import type { Sink } from "../pipeline.ts";
import type { Reading } from "../reading.ts";

const encoder = new TextEncoder();

/**
 * One JSON line for a reading: meter, time and `node/property` → value with
 * unit (a plain unit too: in JSON `K` cannot be mistaken for a temperature).
 */
export function readingLine(reading: Reading): string {
  const values: Record<string, { value: string; unit?: string }> = {};
  for (const v of reading.values) {
    const unit = v.unit ?? v.plainUnit;
    values[`${v.node}/${v.property}`] = unit ? { value: v.value, unit } : { value: v.value };
  }
  return JSON.stringify({ meter: reading.meter, time: reading.time, values });
}

/** Prints readings to a writer (stdout by default); the meter's other events are not shown. */
export class DummySink implements Sink {
  readonly name = "dummy";
  constructor(private readonly write: (line: string) => Promise<void> = writeStdout) {}

  async consume(events: AsyncIterable<MeterEvent>): Promise<void> {
    for await (const event of events) {
      if (event.kind === "reading") await this.write(readingLine(event.reading) + "\n");
    }
  }
}

async function writeStdout(text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

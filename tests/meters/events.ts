/** Helpers for tests that read a meter's events. */
import type { MeterEvent } from "../../src/meters/meter.ts";
import type { Reading } from "../../src/reading.ts";

/** The readings among a meter's events, in order. */
export async function* readingsOf(events: AsyncIterable<MeterEvent>): AsyncIterable<Reading> {
  for await (const event of events) {
    if (event.kind === "reading") yield event.reading;
  }
}

/** Every event until the iterable ends. */
export async function collect(events: AsyncIterable<MeterEvent>): Promise<MeterEvent[]> {
  const all: MeterEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/**
 * A simulated three-phase electricity meter with plausible readings, in the
 * same Homie layout as the real electricity meters. Counters only grow; power
 * wanders around a daily-household level; voltages sit near 230 V.
 */
import { fixed } from "../../decimal.ts";
import type { MeterInfo, Quantity, Reading, Value } from "../../reading.ts";
import { isoLocal, sleep } from "../../time.ts";
import { ELECTRICITY } from "../electricity.ts";
import { emptyStats, type Meter, type MeterEvent, snapshotStats } from "../meter.ts";

/** Options of {@link DummyMeter}. */
export interface DummyMeterOptions {
  id: string;
  /** Seconds between readings. */
  interval: number;
  /** Stop delivering after this many readings (a simulated outage). */
  silenceAfter?: number;
  /** Readings the outage lasts. */
  silenceFor?: number;
  /** Random source in [0, 1); `Math.random` by default. */
  random?: () => number;
  /** Clock; `Date.now` by default. */
  now?: () => number;
}

function value(quantity: Quantity, text: string): Value {
  return { ...quantity, value: text };
}

/** The dummy meter. */
export class DummyMeter implements Meter {
  readonly id: string;
  readonly interval: number;
  /** Who the dummy meter says it is. */
  readonly info: MeterInfo = { manufacturer: "smr", model: "Dummy meter", serial: "0000000001" };
  #options: DummyMeterOptions;
  #random: () => number;
  #now: () => number;
  #importWh = 12_345_678;
  #exportWh = 1_234_567;
  #load = 600;

  constructor(options: DummyMeterOptions) {
    this.id = options.id;
    this.interval = options.interval;
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** The next simulated reading, advancing the counters by `seconds`. */
  next(seconds: number): Reading {
    const r = this.#random;
    const date = new Date(this.#now());
    this.#load = Math.min(6000, Math.max(150, this.#load + (r() - 0.5) * 300));
    const hour = date.getHours() + date.getMinutes() / 60;
    const solar = Math.max(0, 2500 * Math.sin((Math.PI * (hour - 6)) / 12));
    const importPower = Math.max(0, this.#load - solar);
    const exportPower = Math.max(0, solar - this.#load);
    this.#importWh += (importPower * seconds) / 3600;
    this.#exportWh += (exportPower * seconds) / 3600;
    const time = isoLocal(date);
    const e = ELECTRICITY;
    const values: Value[] = [
      value(e.timestamp, time),
      value(e.tariff, "1"),
      value(e.importTotal, fixed(Math.floor(this.#importWh) / 1000, 3)),
      value(e.exportTotal, fixed(Math.floor(this.#exportWh) / 1000, 3)),
      value(e.powerImport, fixed(importPower, 0)),
      value(e.powerExport, fixed(exportPower, 0)),
    ];
    for (const phase of [e.l1, e.l2, e.l3]) {
      const voltage = 230 + (r() - 0.5) * 6;
      const weight = (0.8 + r() * 0.4) / 3;
      const importShare = importPower * weight;
      const exportShare = exportPower * weight;
      values.push(value(phase.voltage, fixed(voltage, 1)));
      values.push(value(phase.current, fixed((importShare + exportShare) / voltage, 2)));
      values.push(value(phase.powerImport, fixed(importShare, 0)));
      values.push(value(phase.powerExport, fixed(exportShare, 0)));
    }
    return { meter: this.id, time, values };
  }

  async *events(signal: AbortSignal): AsyncIterable<MeterEvent> {
    const { silenceAfter, silenceFor = Infinity } = this.#options;
    const stats = emptyStats();
    let count = 0;
    yield { kind: "identity", info: { ...this.info } };
    while (!signal.aborted) {
      const reading = this.next(this.interval);
      const silent = silenceAfter !== undefined && count >= silenceAfter &&
        count < silenceAfter + silenceFor;
      count++;
      if (!silent) {
        stats.received++;
        stats.decoded++;
        stats.lastReading = reading.time;
        yield { kind: "stats", stats: snapshotStats(stats) };
        yield { kind: "reading", reading };
      }
      await sleep(this.interval * 1000, signal);
    }
  }
}

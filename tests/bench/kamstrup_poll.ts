/**
 * Poll cycle time of the Kamstrup poller: the default 10 registers read
 * from the simulated MULTICAL 403 through a socat pty, with and without an
 * echoing head, and the time the same bytes need on a real 1200 baud 8N2
 * line (a pty does not throttle to the baud rate).
 *
 * Run: deno run --allow-all tests/bench/kamstrup_poll.ts [cycles]
 */
import { silentLogger } from "../../src/log.ts";
import { KmpSession } from "../../src/meters/kamstrup/session.ts";
import { PolledMeter } from "../../src/meters/polled_meter.ts";
import { planRequests } from "../../src/meters/kamstrup/plan.ts";
import {
  encodeGetRegister,
  encodeRegisterResponse,
} from "../../src/meters/kamstrup/register_codec.ts";
import { SerialPort } from "../../src/serial/port.ts";
import { DEFAULT_REGISTERS, kamstrupDriver } from "../../src/meters/kamstrup/driver.ts";
import { MC403_REGISTERS, startKamstrupSimulator } from "../e2e/kamstrup_simulator.ts";
import { startPty } from "../e2e/pty.ts";

/** Bits per byte on a 1200 8N2 line: start bit, 8 data bits, 2 stop bits. */
const BITS_PER_BYTE = 11;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** Durations of `cycles` polls in ms, after one poll that reads the serial number. */
async function measure(echo: boolean, cycles: number): Promise<number[]> {
  const pty = await startPty();
  const simulator = startKamstrupSimulator(pty, { echo });
  const port = new SerialPort({ path: pty.device, settings: kamstrupDriver.serial });
  const meter = new PolledMeter({
    id: "bench",
    info: { manufacturer: "Kamstrup", model: "MULTICAL 403" },
    interval: 60,
    timeout: 2,
    port,
    session: new KmpSession({ registers: DEFAULT_REGISTERS }),
    log: silentLogger,
  });
  const signal = new AbortController().signal;
  try {
    if (!(await meter.poll(signal))) throw new Error("the simulator did not answer");
    const durations: number[] = [];
    for (let i = 0; i < cycles; i++) {
      const start = performance.now();
      const reading = await meter.poll(signal);
      durations.push(performance.now() - start);
      if (reading?.values.length !== 1 + DEFAULT_REGISTERS.length) {
        throw new Error(`cycle ${i}: ${reading?.values.length ?? 0} values`);
      }
    }
    return durations;
  } finally {
    await port.close();
    await simulator.stop();
    await pty.close();
  }
}

/** Bytes on the wire for one poll of `ids`: requests and replies. */
function wireBytes(ids: readonly number[]): { requests: number; replies: number; frames: number } {
  let requests = 0;
  let replies = 0;
  const plan = planRequests(ids);
  for (const request of plan) {
    requests += encodeGetRegister(request).length;
    const registers = MC403_REGISTERS.filter((r) => request.includes(r.id));
    replies += encodeRegisterResponse(registers).length;
  }
  return { requests, replies, frames: plan.length };
}

const cycles = Number(Deno.args[0] ?? 50);
const wire = wireBytes(DEFAULT_REGISTERS);
const wireMs = (wire.requests + wire.replies) * BITS_PER_BYTE / kamstrupDriver.serial.baud * 1000;
console.log(
  `Kamstrup poll of ${DEFAULT_REGISTERS.length} registers (${DEFAULT_REGISTERS.join(", ")}) ` +
    `in ${wire.frames} GetRegister requests, ${cycles} cycles each`,
);
for (const echo of [false, true]) {
  const sorted = (await measure(echo, cycles)).sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  console.log(
    `  simulator over pty, echo ${echo ? "on " : "off"}: mean ${ms(mean)}, ` +
      `median ${ms(percentile(sorted, 0.5))}, p95 ${ms(percentile(sorted, 0.95))}, ` +
      `min ${ms(sorted[0])}, max ${ms(sorted[sorted.length - 1])}`,
  );
}
console.log(
  `  wire at ${kamstrupDriver.serial.baud} baud 8N2 (${BITS_PER_BYTE} bits a byte): ` +
    `${wire.requests} request + ${wire.replies} reply bytes = ` +
    `${wire.requests + wire.replies} bytes, ${ms(wireMs)} ` +
    `(an echo overlaps the request on the half-duplex line; the meter's own reply latency comes on top)`,
);

/**
 * The D0 poll session on the generic poller, against a scripted IEC 62056-21
 * meter behind a fake port that keeps the line speed: what is sent at which
 * speed and after which pause, what a wrong BCC, silence or a slow mode A
 * meter cost, and which reading comes out. No pty, fake clocks.
 */
import { assertEquals, assertMatch, assertOk } from "../../assert.ts";
import { concat, latin1, latin1Text } from "../../../src/bytes.ts";
import type { Logger } from "../../../src/log.ts";
import { PolledMeter, type PolledPort } from "../../../src/meters/polled_meter.ts";
import {
  D0PollSession,
  type D0PollSessionOptions,
  DATA_SLACK,
  RESTART_DELAY,
  SIGN_ON_TIMEOUT,
} from "../../../src/meters/d0/poll_session.ts";
import { bcc } from "../../../src/meters/d0/readout.ts";
import type { Reading } from "../../../src/reading.ts";
import type { RequestOptions } from "../../../src/serial/port.ts";

/** A data block `STX data ETX BCC` with a correct BCC. */
function block(data: string): Uint8Array {
  const bytes = latin1(`\x02${data}\x03`);
  return concat(bytes, Uint8Array.of(bcc(bytes, 1)));
}

const ZMD = "/LGZ5ZMD120AR";
const ZMD_DATA = "F.F(00000000)\r\nC.1(87654321)\r\n1.8.0(001234.567*kWh)\r\n" +
  "2.8.0(000012.345*kWh)\r\n1.7.0(01.234*kW)\r\n!\r\n";
const RATES: Record<string, number> = { "0": 300, "3": 2400, "5": 9600, C: 2400 };

/** What the fake port saw of one request. */
interface Sent {
  text: string;
  /** The line speed the bytes went out at. */
  baud: number;
  timeoutMs: number;
  line: RequestOptions;
  /** Milliseconds the poller waited before this request, since the previous one. */
  waited: number;
}

/** How the scripted meter behaves; every field can change between polls. */
interface MeterScript {
  /** Identification line without CR LF. */
  identification: string;
  /** The data lines of the block, up to `!` CR LF. */
  data: string;
  /** Whether the head echoes what smr sends. */
  echo: boolean;
  /** Whether the meter keeps silent. */
  silent: boolean;
  /** Data blocks still to send with a wrong BCC. */
  badBcc: number;
  /** Whether the meter fails to send at the rate it offered (the head cannot follow). */
  noSwitch: boolean;
}

/**
 * A port with an IEC 62056-21 meter behind it. It keeps the line speed as a
 * real port does (`baud` before writing, `baudAfter` after), answers only
 * what arrives at the speed the meter listens at, and delivers only as many
 * bytes as the line carries before the request's timeout (10 bits a
 * character), so a long readout at 300 baud does not fit a short wait.
 */
class MeterPort implements PolledPort {
  connected = true;
  lastError: string | undefined = undefined;
  readonly sent: Sent[] = [];
  baud = 300;
  /** Rate the meter sends its block at after the option select, or undefined when idle. */
  #dataRate: number | undefined;
  #waited = 0;

  constructor(readonly meter: MeterScript) {}

  /** The poller's sleep: records the wait before the next request. */
  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    if (!signal.aborted) this.#waited += ms;
    return Promise.resolve();
  };

  request(
    bytes: Uint8Array,
    isComplete: (reply: Uint8Array) => boolean,
    timeoutMs: number,
    _signal?: AbortSignal,
    line: RequestOptions = {},
  ): Promise<Uint8Array | undefined> {
    const writeBaud = line.baud ?? this.baud;
    const readBaud = line.baudAfter ?? writeBaud;
    this.baud = readBaud;
    const text = latin1Text(bytes);
    this.sent.push({ text, baud: writeBaud, timeoutMs, line, waited: this.#waited });
    this.#waited = 0;
    const answer = this.#answer(text, writeBaud, readBaud);
    const reply = concat(this.meter.echo ? bytes : new Uint8Array(0), answer);
    const fits = Math.floor((timeoutMs / 1000) * (readBaud / 10));
    const arrived = reply.subarray(0, fits);
    // A port stops reading once the reply is complete: nothing may follow it.
    assertOk(arrived.length === 0 || !isComplete(arrived.subarray(0, arrived.length - 1)));
    return Promise.resolve(arrived.length > 0 ? arrived : undefined);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** What the meter sends back to `text`, written at `writeBaud` and read at `readBaud`. */
  #answer(text: string, writeBaud: number, readBaud: number): Uint8Array {
    const meter = this.meter;
    const empty = new Uint8Array(0);
    if (meter.silent || writeBaud !== 300 && text !== "") return empty;
    if (/^\/\?[0-9A-Za-z ]*!\r\n$/.test(text)) {
      this.#dataRate = undefined;
      const ident = latin1(`${meter.identification}\r\n`);
      const z = meter.identification[4];
      if (/[A-F]/.test(z)) this.#dataRate = RATES[z];
      return /[0-6A-F]/.test(z) ? ident : concat(ident, this.#block());
    }
    const ack = text.charCodeAt(0) === 0x06 ? /^0([0-6])0\r\n$/.exec(text.slice(1)) : null;
    if (ack) this.#dataRate = RATES[ack[1]];
    const rate = this.#dataRate;
    if (!(ack || text === "") || rate === undefined) return empty;
    this.#dataRate = undefined;
    if (meter.noSwitch && rate !== 300) return empty;
    // The block goes out at the meter's rate; read at another speed it arrives garbled.
    return rate === readBaud ? this.#block() : latin1("\xff\xfe");
  }

  /**
   * The meter's block; a damaged one carries the import total `999999.999`
   * under the BCC of the true block, so a poller that skipped the check
   * would publish it.
   */
  #block(): Uint8Array {
    const bytes = block(this.meter.data);
    if (this.meter.badBcc === 0) return bytes;
    this.meter.badBcc--;
    const damaged = block(this.meter.data.replace("001234.567", "999999.999"));
    damaged[damaged.length - 1] = bytes[bytes.length - 1];
    return damaged;
  }
}

function recorder(): { log: Logger; lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  return {
    lines,
    log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

function rig(script: Partial<MeterScript> = {}, options: D0PollSessionOptions = {}) {
  const port = new MeterPort({
    identification: ZMD,
    data: ZMD_DATA,
    echo: true,
    silent: false,
    badBcc: 0,
    noSwitch: false,
    ...script,
  });
  const session = new D0PollSession(options);
  const { log, lines } = recorder();
  const meter = new PolledMeter({
    id: "d0",
    info: { manufacturer: "IEC 62056-21", model: "D0 meter" },
    interval: 60,
    timeout: SIGN_ON_TIMEOUT,
    port,
    session,
    log,
    sleep: port.sleep,
    now: () => Date.UTC(2026, 11, 1, 12),
  });
  const signal = new AbortController().signal;
  return { port, session, meter, lines, poll: () => meter.poll(signal) };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function valuesOf(reading: Reading | undefined): Record<string, string> {
  return Object.fromEntries(
    (reading?.values ?? []).map((v) => [`${v.node}/${v.property}`, v.value]),
  );
}

/** The requests in short: what went out, at which speed, switching to what, after which wait. */
function summary(sent: Sent[]): string[] {
  return sent.map((s) => {
    const text = s.text.replace("\x06", "ACK ").replace("\r\n", "");
    const after = s.line.baudAfter ? ` → ${s.line.baudAfter}` : "";
    return `${text || "(nothing)"} @${s.baud}${after}${s.waited ? ` after ${s.waited} ms` : ""}`;
  });
}

Deno.test("mode C: sign-on at 300, option select 200 ms later, block at 9600, values and identity", async () => {
  const { port, meter, lines, poll } = rig();
  const reading = await poll();
  assertEquals(summary(port.sent), ["/?! @300", "ACK 050 @300 → 9600 after 200 ms"]);
  assertEquals(valuesOf(reading), {
    "meter/timestamp": reading!.time,
    "meter/error": "00000000",
    "import/total": "1234.567",
    "export/total": "12.345",
    "power/import": "1234",
  });
  assertEquals(meter.info, {
    manufacturer: "Landis+Gyr",
    model: "ZMD120AR",
    serial: "87654321",
  });
  assertEquals(meter.stats.decoded, 2);
  assertOk(lines.some((l) => l.message === `meter ${ZMD}: mode C, data at 9600 baud`));
  // The next poll signs on at 300 again, though the line was left at 9600.
  assertEquals(port.baud, 9600);
  assertOk(await poll());
  assertEquals(summary(port.sent.slice(2)), ["/?! @300", "ACK 050 @300 → 9600 after 200 ms"]);
  assertEquals(lines.filter((l) => l.message.startsWith("meter /")).length, 1, "told once");
});

Deno.test("waits follow the line: 5 s for the identification, a block's size at its speed after that", async () => {
  const { port, poll } = rig();
  await poll();
  assertEquals(port.sent[0].timeoutMs, SIGN_ON_TIMEOUT * 1000);
  // Before any readout a block is taken to be 2 KiB, with half as much again: 3072 bytes.
  assertEquals(port.sent[1].timeoutMs, Math.round((DATA_SLACK + 3072 * 10 / 9600) * 1000));
  await poll();
  const bytes = 6 + block(ZMD_DATA).length; // the echo of the option select and the block
  const expected = DATA_SLACK + Math.ceil(Math.max(256, bytes) * 1.5) * 10 / 9600;
  assertEquals(port.sent[3].timeoutMs, Math.round(expected * 1000));
});

Deno.test("meter.baud_switch = false: ACK 0 0 0 and the whole exchange at 300 baud", async () => {
  const { port, lines, poll } = rig({}, { baudSwitch: false });
  const reading = await poll();
  assertEquals(valuesOf(reading)["import/total"], "1234.567");
  assertEquals(summary(port.sent), ["/?! @300", "ACK 000 @300 after 200 ms"]);
  assertOk(
    lines.some((l) =>
      l.message ===
        `meter ${ZMD}: mode C, data at 300 baud (meter.baud_switch = false; it offers 9600)`
    ),
  );
});

Deno.test("a device address goes into the sign-on; a fast meter gets its option select after 20 ms", async () => {
  const { port, poll } = rig({ identification: "/ISk3\\2MT382", echo: false }, {
    address: "12345678",
  });
  assertOk(await poll());
  assertEquals(summary(port.sent), ["/?12345678! @300", "ACK 030 @300 → 2400 after 20 ms"]);
});

Deno.test("a wrong BCC is a crc rejection, never a value; the exchange starts over from the sign-on", async () => {
  const { port, meter, lines, poll } = rig({ badBcc: 1 });
  const reading = await poll();
  assertEquals(valuesOf(reading)["import/total"], "1234.567");
  assertEquals(summary(port.sent), [
    "/?! @300",
    "ACK 050 @300 → 9600 after 200 ms",
    `/?! @300 after ${RESTART_DELAY} ms`,
    "ACK 050 @300 → 9600 after 200 ms",
  ]);
  assertEquals(meter.stats.rejected.crc, 1);
  const error = lines.find((l) => l.level === "error")!;
  assertMatch(
    error.message,
    /^option select ACK 0 5 0 \(data at 9600 baud\): BCC 0x.. given, 0x.. computed \(attempt 1 of 1\)$/,
  );
  assertOk(!JSON.stringify(reading).includes("999999"), "the damaged block's value");
});

Deno.test("three wrong BCCs in a row: three exchanges, then the poll ends without a reading", async () => {
  const { port, meter, poll } = rig({ badBcc: 5 });
  assertEquals(await poll(), undefined);
  assertEquals(port.sent.filter((s) => s.text.startsWith("/?")).length, 3);
  assertEquals(meter.stats.rejected.crc, 3);
  assertEquals(port.meter.badBcc, 2);
  const retriesOne = rig({ badBcc: 5 }, { retries: 0 });
  await retriesOne.poll();
  assertEquals(retriesOne.port.sent.length, 2);
});

Deno.test("a silent meter: the sign-on is tried 3 times, nothing else is sent, no reading", async () => {
  const { port, meter, lines, poll } = rig({ silent: true, echo: false });
  assertEquals(await poll(), undefined);
  assertEquals(summary(port.sent), ["/?! @300", "/?! @300", "/?! @300"]);
  assertEquals(meter.stats.rejected.timeout, 3);
  assertMatch(
    lines.find((l) => l.level === "error")!.message,
    /^sign-on \/\?!: no identification within 5 s \(attempt 1 of 3\); check that the head/,
  );
  const echoing = rig({ silent: true, echo: true });
  await echoing.poll();
  assertMatch(
    echoing.lines.find((l) => l.level === "error")!.message,
    /^sign-on \/\?!: only the echo of the sign-on came back within 5 s \(attempt 1 of 3\); the head works/,
  );
});

Deno.test("a head that cannot follow the switch: no block, a hint at meter.baud_switch", async () => {
  const { port, lines, poll } = rig({ noSwitch: true });
  assertEquals(await poll(), undefined);
  assertEquals(port.sent.length, 6, "three exchanges of sign-on and option select");
  const message = lines.find((l) => l.level === "error")!.message;
  assertMatch(message, /no data block \(STX\) came within 8\.2 s \(attempt 1 of 1\)/);
  assertMatch(message, /may not manage 9600 baud: try meter.baud_switch = false$/);
});

Deno.test("mode A: a first sign-on too short for the readout at 300 baud starts over with a longer wait", async () => {
  const heat = "0.0(12345678)\r\n6.8(0012.345*MWh)\r\n6.26(00123.45*m3)\r\n6.31(0012345*h)\r\n" +
    `${"9.99(0)\r\n".repeat(20)}!\r\n`;
  const { port, meter, lines, poll } = rig({ identification: "/KAM MC", data: heat });
  const reading = await poll();
  assertEquals(valuesOf(reading)["heat/energy"], "12.345");
  assertEquals(valuesOf(reading)["circuit/volume"], "123.45");
  assertEquals(meter.info.serial, "12345678");
  assertEquals(summary(port.sent), [
    "/?! @300",
    "/?! @300",
    "/?! @300",
    `/?! @300 after ${RESTART_DELAY} ms`,
  ]);
  assertEquals(meter.stats.rejected.timeout, 3);
  assertMatch(
    lines.find((l) => l.level === "error")!.message,
    /the mode A readout of \/KAM MC did not complete within 5 s .*longer wait/,
  );
  assertOk(port.sent[3].timeoutMs > 60_000);
  // From now on the sign-on waits for the readout at once.
  const before = port.sent.length;
  assertOk(await poll());
  assertEquals(port.sent.length, before + 1);
  const bytes = "/?!\r\n/KAM MC\r\n".length + block(heat).length;
  const seconds = SIGN_ON_TIMEOUT + Math.ceil(Math.max(256, bytes) * 1.5) * 10 / 300;
  assertEquals(port.sent[before].timeoutMs, Math.round(seconds * 1000));
});

Deno.test("mode B: nothing sent after the identification, the line switches for the block", async () => {
  const { port, lines, poll } = rig({
    identification: "/LUGCUH50",
    data: "6.8(0012.345*MWh)\r\n9.20(64030874)\r\n!\r\n",
    echo: false,
  });
  const reading = await poll();
  assertEquals(valuesOf(reading)["heat/energy"], "12.345");
  assertEquals(summary(port.sent), ["/?! @300", "(nothing) @2400"]);
  assertOk(lines.some((l) => l.message === "meter /LUGCUH50: mode B, data at 2400 baud"));
});

Deno.test("a readout without a known value gives no reading and one warning", async () => {
  const { lines, poll } = rig({ data: "1-0:1.8.0*255(000001.2963)\r\n!\r\n" });
  assertEquals(await poll(), undefined);
  assertEquals(await poll(), undefined);
  const warnings = lines.filter((l) => l.level === "warn").map((l) => l.message);
  assertEquals(warnings, [
    "the readout holds no value smr knows (data sets: 1-0:1.8.0*255); nothing to publish",
  ]);
});

Deno.test("describe, and calls without a request are the driver's mistake", () => {
  const session = new D0PollSession({ address: "42", baudSwitch: false });
  assertEquals(
    session.describe(),
    "IEC 62056-21 readouts (sign-on /?42! at 300 baud, data at 300 baud (no baud switch))",
  );
  assertEquals(session.next(), undefined, "no poll before start()");
  assertOk(thrown(() => session.receive(new Uint8Array(0))) instanceof TypeError);
  assertOk(thrown(() => session.gaveUp()) instanceof TypeError);
  assertOk(thrown(() => new D0PollSession({ address: "a!" })) instanceof RangeError);
  assertOk(thrown(() => new D0PollSession({ retries: -1 })) instanceof RangeError);
});

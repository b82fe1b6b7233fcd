/** The pull session scripted byte by byte: what it sends, when it switches, what it yields. */
import { assertEquals, assertOk, assertThrows } from "../../assert.ts";
import { concat, decodeHex, encodeHex, latin1 } from "../../../src/bytes.ts";
import { bcc } from "../../../src/meters/d0/readout.ts";
import { PullSession, type SessionEvent } from "../../../src/meters/d0/session.ts";
import { readD0Vectors } from "./vectors.ts";

/** A data block with a correct BCC. */
function block(data: string): Uint8Array {
  const bytes = latin1(`\x02${data}\x03`);
  return concat(bytes, Uint8Array.of(bcc(bytes, 1)));
}

const DATA = block("F.F(00)\r\nC.1(12345678)\r\n1.8.0(000285.4*kWh)\r\n!\r\n");

/** Feeds bytes one at a time; returns the events other than need-data, described briefly. */
function byteByByte(session: PullSession, bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const events = session.receive(bytes.subarray(i, i + 1));
    const waiting = session.state === "identification" || session.state === "data";
    assertEquals(
      events.at(-1)?.type === "need-data",
      waiting,
      `byte ${i}: ${JSON.stringify(events)}`,
    );
    out.push(...events.filter((e) => e.type !== "need-data").map(describe));
  }
  return out;
}

function describe(event: SessionEvent): string {
  switch (event.type) {
    case "send":
      return `send ${encodeHex(event.bytes)} after ${event.delay} ms`;
    case "switch-baud":
      return `switch to ${event.baud}`;
    case "readout":
      return `readout ${event.readout.sets.map((s) => s.id).join(" ")}`;
    case "rejection":
      return `${event.error.reason}: ${event.error.message}`;
    default:
      return event.type;
  }
}

Deno.test("sign-on request, with a device address and with a wake-up burst", () => {
  assertEquals(new PullSession().start(), latin1("/?!\r\n"));
  assertEquals(
    new PullSession({ address: "45678903" }).start(),
    decodeHex("2f3f3435363738393033210d0a"),
  );
  assertEquals(new PullSession({ wakeUp: 3 }).start(), latin1("\0\0\0/?!\r\n"));
  for (const options of [{ address: "a!b" }, { address: "x".repeat(33) }, { wakeUp: -1 }]) {
    assertThrows(() => new PullSession(options), JSON.stringify(options));
  }
  assertThrows(() => new PullSession({ maxBytes: 3 }));
});

Deno.test("mode C with baud switch: echo skipped, ACK 0 5 0, switch to 9600, block checked", () => {
  const session = new PullSession({ baudSwitch: true });
  assertEquals(session.state, "idle");
  session.start();
  assertEquals([session.state, session.baud], ["identification", 300]);
  assertEquals(byteByByte(session, latin1("/?!\r\n/LGZ5ZMD120AR\r\n")), [
    "send 063035300d0a after 200 ms",
    "switch to 9600",
  ]);
  assertEquals([session.state, session.baud], ["data", 9600]);
  assertEquals(session.identification?.ident, "ZMD120AR");
  // The head echoes the acknowledgement before the meter's block arrives.
  assertEquals(byteByByte(session, concat(decodeHex("063035300d0a"), DATA)), [
    "readout F.F C.1 1.8.0",
  ]);
  assertEquals(session.state, "done");
  assertEquals(session.receive(DATA), []);
});

Deno.test("mode C without baud switch: ACK 0 0 0 keeps 300 baud", () => {
  const session = new PullSession({ baudSwitch: false });
  session.start();
  assertEquals(byteByByte(session, latin1("/LGZ5ZMD120AR\r\n")), [
    "send 063030300d0a after 200 ms",
  ]);
  assertEquals(session.baud, 300);
  const events = session.receive(DATA);
  assertEquals(events.length, 1);
  const [event] = events;
  assertOk(event.type === "readout");
  assertEquals(event.readout.bcc, DATA.at(-1));
  assertEquals(event.readout.identification.line, "/LGZ5ZMD120AR");
});

Deno.test("a meter offering 300 baud gets ACK 0 0 0 and no switch; a fast one a 20 ms delay", () => {
  const session = new PullSession();
  session.start();
  assertEquals(byteByByte(session, latin1("/ACE0\\3k260V01.18\r\n")), [
    "send 063030300d0a after 200 ms",
  ]);
  session.start();
  assertEquals(byteByByte(session, latin1("/ISk3\\2MT382\r\n")), [
    "send 063033300d0a after 20 ms",
    "switch to 2400",
  ]);
});

Deno.test("a wrong BCC is a crc rejection and nothing is decoded", () => {
  const bad = DATA.slice();
  bad[bad.length - 1] ^= 0x01;
  const session = new PullSession();
  session.start();
  session.receive(latin1("/LGZ5ZMD120AR\r\n"));
  assertEquals(byteByByte(session, bad), [
    `crc: BCC 0x${encodeHex(bad.subarray(-1)).toUpperCase()} given, 0x${
      encodeHex(DATA.subarray(-1)).toUpperCase()
    } computed`,
  ]);
  assertEquals(session.state, "failed");
  // A corrupted data byte is caught the same way.
  const flipped = DATA.slice();
  flipped[20] ^= 0x04;
  session.start();
  session.receive(latin1("/LGZ5ZMD120AR\r\n"));
  assertEquals(session.receive(flipped).map((e) => e.type), ["rejection"]);
});

Deno.test("mode B (2WR5): no ACK, switch to 2400; its edited BCC is rejected", () => {
  const vector = readD0Vectors().find((v) => v.name.startsWith("siemens"))!;
  const session = new PullSession({ baudSwitch: false });
  session.start();
  const events = byteByByte(session, vector.bytes);
  assertEquals(events, ["switch to 2400", "crc: BCC 0x58 given, 0x6F computed"]);
  // The same block with the BCC it should carry reads.
  const fixed = vector.bytes.slice();
  fixed[fixed.length - 1] = 0x6f;
  session.start();
  const out = byteByByte(session, fixed);
  assertEquals(out.length, 2);
  assertOk(out[1].startsWith("readout 6.8 6.26 9.21"), out[1]);
});

Deno.test("mode A (MULTICAL 66): no ACK, no switch, data at 300 baud", () => {
  const vector = readD0Vectors().find((v) => v.name.startsWith("kamstrup"))!;
  const fixed = vector.bytes.slice();
  fixed[fixed.length - 1] = 0x3d;
  const session = new PullSession();
  session.start();
  assertEquals(byteByByte(session, fixed), ["readout 0.0 6.8 6.26 6.31"]);
  assertEquals(session.baud, 300);
  // All at once: identification and block in one chunk.
  session.start();
  assertEquals(session.receive(fixed).map(describe), ["readout 0.0 6.8 6.26 6.31"]);
});

Deno.test("a reserved baud character is a decode rejection", () => {
  const session = new PullSession();
  session.start();
  assertEquals(session.receive(latin1("/ABC7x\r\n")).map((e) => e.type), ["rejection"]);
  assertEquals(session.state, "failed");
});

Deno.test("noise and lines that are no identification are skipped; the wait is bounded", () => {
  const session = new PullSession();
  session.start();
  assertEquals(byteByByte(session, latin1("\xff\x00/AB\r\n/123\r\n/ABC\r\n")), []);
  assertEquals(byteByByte(session, latin1(`/ABC5${"x".repeat(300)}`)), []);
  assertEquals(session.state, "identification");
  assertEquals(byteByByte(session, latin1("/LGZ0ZMD\r\n")), ["send 063030300d0a after 200 ms"]);
});

Deno.test("timeouts end an exchange at each stage; outside one they do nothing", () => {
  const session = new PullSession();
  assertEquals(session.timeout(), []);
  assertEquals(session.receive(DATA), []);
  session.start();
  assertEquals(session.timeout().map(describe), [
    "timeout: no identification answered the request (is the head on the meter's window?)",
  ]);
  session.start();
  session.receive(latin1("/KAM MC\r\n"));
  assertEquals(session.timeout().map(describe), [
    "timeout: no data block (STX) followed the identification",
  ]);
  session.start();
  session.receive(latin1("/KAM MC\r\n\x021.8.0(1"));
  assertEquals(session.timeout().map(describe), [
    "timeout: the data block stopped after 8 bytes without ETX and BCC",
  ]);
  assertEquals(session.state, "failed");
  assertEquals(session.timeout(), []);
});

Deno.test("a data block longer than maxBytes is a framing rejection", () => {
  const session = new PullSession({ maxBytes: 64 });
  session.start();
  session.receive(latin1("/KAM MC\r\n"));
  const events = session.receive(block(`${"1.8.0(1*kWh)".repeat(10)}\r\n!\r\n`));
  assertEquals(events.map((e) => e.type === "rejection" && e.error.reason), ["framing"]);
  // Exactly at the bound it still reads.
  const data = block(`${"x".repeat(58)}!\r\n`);
  assertEquals(data.length, 64);
  session.start();
  session.receive(latin1("/KAM MC\r\n"));
  assertEquals(session.receive(data).map((e) => e.type), ["readout"]);
  session.start();
  session.receive(latin1("/KAM MC\r\n"));
  assertEquals(session.receive(block(`${"x".repeat(59)}!\r\n`)).map((e) => e.type), [
    "rejection",
  ]);
});

Deno.test("start() begins anew: baud back to 300, nothing kept from the last exchange", () => {
  const session = new PullSession();
  session.start();
  session.receive(latin1("/LGZ5ZMD120AR\r\n\x021.8.0("));
  assertEquals(session.baud, 9600);
  session.start();
  assertEquals([session.state, session.baud, session.identification], [
    "identification",
    300,
    undefined,
  ]);
  assertEquals(session.receive(concat(latin1("/KAM MC\r\n"), DATA)).map(describe), [
    "readout F.F C.1 1.8.0",
  ]);
});

/**
 * Changing the line speed of an open device, as an IEC 62056-21 pull does:
 * sign-on at 300 baud, then a switch right after the option select. A pty
 * carries bytes at any speed, so the peer reads the speed stty shows on the
 * device when each request arrives. A Linux pty refuses 7 data bits and
 * parity (stty: "unable to perform all requested operations"), so the line
 * is 8N1 here where a D0 meter has 7E1.
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { SerialPort } from "../../src/serial/port.ts";
import type { SerialSettings } from "../../src/serial/stty.ts";
import { type Pty, startPty } from "../e2e/pty.ts";

const SIGN_ON: SerialSettings = { baud: 300, databits: 8, parity: "none", stopbits: 1 };
const CR = 0x0d;
const endsWithCr = (bytes: Uint8Array) => bytes.at(-1) === CR;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Generous for stty runs on an emulated machine. */
const TIMEOUT_MS = 10_000;

async function speedOf(device: string): Promise<number> {
  const output = await new Deno.Command("stty", { args: ["-F", device, "speed"] }).output();
  return Number(decoder.decode(output.stdout).trim());
}

/** Answers each CR-terminated request with `<request>@<speed the device runs at>`. */
function answerWithSpeed(pty: Pty): Promise<void> {
  return (async () => {
    while (pty.running) {
      const request = await pty.read({ until: endsWithCr, timeoutMs: 200 });
      if (request.length === 0) continue;
      const speed = await speedOf(pty.device);
      try {
        await pty.write(`${decoder.decode(request).trim()}@${speed}\r`);
      } catch (error) {
        if (pty.running) throw error;
      }
    }
  })();
}

Deno.test("request switches the speed before writing and after writing, on the open device", async () => {
  const pty = await startPty();
  const port = new SerialPort({ path: pty.device, settings: SIGN_ON });
  const peer = answerWithSpeed(pty);
  const ask = async (text: string, line = {}) =>
    decoder.decode(
      await port.request(encoder.encode(`${text}\r`), endsWithCr, TIMEOUT_MS, undefined, line),
    );
  try {
    assertEquals(await ask("sign-on"), "sign-on@300\r");
    const reply = await ask("select", { baudAfter: 9600 });
    assertMatch(reply, /^select@(300|9600)\r$/, "the reply arrives across the switch");
    assertEquals(port.settings.baud, 9600);
    assertEquals(await speedOf(pty.device), 9600);
    assertEquals(await ask("data"), "data@9600\r", "the new speed is kept");
    assertEquals(await ask("again", { baud: 300 }), "again@300\r", "switched before writing");
    assertOk(await port.setBaud(2400));
    assertEquals(await speedOf(pty.device), 2400);
    assertEquals(await ask("plain"), "plain@2400\r");
    assertOk(port.connected, "the device stayed open throughout");
  } finally {
    await port.close();
    await pty.stop();
    await peer;
    await pty.close();
  }
});

Deno.test("a speed set while the device is closed applies when it opens", async () => {
  const pty = await startPty();
  const port = new SerialPort({ path: pty.device, settings: SIGN_ON });
  const peer = answerWithSpeed(pty);
  try {
    assertOk(await port.setBaud(4800));
    assertOk(!port.connected);
    const reply = await port.request(encoder.encode("hello\r"), endsWithCr, TIMEOUT_MS);
    assertEquals(decoder.decode(reply), "hello@4800\r");
  } finally {
    await port.close();
    await pty.stop();
    await peer;
    await pty.close();
  }
});

Deno.test("an unknown speed is a caller's mistake: RangeError, nothing sent", async () => {
  const pty = await startPty();
  const port = new SerialPort({ path: pty.device, settings: SIGN_ON });
  try {
    for (
      const call of [
        () => port.setBaud(12345),
        () => port.request(encoder.encode("x\r"), endsWithCr, 100, undefined, { baud: 0 }),
        () => port.request(encoder.encode("x\r"), endsWithCr, 100, undefined, { baudAfter: 7 }),
      ]
    ) {
      let thrown: unknown;
      try {
        await call();
      } catch (error) {
        thrown = error;
      }
      assertOk(thrown instanceof RangeError, `${thrown}`);
    }
    assertEquals(port.settings.baud, 300);
    assertEquals((await pty.read({ timeoutMs: 200 })).length, 0);
  } finally {
    await port.close();
    await pty.close();
  }
});

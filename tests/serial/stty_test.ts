import { assertEquals, assertMatch, assertOk, assertRejects, assertThrows } from "../assert.ts";
import {
  checkSettings,
  configure,
  formatSettings,
  KMP_SETTINGS,
  P1_SETTINGS,
  type SerialSettings,
  sttyArgs,
} from "../../src/serial/stty.ts";
import { startPty } from "../e2e/pty.ts";

const RAW = [
  "raw",
  "-echo",
  "-echoe",
  "-echok",
  "-echonl",
  "-iexten",
  "-crtscts",
  "-ixon",
  "-ixoff",
  "clocal",
  "cread",
  "-hupcl",
];

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

async function sttyShow(device: string): Promise<string> {
  const output = await new Deno.Command("stty", { args: ["-a", "-F", device] }).output();
  return new TextDecoder().decode(output.stdout);
}

Deno.test("sttyArgs: P1 is raw 115200 8N1 without flow control", () => {
  assertEquals(sttyArgs("/dev/ttyUSB0", P1_SETTINGS), [
    "-F",
    "/dev/ttyUSB0",
    "115200",
    ...RAW,
    "cs8",
    "-parenb",
    "-cstopb",
    "min",
    "1",
    "time",
    "0",
  ]);
});

Deno.test("sttyArgs: Kamstrup is 1200 8N2", () => {
  const args = sttyArgs("/dev/ttyUSB1", KMP_SETTINGS);
  assertEquals(args.slice(0, 3), ["-F", "/dev/ttyUSB1", "1200"]);
  assertEquals(args.slice(-7), ["cs8", "-parenb", "cstopb", "min", "1", "time", "0"]);
});

Deno.test("sttyArgs: even and odd parity with 7 data bits", () => {
  const even: SerialSettings = { baud: 9600, databits: 7, parity: "even", stopbits: 1 };
  assertEquals(sttyArgs("/dev/x", even).slice(-8, -4), ["cs7", "parenb", "-parodd", "-cstopb"]);
  const odd: SerialSettings = { ...even, parity: "odd" };
  assertEquals(sttyArgs("/dev/x", odd).slice(-8, -4), ["cs7", "parenb", "parodd", "-cstopb"]);
});

Deno.test("settings are validated with messages naming the choices", () => {
  assertEquals(checkSettings(P1_SETTINGS), undefined);
  assertMatch(checkSettings({ ...P1_SETTINGS, baud: 12345 }) ?? "", /unsupported baud rate 12345/);
  const bits = { ...P1_SETTINGS, databits: 9 } as unknown as SerialSettings;
  assertMatch(checkSettings(bits) ?? "", /data bits 9: use 5, 6, 7 or 8/);
  const parity = { ...P1_SETTINGS, parity: "mark" } as unknown as SerialSettings;
  assertMatch(checkSettings(parity) ?? "", /parity "mark": use none, even or odd/);
  const stop = { ...P1_SETTINGS, stopbits: 3 } as unknown as SerialSettings;
  assertMatch(checkSettings(stop) ?? "", /stop bits 3/);
  assertThrows(() => sttyArgs("/dev/x", { ...P1_SETTINGS, baud: 0 }));
  assertEquals(formatSettings(P1_SETTINGS), "115200 8N1");
  assertEquals(formatSettings(KMP_SETTINGS), "1200 8N2");
});

Deno.test("configure sets up a real pty", async () => {
  const pty = await startPty();
  try {
    await configure(pty.device, KMP_SETTINGS);
    const shown = await sttyShow(pty.device);
    assertMatch(shown, /speed 1200 baud/);
    assertMatch(shown, /(^|\s)cstopb(\s|$)/m);
    assertMatch(shown, /(^|\s)-echo(\s|$)/m);
    assertMatch(shown, /(^|\s)-icanon(\s|$)/m);
    await configure(pty.device, P1_SETTINGS);
    assertMatch(await sttyShow(pty.device), /speed 115200 baud/);
  } finally {
    await pty.close();
  }
});

Deno.test("configure fails with the device and stty's complaint", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smr-stty-" });
  try {
    const missing = `${dir}/ttyUSB0`;
    const error = await rejection(configure(missing, P1_SETTINGS));
    assertEquals(
      error.message,
      `cannot configure ${missing}: stty: ${missing}: No such file or directory`,
    );
    const plain = `${dir}/plain`;
    await Deno.writeTextFile(plain, "");
    const notTty = await rejection(configure(plain, P1_SETTINGS));
    assertMatch(notTty.message, /^cannot configure .*plain: stty: .*Inappropriate ioctl/);
    assertOk(notTty.message.endsWith("(is it a serial device?)"));
    await assertRejects(() => configure(missing, { ...P1_SETTINGS, baud: 7 }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

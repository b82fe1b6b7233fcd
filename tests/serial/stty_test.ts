import { assertEquals, assertMatch, assertOk, assertRejects, assertThrows } from "../assert.ts";
import {
  checkSettings,
  configure,
  formatSettings,
  type SerialSettings,
  sttyArgs,
} from "../../src/serial/stty.ts";
import { dsmrDriver } from "../../src/meters/dsmr/driver.ts";
import { kamstrupDriver } from "../../src/meters/kamstrup/driver.ts";
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
  assertEquals(sttyArgs("/dev/ttyUSB0", dsmrDriver.serial), [
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
  const args = sttyArgs("/dev/ttyUSB1", kamstrupDriver.serial);
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
  assertEquals(checkSettings(dsmrDriver.serial), undefined);
  assertMatch(
    checkSettings({ ...dsmrDriver.serial, baud: 12345 }) ?? "",
    /unsupported baud rate 12345/,
  );
  const bits = { ...dsmrDriver.serial, databits: 9 } as unknown as SerialSettings;
  assertMatch(checkSettings(bits) ?? "", /data bits 9: use 5, 6, 7 or 8/);
  const parity = { ...dsmrDriver.serial, parity: "mark" } as unknown as SerialSettings;
  assertMatch(checkSettings(parity) ?? "", /parity "mark": use none, even or odd/);
  const stop = { ...dsmrDriver.serial, stopbits: 3 } as unknown as SerialSettings;
  assertMatch(checkSettings(stop) ?? "", /stop bits 3/);
  assertThrows(() => sttyArgs("/dev/x", { ...dsmrDriver.serial, baud: 0 }));
  assertEquals(formatSettings(dsmrDriver.serial), "115200 8N1");
  assertEquals(formatSettings(kamstrupDriver.serial), "1200 8N2");
});

Deno.test("configure sets up a real pty", async () => {
  const pty = await startPty();
  try {
    await configure(pty.device, kamstrupDriver.serial);
    const shown = await sttyShow(pty.device);
    assertMatch(shown, /speed 1200 baud/);
    assertMatch(shown, /(^|\s)cstopb(\s|$)/m);
    assertMatch(shown, /(^|\s)-echo(\s|$)/m);
    assertMatch(shown, /(^|\s)-icanon(\s|$)/m);
    await configure(pty.device, dsmrDriver.serial);
    assertMatch(await sttyShow(pty.device), /speed 115200 baud/);
  } finally {
    await pty.close();
  }
});

Deno.test("configure fails with the device and stty's complaint", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smr-stty-" });
  try {
    const missing = `${dir}/ttyUSB0`;
    const error = await rejection(configure(missing, dsmrDriver.serial));
    assertEquals(
      error.message,
      `cannot configure ${missing}: stty: ${missing}: No such file or directory`,
    );
    const plain = `${dir}/plain`;
    await Deno.writeTextFile(plain, "");
    const notTty = await rejection(configure(plain, dsmrDriver.serial));
    assertMatch(notTty.message, /^cannot configure .*plain: stty: .*Inappropriate ioctl/);
    assertOk(notTty.message.endsWith("(is it a serial device?)"));
    await assertRejects(() => configure(missing, { ...dsmrDriver.serial, baud: 7 }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

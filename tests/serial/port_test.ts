import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import { SerialPort } from "../../src/serial/port.ts";
import { dsmrDriver } from "../../src/meters/dsmr/driver.ts";
import { kamstrupDriver } from "../../src/meters/kamstrup/driver.ts";
import { type Pty, startPty, writeInChunks } from "../e2e/pty.ts";
import { waitFor } from "../e2e/tools.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const FAST = { initialMs: 20, maxMs: 100 };
const CR = 0x0d;
const endsWithCr = (bytes: Uint8Array) => bytes.at(-1) === CR;

/** A logger that keeps its lines, and the lines of one level. */
function capture(): { logger: Logger; lines: string[]; at: (level: string) => string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", journal: false, write: (l) => lines.push(l) });
  const at = (level: string) => lines.filter((l) => l.includes(` ${level.toUpperCase()} `));
  return { logger, lines, at };
}

/** Collects the chunks of a port until its signal aborts. */
function collect(port: SerialPort, signal: AbortSignal) {
  const state = { text: "", chunks: 0, done: undefined as unknown as Promise<void> };
  state.done = (async () => {
    for await (const chunk of port.chunks(signal)) {
      state.text += decoder.decode(chunk);
      state.chunks++;
    }
  })();
  return state;
}

/** Answers each CR-terminated request on the peer with `answer(request)` until the pty stops. */
function respond(pty: Pty, answer: (request: string) => string | undefined): Promise<void> {
  return (async () => {
    while (pty.running) {
      const request = await pty.read({ until: endsWithCr, timeoutMs: 300 });
      if (request.length === 0) continue;
      const reply = answer(decoder.decode(request));
      try {
        if (reply !== undefined) await writeInChunks(pty, reply, { seed: 7, maxChunk: 3 });
      } catch (error) {
        if (pty.running) throw error;
      }
    }
  })();
}

Deno.test("chunks delivers the bytes written to the peer, however they are split", async () => {
  const pty = await startPty();
  const port = new SerialPort({ path: pty.device, settings: dsmrDriver.serial });
  const abort = new AbortController();
  try {
    assertOk(await port.open());
    const received = collect(port, abort.signal);
    const text = Array.from({ length: 100 }, (_, i) => `1-0:1.8.1(${i}*kWh)\r\n`).join("");
    await writeInChunks(pty, text, { seed: 42, maxChunk: 97, maxDelayMs: 2 });
    await waitFor(() => received.text.length >= text.length, "all bytes");
    assertEquals(received.text, text);
    abort.abort();
    await received.done;
  } finally {
    abort.abort();
    await port.close();
    await pty.close();
  }
});

Deno.test("unplug and replug: warns once, reconnects and reads on", async () => {
  const pty = await startPty();
  const log = capture();
  const port = new SerialPort({
    path: pty.device,
    settings: dsmrDriver.serial,
    logger: log.logger,
    backoff: FAST,
  });
  const abort = new AbortController();
  try {
    const received = collect(port, abort.signal);
    await pty.write("before\n");
    await waitFor(() => received.text.includes("before\n"), "bytes before the unplug");

    await pty.stop();
    await waitFor(() => !port.connected, "the port to notice the unplug");
    await waitFor(() => log.at("debug").length >= 3, "three failed attempts to reopen");
    assertMatch(port.lastError ?? "", /No such file or directory/);

    await pty.restart();
    await pty.write("after\n");
    await waitFor(() => received.text.includes("after\n"), "bytes after the replug");

    assertOk(port.connected);
    assertEquals(port.reconnects, 1);
    assertEquals(log.at("warn").length, 1, log.lines.join("\n"));
    assertMatch(log.at("warn")[0], new RegExp(`${pty.device} is gone: .*; retrying every`));
    const back = log.at("info").filter((l) => l.includes("is back after"));
    assertEquals(back.length, 1, log.lines.join("\n"));
    assertEquals(received.text, "before\nafter\n");
    abort.abort();
    await received.done;
  } finally {
    abort.abort();
    await port.close();
    await pty.close();
  }
});

Deno.test("a missing device warns once with the reason and keeps trying", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smr-port-" });
  const log = capture();
  const path = `${dir}/ttyUSB0`;
  const port = new SerialPort({
    path,
    settings: dsmrDriver.serial,
    logger: log.logger,
    backoff: FAST,
  });
  const abort = new AbortController();
  try {
    const opened = port.open(abort.signal);
    await waitFor(() => log.at("debug").length >= 2, "repeated attempts");
    abort.abort();
    assertEquals(await opened, false);
    assertEquals(log.at("warn").length, 1);
    assertMatch(
      log.at("warn")[0],
      new RegExp(`cannot configure ${path}: stty: ${path}: No such file or directory; retrying`),
    );
    assertOk(!port.connected);
  } finally {
    await port.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("request: round trips, partial replies and silence", async () => {
  const pty = await startPty();
  const port = new SerialPort({ path: pty.device, settings: kamstrupDriver.serial, backoff: FAST });
  let mode = "answer";
  const responder = respond(pty, (request) => {
    if (mode === "silent") return undefined;
    if (mode === "partial") return "half";
    return `re:${request}`;
  });
  try {
    for (const n of [1, 2, 3]) {
      const reply = await port.request(encoder.encode(`q${n}\r`), endsWithCr, 5000);
      assertEquals(decoder.decode(reply), `re:q${n}\r`);
    }
    mode = "silent";
    assertEquals(await port.request(encoder.encode("q4\r"), endsWithCr, 200), undefined);
    mode = "partial";
    const partial = await port.request(encoder.encode("q5\r"), endsWithCr, 300);
    assertEquals(decoder.decode(partial), "half");
    mode = "answer";
    const again = await port.request(encoder.encode("q6\r"), endsWithCr, 5000);
    assertEquals(decoder.decode(again), "re:q6\r");
  } finally {
    await port.close();
    await pty.stop();
    await responder;
    await pty.close();
  }
});

Deno.test("request discards input that arrived before it", async () => {
  const pty = await startPty();
  const port = new SerialPort({ path: pty.device, settings: kamstrupDriver.serial });
  const responder = respond(pty, (request) => `re:${request}`);
  try {
    const first = await port.request(encoder.encode("a\r"), endsWithCr, 5000);
    assertEquals(decoder.decode(first), "re:a\r");
    await pty.write("late junk from an earlier reply\r");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await port.request(encoder.encode("b\r"), endsWithCr, 5000);
    assertEquals(decoder.decode(second), "re:b\r");
  } finally {
    await port.close();
    await pty.stop();
    await responder;
    await pty.close();
  }
});

Deno.test("request fails within its timeout while the device is gone, then recovers", async () => {
  const pty = await startPty();
  const port = new SerialPort({ path: pty.device, settings: kamstrupDriver.serial, backoff: FAST });
  try {
    assertOk(await port.open());
    await pty.stop();
    assertEquals(await port.request(encoder.encode("x\r"), endsWithCr, 300), undefined);
    assertOk(!port.connected);
    await pty.restart();
    const responder = respond(pty, (request) => `re:${request}`);
    try {
      const reply = await port.request(encoder.encode("y\r"), endsWithCr, 5000);
      assertEquals(decoder.decode(reply), "re:y\r");
      assertEquals(port.reconnects, 1);
    } finally {
      await port.close();
      await pty.stop();
      await responder;
    }
  } finally {
    await port.close();
    await pty.close();
  }
});

Deno.test("abort ends chunks and requests promptly and closes the device", async () => {
  const pty = await startPty();
  const port = new SerialPort({ path: pty.device, settings: dsmrDriver.serial });
  try {
    const abort = new AbortController();
    const received = collect(port, abort.signal);
    await waitFor(() => port.connected, "the port to open");
    let started = performance.now();
    abort.abort();
    await received.done;
    assertOk(performance.now() - started < 1000, "chunks ended promptly");
    assertOk(!port.connected);

    const stop = new AbortController();
    const pending = port.request(encoder.encode("q\r"), endsWithCr, 60_000, stop.signal);
    await waitFor(() => port.connected, "the port to reopen");
    started = performance.now();
    stop.abort();
    assertEquals(await pending, undefined);
    assertOk(performance.now() - started < 1000, "request ended promptly");
    assertOk(!port.connected);
  } finally {
    await port.close();
    await pty.close();
  }
});

Deno.test("close ends chunks, also while waiting for the device", async () => {
  const pty = await startPty();
  const port = new SerialPort({
    path: pty.device,
    settings: dsmrDriver.serial,
    backoff: { initialMs: 60_000 },
  });
  try {
    const received = collect(port, new AbortController().signal);
    await waitFor(() => port.connected, "the port to open");
    await pty.stop();
    await waitFor(() => !port.connected, "the port to notice the unplug");
    const started = performance.now();
    await port.close();
    await received.done;
    assertOk(performance.now() - started < 1000, "chunks ended promptly");
    assertEquals(await port.request(encoder.encode("q\r"), endsWithCr, 1000), undefined);
  } finally {
    await port.close();
    await pty.close();
  }
});

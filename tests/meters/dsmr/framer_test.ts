import { assertEquals, assertOk } from "../../assert.ts";
import { TelegramFramer } from "../../../src/meters/dsmr/framer.ts";
import { decodeTelegram } from "../../../src/meters/dsmr/decode.ts";
import type { Result } from "../../../src/result.ts";
import { readVectors } from "./vectors.ts";
import { concat, latin1 } from "../../../src/bytes.ts";

const TELEGRAM = "/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(002130.115*kWh)\r\n!";
const WITH_CRC = (() => {
  const bytes = latin1(TELEGRAM);
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return `${TELEGRAM}${crc.toString(16).toUpperCase().padStart(4, "0")}\r\n`;
})();

function text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** Feeds `input` in chunks of `size` bytes and returns everything the framer reported. */
function feed(framer: TelegramFramer, input: Uint8Array, size: number): Result<Uint8Array>[] {
  const out: Result<Uint8Array>[] = [];
  for (let at = 0; at < input.length; at += size) {
    out.push(...framer.push(input.subarray(at, at + size)));
  }
  return out;
}

function telegrams(results: Result<Uint8Array>[]): string[] {
  return results.flatMap((r) => r.ok ? [text(r.value)] : []);
}

function rejections(results: Result<Uint8Array>[]): string[] {
  return results.flatMap((r) => r.ok ? [] : [r.error.reason]);
}

Deno.test("every chunk size from 1 to the stream length frames the same telegrams", () => {
  const stream = latin1(`junk${WITH_CRC}\xff\xff${WITH_CRC}`);
  for (let size = 1; size <= stream.length; size++) {
    const framer = new TelegramFramer();
    const out = feed(framer, stream, size);
    assertEquals(telegrams(out), [WITH_CRC, WITH_CRC], `chunk size ${size}`);
    assertEquals(framer.stats, { telegrams: 2, rejected: 0, skippedBytes: 6 });
  }
});

Deno.test("all vectors back to back, in random chunks, frame and decode", () => {
  const vectors = readVectors();
  const stream = concat(...vectors.map((v) => v.bytes));
  let seed = 42;
  for (let round = 0; round < 20; round++) {
    const framer = new TelegramFramer();
    const out: Result<Uint8Array>[] = [];
    for (let at = 0; at < stream.length;) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const size = 1 + (seed >>> 16) % 700;
      out.push(...framer.push(stream.subarray(at, at + size)));
      at += size;
    }
    out.push(...framer.flush());
    assertEquals(out.length, vectors.length);
    out.forEach((result, i) => {
      assertOk(result.ok, vectors[i].name);
      const crc = vectors[i].json.crc.status === "OK" ? "required" : "optional";
      const decoded = decodeTelegram(result.value, { crc });
      assertOk(decoded.ok, vectors[i].name);
      const direct = decodeTelegram(vectors[i].bytes, { crc });
      assertOk(direct.ok);
      assertEquals(decoded.value.values, direct.value.values, vectors[i].name);
    });
  }
});

Deno.test("delivered telegrams stay intact while the framer goes on", () => {
  const vectors = readVectors();
  const framer = new TelegramFramer({ maxBytes: 2048 });
  const kept: Uint8Array[] = [];
  for (let round = 0; round < 20; round++) {
    for (const { bytes } of vectors) {
      for (const result of framer.push(bytes)) if (result.ok) kept.push(result.value);
      framer.push(latin1("/partial header\r\n1-0:1.8.1(1"));
    }
  }
  assertEquals(kept.length, 20 * vectors.length);
  kept.forEach((telegram, i) => {
    const expected = vectors[i % vectors.length].bytes;
    assertEquals(text(telegram), text(expected.subarray(0, telegram.length)), `telegram ${i}`);
  });
});

Deno.test("LF-only line ends frame", () => {
  const lf = TELEGRAM.replaceAll("\r\n", "\n") + "\n";
  const framer = new TelegramFramer();
  assertEquals(telegrams(framer.push(latin1(lf + lf))), [lf, lf]);
});

Deno.test("a three-digit CRC and a bare '!' end a telegram", () => {
  const framer = new TelegramFramer();
  const out = framer.push(latin1(`${TELEGRAM}B9F\r\n${TELEGRAM}\r\n  25818685\r\n\xff\xff`));
  assertEquals(telegrams(out), [`${TELEGRAM}B9F\r\n`, `${TELEGRAM}\r\n`]);
  assertEquals(framer.stats.rejected, 0);
});

Deno.test("the footer waits for its line end across chunks, flush delivers it", () => {
  const framer = new TelegramFramer();
  assertEquals(framer.push(latin1(`${TELEGRAM}12`)), []);
  assertEquals(framer.push(latin1("34\r")), []);
  assertEquals(telegrams(framer.push(latin1("\n"))), [`${TELEGRAM}1234\r\n`]);
  assertEquals(framer.push(latin1(`${TELEGRAM}AB`)), []);
  assertEquals(telegrams(framer.flush()), [`${TELEGRAM}AB`]);
});

Deno.test("a footer without line end is delivered when the next byte arrives", () => {
  const framer = new TelegramFramer();
  assertEquals(telegrams(framer.push(latin1(`${TELEGRAM}1234${TELEGRAM}5678\n`))), [
    `${TELEGRAM}1234`,
    `${TELEGRAM}5678\n`,
  ]);
});

Deno.test("garbage between telegrams is skipped and counted", () => {
  const framer = new TelegramFramer();
  const out = framer.push(latin1(`\x00\xffnoise\r\n${WITH_CRC}more noise!${WITH_CRC}`));
  assertEquals(telegrams(out), [WITH_CRC, WITH_CRC]);
  assertEquals(framer.stats.skippedBytes, 9 + 11);
  assertEquals(framer.stats.rejected, 0);
});

Deno.test("a new header interrupts a partial telegram, which is rejected", () => {
  const partial = "/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(0021";
  for (let size = 1; size <= 64; size++) {
    const framer = new TelegramFramer();
    const out = feed(framer, latin1(partial + WITH_CRC), size);
    assertEquals(telegrams(out), [WITH_CRC]);
    assertEquals(rejections(out), ["framing"]);
    assertEquals(framer.stats.rejected, 1);
  }
});

Deno.test("a header right after a '/' that was data in the same group still interrupts", () => {
  const framer = new TelegramFramer();
  const out = framer.push(latin1(`/HDR5 x\r\n\r\n1-0:1.8.1(0/S:${WITH_CRC}`));
  assertEquals(telegrams(out), [WITH_CRC]);
  assertEquals(rejections(out), ["framing"]);
});

Deno.test("a fragment without a complete header line is skipped, not rejected", () => {
  const framer = new TelegramFramer();
  const out = framer.push(latin1(`/ab/c/${WITH_CRC}`));
  assertEquals(telegrams(out), [WITH_CRC]);
  assertEquals(rejections(out), []);
  assertEquals(framer.stats.skippedBytes, 6);
});

Deno.test("a '/' inside a value group does not interrupt the telegram", () => {
  const message = "/ISk5\\2MT382-1003\r\n\r\n0-0:96.13.0(test-/-test)\r\n!\r\n";
  const framer = new TelegramFramer();
  assertEquals(telegrams(framer.push(latin1(message))), [message]);
});

Deno.test("a '!' inside a line is data, only a '!' at a line start is the footer", () => {
  const message = "/ABC5 x\r\n\r\n0-0:96.13.0(hi!)\r\n0-0:96.13.1(1)!\r\n!\r\n";
  const framer = new TelegramFramer();
  assertEquals(telegrams(framer.push(latin1(message))), [message]);
});

Deno.test("the buffer is bounded: a stream without '!' is dropped and resynchronised", () => {
  const framer = new TelegramFramer({ maxBytes: 1024 });
  const header = latin1("/ISk5\\2MT382-1003\r\n\r\n");
  const line = latin1("1-0:1.8.1(39837.604*kWh)\r\n");
  const out: Result<Uint8Array>[] = [];
  out.push(...framer.push(header));
  for (let i = 0; i < 1000; i++) out.push(...framer.push(line));
  out.push(...framer.push(latin1(WITH_CRC)));
  assertEquals(rejections(out), ["framing"]);
  assertEquals(telegrams(out), [WITH_CRC]);
  assertOk(!out[0].ok && out[0].error.message.includes("1024"));
});

Deno.test("the default bound is 8 KiB and holds real telegrams", () => {
  const framer = new TelegramFramer();
  const big = new Uint8Array(9000).fill(0x41);
  const out = framer.push(concat(latin1("/HDR5\r\n"), big, latin1(WITH_CRC)));
  assertEquals(rejections(out), ["framing"]);
  assertEquals(telegrams(out), [WITH_CRC]);
});

Deno.test("NOFOOTER telegrams never frame; each is rejected when the next one starts", () => {
  const vectors = readVectors("nonconforming").filter((v) => v.name.endsWith("_NOFOOTER.txt"));
  for (const { name, bytes } of vectors) {
    const framer = new TelegramFramer();
    const out = [...framer.push(concat(bytes, bytes, bytes)), ...framer.flush()];
    assertEquals(telegrams(out), [], name);
    assertEquals(rejections(out), ["framing", "framing", "framing"], name);
  }
});

Deno.test("flush drops a partial telegram and resets", () => {
  const framer = new TelegramFramer();
  framer.push(latin1("/ABC5\r\n1-0:1.8.1(1"));
  assertEquals(rejections(framer.flush()), ["framing"]);
  assertEquals(framer.flush(), []);
  assertEquals(telegrams(framer.push(latin1(WITH_CRC))), [WITH_CRC]);
});

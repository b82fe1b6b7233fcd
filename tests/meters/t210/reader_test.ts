import { assertEquals, assertOk } from "../../assert.ts";
import { FrameDecrypter } from "../../../src/meters/t210/decrypt.ts";
import { T210Reader } from "../../../src/meters/t210/reader.ts";
import { ok, type Result } from "../../../src/result.ts";
import { checkTelegramCrc, keyed, type KeyedVector, readT210Hex } from "./vectors.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import { seededRandom } from "../../random.ts";

function reader(vector: KeyedVector, withTag: boolean): T210Reader<Uint8Array> {
  const decrypter = new FrameDecrypter({
    meterId: "t210",
    key: vector.key,
    authKey: withTag ? vector.authKey : undefined,
  });
  return new T210Reader({ decrypter, validate: checkTelegramCrc });
}

async function feed<T>(
  target: T210Reader<T>,
  stream: Uint8Array,
  sizes: () => number,
): Promise<Result<T>[]> {
  const results: Result<T>[] = [];
  for (let at = 0; at < stream.length;) {
    const size = sizes();
    results.push(...await target.push(stream.subarray(at, at + size)));
    at += size;
  }
  return results;
}

Deno.test("stream_resync_steiermark yields exactly one telegram, byte-identical to the plaintext", async () => {
  const vector = keyed("steiermark_shrdzm");
  const stream = readT210Hex("stream_resync_steiermark.hex");
  const random = seededRandom(1);
  const chunkings: (() => number)[] = [
    () => stream.length,
    () => 1,
    () => 64,
    () => 1 + Math.floor(random() * 300),
  ];
  for (const sizes of chunkings) {
    const results = await feed(reader(vector, false), stream, sizes);
    const telegrams = results.filter((r) => r.ok);
    assertEquals(telegrams.length, 1);
    assertOk(telegrams[0].ok);
    assertEquals(encodeHex(telegrams[0].value), encodeHex(vector.plain));
    assertEquals(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.reason), ["crc"]);
  }
});

Deno.test("the cut-off frame of stream_resync passes the '/' test: only the CRC catches it", async () => {
  const vector = keyed("steiermark_shrdzm");
  const decrypter = new FrameDecrypter({ meterId: "t210", key: vector.key });
  const trusting = new T210Reader({ decrypter, validate: (t) => ok(t) });
  const results = await trusting.push(readT210Hex("stream_resync_steiermark.hex"));
  assertEquals(results.length, 1);
  assertOk(results[0].ok);
  assertOk(encodeHex(results[0].value) !== encodeHex(vector.plain));
});

Deno.test("GCM frames in noise are all found, with and without the tag check", async () => {
  for (const name of ["lux_nexxtlab", "synthetic_dlmscosem_t210"]) {
    const vector = keyed(name);
    const noise = decodeHex("db 08 00 db db 08 53 41 47 ff 0d 0a");
    const stream = concat(noise, vector.frame, vector.frame.subarray(0, 300), vector.frame, noise);
    for (const withTag of [true, false]) {
      const random = seededRandom(2);
      const results = await feed(
        reader(vector, withTag),
        stream,
        () => 1 + Math.floor(random() * 200),
      );
      const telegrams = results.filter((r) => r.ok);
      assertEquals(telegrams.length, 2, `${name} tag ${withTag}`);
      for (const t of telegrams) assertOk(t.ok && encodeHex(t.value) === encodeHex(vector.plain));
      const reasons = results.filter((r) => !r.ok).map((r) => !r.ok && r.error.reason);
      assertEquals(reasons, [withTag ? "tag" : "crc"], `${name} tag ${withTag}`);
    }
  }
});

Deno.test("the EVN contrast case yields nothing", async () => {
  const evn = readT210Hex("evn_netznoe_t210d_mbus.hex");
  const decrypter = new FrameDecrypter({
    meterId: "evn",
    key: readT210Hex("evn_netznoe_t210d_mbus.key"),
  });
  const target = new T210Reader({ decrypter, validate: checkTelegramCrc });
  assertEquals(await target.push(evn), []);
});

Deno.test("a wrong key gives one decryption rejection per frame and no telegram", async () => {
  const vector = keyed("steiermark_shrdzm");
  const decrypter = new FrameDecrypter({ meterId: "t210", key: new Uint8Array(16) });
  const told: [number, string][] = [];
  const target = new T210Reader({
    decrypter,
    validate: checkTelegramCrc,
    onRejected: (frame, error) => told.push([frame.offset, error.reason]),
  });
  const results = await target.push(concat(vector.frame, vector.frame));
  assertEquals(results.length, 2);
  for (const result of results) assertOk(!result.ok && result.error.reason === "decryption");
  assertEquals(told, [[0, "decryption"], [vector.frame.length, "decryption"]]);
});

Deno.test("concurrent pushes are run in order; a throwing check is a rejection", async () => {
  const vector = keyed("steiermark_shrdzm");
  const decrypter = new FrameDecrypter({ meterId: "t210", key: vector.key });
  const target = new T210Reader({ decrypter, validate: checkTelegramCrc });
  const [first, second, third] = await Promise.all([
    target.push(vector.frame.subarray(0, 100)),
    target.push(vector.frame.subarray(100)),
    target.push(vector.frame),
  ]);
  assertEquals([first.length, second.length, third.length], [0, 1, 1]);
  let calls = 0;
  const throwing = new T210Reader({
    decrypter,
    validate: (): Result<number> => {
      if (calls++ === 0) throw new Error("boom");
      return ok(1);
    },
  });
  const results = await throwing.push(concat(vector.frame, vector.frame));
  assertEquals(results.map((r) => r.ok ? "ok" : r.error.reason), ["decode", "ok"]);
});

Deno.test("one large read holding many frames yields them all", async () => {
  const vector = keyed("lux_nexxtlab");
  const frames = Array.from({ length: 40 }, () => concat(vector.frame, decodeHex("00 db 08")));
  const results = await reader(vector, true).push(concat(...frames));
  assertEquals(results.length, 40);
  assertOk(results.every((r) => r.ok));
});

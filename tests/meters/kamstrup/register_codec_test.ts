import { assertEquals, assertMatch, assertOk, unwrap } from "../../assert.ts";
import { assertRangeError } from "./range_error.ts";
import {
  decodeGetRegisterRequest,
  decodeRegisterBlocks,
  decodeRegisterResponse,
  encodeGetRegister,
  encodeRegisterResponse,
  MAX_REGISTERS_PER_REQUEST,
  type RegisterReply,
} from "../../../src/meters/kamstrup/register_codec.ts";
import { encodeFrame, START_RESPONSE } from "../../../src/meters/kamstrup/frame.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";

function reason(result: { ok: boolean; error?: { reason: string } }): string | undefined {
  return result.ok ? undefined : result.error!.reason;
}

Deno.test("encodeGetRegister takes 1 to 8 ids and throws for others", () => {
  assertEquals(MAX_REGISTERS_PER_REQUEST, 8);
  assertEquals(encodeHex(encodeGetRegister([60])), "803f1001003cb25f0d");
  assertEquals(
    encodeHex(encodeGetRegister([60, 63, 80, 86, 87, 89, 74, 68])),
    "803f1008003c003f0050005600570059004a0044c1380d",
  );
  assertRangeError(() => encodeGetRegister([]));
  assertRangeError(() => encodeGetRegister([1, 2, 3, 4, 5, 6, 7, 8, 9]));
  for (const id of [-1, 65536, 1.5, NaN]) assertRangeError(() => encodeGetRegister([id]), `${id}`);
  assertRangeError(() => encodeGetRegister([60], { destination: 256 }));
  assertEquals(
    encodeHex(encodeGetRegister([0xffff, 0x0040])),
    encodeHex(encodeGetRegister([65535, 64])),
  );
});

Deno.test("decodeGetRegisterRequest returns the ids of a request", () => {
  for (const ids of [[60], [64, 128, 0x1b1b, 0x0d06], [60, 63, 80, 86, 87, 89, 74, 68]]) {
    assertEquals(unwrap(decodeGetRegisterRequest(encodeGetRegister(ids))), ids);
  }
  assertEquals(reason(decodeGetRegisterRequest(decodeHex("803f01058a0d"))), "decode");
  assertEquals(
    reason(decodeGetRegisterRequest(decodeHex("403f10003c0304430000d6de03220d"))),
    "decode",
  );
  const miscounted = encodeFrame(0x80, 0x3f, 0x10, decodeHex("02003c"));
  assertEquals(reason(decodeGetRegisterRequest(miscounted)), "decode");
  const empty = encodeFrame(0x80, 0x3f, 0x10, new Uint8Array());
  assertEquals(reason(decodeGetRegisterRequest(empty)), "decode");
  assertEquals(reason(decodeGetRegisterRequest(decodeHex("803f1001003cb25e0d"))), "crc");
});

const MC403: RegisterReply[] = [
  { id: 60, unit: 3, value: "55.648", exponent: -3 },
  { id: 68, unit: 40, value: "1917.57", exponent: -2 },
  { id: 74, unit: 41, value: "6", length: 2 },
];

Deno.test("a meter may leave out registers: blocks are matched by id", () => {
  const reply = encodeRegisterResponse(MC403);
  const registers = unwrap(decodeRegisterResponse(reply, { ids: [60, 266, 68, 74] }));
  assertEquals(registers.map((r) => r.id), [60, 68, 74]);
  assertEquals(registers.find((r) => r.id === 266), undefined);
  const shuffled = encodeRegisterResponse([MC403[2], MC403[0]]);
  const byId = new Map(
    unwrap(decodeRegisterResponse(shuffled, { ids: [60, 68, 74] })).map((r) => [r.id, r]),
  );
  assertEquals(byId.get(60)?.value, "55.648");
  assertEquals(byId.get(74)?.value, "6");
  assertEquals(byId.has(68), false);
});

Deno.test("with the requested ids, a foreign or repeated id rejects the reply", () => {
  const reply = encodeRegisterResponse(MC403);
  const foreign = decodeRegisterResponse(reply, { ids: [60, 68] });
  assertEquals(reason(foreign), "decode");
  assertOk(!foreign.ok);
  assertMatch(foreign.error.message, /register 74 was not requested/);
  const twice = encodeRegisterResponse([MC403[0], MC403[0]]);
  assertEquals(reason(decodeRegisterResponse(twice, { ids: [60] })), "decode");
  assertEquals(unwrap(decodeRegisterResponse(twice)).length, 2);
});

Deno.test("an empty GetRegister reply decodes to no registers", () => {
  const reply = encodeFrame(START_RESPONSE, 0x3f, 0x10, new Uint8Array());
  assertEquals(unwrap(decodeRegisterResponse(reply, { ids: [266] })), []);
});

Deno.test("decodeRegisterResponse rejects with framing, crc or decode", () => {
  const reply = encodeRegisterResponse(MC403);
  assertEquals(reason(decodeRegisterResponse(new Uint8Array())), "framing");
  assertEquals(reason(decodeRegisterResponse(reply.subarray(0, 10))), "framing");
  assertEquals(reason(decodeRegisterResponse(reply.subarray(1))), "framing");
  const flipped = reply.slice();
  flipped[6] ^= 0x01;
  assertEquals(reason(decodeRegisterResponse(flipped)), "crc");
  const type = decodeHex("403f01000406012699".replace("06", "1bf9") + "0d");
  assertEquals(reason(decodeRegisterResponse(type)), "decode");
  for (const data of ["003c03", "003c0304430000d6", "003c0300430000", "003c0304430000d6de00"]) {
    const frame = encodeFrame(START_RESPONSE, 0x3f, 0x10, decodeHex(data));
    assertEquals(reason(decodeRegisterResponse(frame)), "decode", data);
    assertEquals(reason(decodeRegisterBlocks(decodeHex(data))), "decode", data);
  }
});

Deno.test("decodeRegisterResponse skips the echo of the request", () => {
  const echo = encodeGetRegister([60, 68, 74]);
  const reply = encodeRegisterResponse(MC403);
  const registers = unwrap(
    decodeRegisterResponse(concat(echo, reply, decodeHex("00")), { ids: [60, 68, 74] }),
  );
  assertEquals(registers.map((r) => r.value), ["55.648", "1917.57", "6"]);
});

Deno.test("encodeRegisterResponse stuffs ids, units and values that need it", () => {
  const replies: RegisterReply[] = [
    { id: 0x0040, unit: 0x0d, value: "0.27", length: 1 }, // id 40, unit 0D, sigexp 42, mantissa 1B
    { id: 0x0080, unit: 0x06, value: "-6", length: 2 }, // id 80, unit 06, sigexp 80, mantissa 0006
    { id: 0x1b0d, unit: 0x40, value: "0.0000064", length: 4 }, // sigexp 47, mantissa 40
    { id: 60, unit: 3, value: "8.9869", length: 4 }, // 0x0001_5f0d: 0D in the mantissa
  ];
  const frame = encodeRegisterResponse(replies);
  const raw = encodeHex(frame.subarray(1, -1));
  for (const stuffed of ["001bbf1bf2", "001b7f1bf9", "1be41bf21bbf", "1be4", "1bf2"]) {
    assertOk(raw.includes(stuffed), `${stuffed} in ${raw}`);
  }
  assertEquals(frame.subarray(1, -1).some((b) => [0x06, 0x0d, 0x40, 0x80].includes(b)), false);
  const registers = unwrap(decodeRegisterResponse(frame));
  assertEquals(registers.map((r) => [r.id, r.unit, r.value]), [
    [0x40, 0x0d, "0.27"],
    [0x80, 0x06, "-6"],
    [0x1b0d, 0x40, "0.0000064"],
    [60, 3, "8.9869"],
  ]);
  assertEquals(encodeHex(encodeRegisterResponse(registers)), encodeHex(frame));
});

Deno.test("encodeRegisterResponse throws for what a reply cannot carry", () => {
  assertRangeError(() => encodeRegisterResponse([{ id: 65536, unit: 3, value: "1" }]));
  assertRangeError(() => encodeRegisterResponse([{ id: 60, unit: 256, value: "1" }]));
  assertRangeError(() => encodeRegisterResponse([{ id: 60, unit: 3, value: "x" }]));
  assertRangeError(() =>
    encodeRegisterResponse([{ id: 60, unit: 3, value: "1" }], { destination: -1 })
  );
  assertEquals(encodeHex(encodeRegisterResponse([])), "403f10079a0d", "a reply without registers");
});

Deno.test("long replies decode, and decoded registers outlive the next decode", () => {
  const huge = Array.from(
    { length: 8 },
    (_, i) => ({ id: i, unit: 0x40, value: "1" + "0".repeat(300), length: 255 }),
  );
  const frame = encodeRegisterResponse(huge.map((r) => ({ ...r, exponent: 63 })));
  const first = unwrap(decodeRegisterResponse(frame));
  assertEquals(first.map((r) => r.value), huge.map((r) => r.value));
  const snapshot = JSON.stringify(first);
  unwrap(decodeRegisterResponse(encodeRegisterResponse(MC403)));
  assertEquals(JSON.stringify(first), snapshot);
});

/**
 * Every item of kmp_vectors.json, data-driven: CRC cases, the shift-register
 * helper cases, stuffing cases, value formats, app-layer register blocks and
 * wire frames (requests, replies, exchanges).
 */
import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { crc16Xmodem } from "../../../src/crc.ts";
import { stuff, unstuff } from "../../../src/meters/kamstrup/stuffing.ts";
import {
  COMMAND,
  encodeFrame,
  findReply,
  parseKmpFrame,
  START_REQUEST,
} from "../../../src/meters/kamstrup/frame.ts";
import { readNumber, writeNumber } from "../../../src/meters/kamstrup/number.ts";
import {
  decodeGetRegisterRequest,
  decodeRegisterBlocks,
  decodeRegisterResponse,
  encodeGetRegister,
  encodeRegisterResponse,
} from "../../../src/meters/kamstrup/register_codec.ts";
import {
  decodeSerialResponse,
  encodeGetSerialNo,
  encodeSerialResponse,
} from "../../../src/meters/kamstrup/identity_codec.ts";
import { unitOf } from "../../../src/meters/kamstrup/units.ts";
import { loadJson } from "./vectors.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";

interface DecodedRegister {
  id: number;
  unit: number;
  len: number;
  sigexp_hex: string;
  mantissa_hex: string;
  mantissa: string;
  exponent: number;
  negative: boolean;
  value: string;
}

interface FrameItem {
  id: string;
  kind: "exchange" | "request" | "response";
  request_hex?: string;
  request_datalink_hex?: string;
  request_crc_hex?: string;
  request_registers?: number[];
  response_hex?: string;
  response_unstuffed_hex?: string;
  response_crc_hex?: string;
  response_contains_stuffing?: boolean;
  response_dst?: number;
  response_cid?: number;
  decoded_registers?: DecodedRegister[];
  decoded_serial?: string;
  expected_from_source?: Record<string, { value: number; unit: number }> & { serial?: string };
}

interface Vectors {
  frames: FrameItem[];
  value_format: {
    value_bytes_hex: string;
    expected: string;
    mantissa: string;
    exponent: number;
    negative: boolean;
  }[];
  register_blocks_app_layer: { register_block_hex: string; expected: [number, string][] }[];
  crc: { data_hex: string; crc_hex: string }[];
  crc_shift_register_helper: { data_hex: string; raw_register_value: number }[];
  stuffing: { unstuffed_hex: string; framed_hex: string }[];
  summary: { total: number };
}

const vectors = await loadJson<Vectors>("kmp_vectors.json");
const SECTIONS = [
  "frames",
  "value_format",
  "register_blocks_app_layer",
  "crc",
  "crc_shift_register_helper",
  "stuffing",
] as const;

Deno.test("vectors: all 53 items are in the sections tested here", () => {
  const known = new Set<string>([...SECTIONS, "title", "generated", "conventions", "summary"]);
  for (const key of Object.keys(vectors)) assertOk(known.has(key), `untested section ${key}`);
  const total = SECTIONS.reduce((n, section) => n + vectors[section].length, 0);
  assertEquals(total, vectors.summary.total);
  assertEquals(total, 53);
});

for (const item of vectors.crc) {
  Deno.test(`vector crc ${item.data_hex}`, () => {
    assertEquals(crc16Xmodem(decodeHex(item.data_hex)).toString(16).padStart(4, "0"), item.crc_hex);
  });
}

/**
 * The "shift-register helper" of some implementations divides the message
 * polynomial without the 16 zero bits XMODEM appends: for a message
 * `prefix ‖ v` (v its last two bytes) that is crc16Xmodem(prefix) xor v, and for a
 * message shorter than two bytes the message itself.
 */
function shiftRegister(data: Uint8Array): number {
  if (data.length < 2) return data.reduce((value, byte) => (value << 8) | byte, 0);
  const n = data.length;
  return crc16Xmodem(data, 0, n - 2) ^ ((data[n - 2] << 8) | data[n - 1]);
}

for (const item of vectors.crc_shift_register_helper) {
  Deno.test(`vector crc shift-register helper ${item.data_hex}`, () => {
    assertEquals(shiftRegister(decodeHex(item.data_hex)), item.raw_register_value);
  });
}

for (const item of vectors.stuffing) {
  Deno.test(`vector stuffing ${item.unstuffed_hex}`, () => {
    const framed = decodeHex(item.framed_hex);
    const unstuffed = decodeHex(item.unstuffed_hex);
    assertEquals(
      encodeHex(concat(new Uint8Array([START_REQUEST]), stuff(unstuffed), new Uint8Array([0x0d]))),
      item.framed_hex,
    );
    assertEquals(encodeHex(unwrap(unstuff(framed.subarray(1, -1)))), item.unstuffed_hex);
  });
}

for (const item of vectors.value_format) {
  Deno.test(`vector value format ${item.value_bytes_hex} = ${item.expected}`, () => {
    const bytes = decodeHex(item.value_bytes_hex);
    const number = readNumber(bytes);
    assertOk(number);
    assertEquals(number.value, item.expected);
    assertEquals(number.mantissa, item.mantissa);
    assertEquals(number.exponent, item.exponent);
    assertEquals(number.negative, item.negative);
    assertEquals(number.length, bytes.length - 2);
    const written = writeNumber(item.expected, { exponent: item.exponent, length: bytes[0] });
    assertEquals(encodeHex(written), item.value_bytes_hex);
  });
}

for (const item of vectors.register_blocks_app_layer) {
  Deno.test(`vector register blocks ${item.register_block_hex}`, () => {
    const registers = unwrap(decodeRegisterBlocks(decodeHex(item.register_block_hex)));
    assertEquals(registers.map((r) => [r.id, r.value]), item.expected);
  });
}

function checkRequest(item: FrameItem): void {
  const request = decodeHex(item.request_hex!);
  const datalink = decodeHex(item.request_datalink_hex!);
  const destination = datalink[0];
  const command = datalink[1];
  assertEquals(crc16Xmodem(datalink).toString(16).padStart(4, "0"), item.request_crc_hex);
  const frame = unwrap(parseKmpFrame(request));
  assertEquals(frame.start, START_REQUEST);
  assertEquals(
    encodeHex(concat(new Uint8Array([frame.destination, frame.command]), frame.data)),
    item.request_datalink_hex,
  );
  let encoded: Uint8Array;
  if (command === 0x10) {
    assertOk(item.request_registers, "GetRegister request without ids");
    encoded = encodeGetRegister(item.request_registers, { destination });
    assertEquals(unwrap(decodeGetRegisterRequest(request)), item.request_registers);
  } else if (command === 0x01) {
    encoded = encodeFrame(START_REQUEST, destination, COMMAND.getType, new Uint8Array());
  } else if (command === 0x02) {
    encoded = encodeGetSerialNo({ destination });
  } else {
    throw new Error(`request with command ${command}`);
  }
  assertEquals(encodeHex(encoded), item.request_hex);
}

function checkResponse(item: FrameItem): void {
  const response = decodeHex(item.response_hex!);
  const frame = unwrap(parseKmpFrame(response));
  assertEquals(frame.destination, item.response_dst);
  assertEquals(frame.command, item.response_cid);
  const unstuffed = concat(
    new Uint8Array([frame.destination, frame.command]),
    frame.data,
    decodeHex(item.response_crc_hex!),
  );
  assertEquals(encodeHex(unstuffed), item.response_unstuffed_hex);
  assertEquals(response.length !== unstuffed.length + 2, item.response_contains_stuffing);
  const destination = frame.destination;
  const echo = item.request_hex ? decodeHex(item.request_hex) : new Uint8Array();
  const received = concat(echo, response);

  let reencoded: Uint8Array;
  if (frame.command === 0x10) {
    const expected = item.decoded_registers!;
    const ids = item.request_registers;
    for (const bytes of [response, received]) {
      const registers = unwrap(decodeRegisterResponse(bytes, { ids }));
      assertEquals(
        registers.map((r) => ({ ...r })),
        expected.map((r) => ({
          value: r.value,
          exponent: r.exponent,
          length: r.len,
          mantissa: r.mantissa,
          negative: r.negative,
          id: r.id,
          unit: r.unit,
        })),
      );
    }
    for (const r of expected) {
      assertOk(unitOf(r.unit) !== undefined, `unit byte ${r.unit} unknown`);
      const number = writeNumber(r.value, { exponent: r.exponent, length: r.len });
      assertEquals(
        encodeHex(number),
        r.len.toString(16).padStart(2, "0") + r.sigexp_hex.slice(2) + r.mantissa_hex,
      );
    }
    const registers = unwrap(decodeRegisterResponse(received));
    const sources = Object.entries(item.expected_from_source ?? {});
    for (const [id, source] of sources as [string, { value: number; unit: number }][]) {
      const register = registers.find((r) => r.id === Number(id));
      assertOk(register, `register ${id} missing`);
      assertEquals(Number(register.value), source.value);
      assertEquals(register.unit, source.unit);
    }
    reencoded = encodeRegisterResponse(registers, { destination });
  } else if (frame.command === 0x02) {
    const serial = unwrap(decodeSerialResponse(received));
    assertEquals(serial, item.decoded_serial);
    if (item.expected_from_source) assertEquals(serial, item.expected_from_source.serial);
    reencoded = encodeSerialResponse(serial, { destination });
  } else {
    throw new Error(`response with command ${frame.command}`);
  }
  assertEquals(encodeHex(reencoded), item.response_hex);

  const buffer: number[] = [];
  for (let i = 0; i < received.length; i++) {
    buffer.push(received[i]);
    const found = findReply(new Uint8Array(buffer));
    assertEquals(found !== undefined, i === received.length - 1, `findReply after byte ${i}`);
    if (found) assertEquals(encodeHex(found.frame), item.response_hex);
  }
}

for (const item of vectors.frames) {
  Deno.test(`vector frame ${item.id}`, () => {
    assertOk(["exchange", "request", "response"].includes(item.kind), `kind ${item.kind}`);
    assertEquals(item.request_hex !== undefined, item.kind !== "response");
    assertEquals(item.response_hex !== undefined, item.kind !== "request");
    if (item.request_hex) checkRequest(item);
    if (item.response_hex) checkResponse(item);
  });
}

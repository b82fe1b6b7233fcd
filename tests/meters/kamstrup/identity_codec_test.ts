import { assertEquals, unwrap } from "../../assert.ts";
import {
  decodeSerialResponse,
  decodeTypeResponse,
  encodeGetSerialNo,
  encodeGetType,
  encodeSerialResponse,
  encodeTypeResponse,
} from "../../../src/meters/kamstrup/identity_codec.ts";
import { encodeFrame, START_RESPONSE } from "../../../src/meters/kamstrup/frame.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";

function reason(result: { ok: boolean; error?: { reason: string } }): string | undefined {
  return result.ok ? undefined : result.error!.reason;
}

/** The KMP document's GetType reply (crc vector 3f01000406012699), framed: 06 is stuffed. */
const TYPE_REPLY = decodeHex("403f0100041bf90126990d");

Deno.test("GetType and GetSerialNo requests", () => {
  assertEquals(encodeHex(unwrap(encodeGetType())), "803f01058a0d");
  assertEquals(encodeHex(unwrap(encodeGetSerialNo())), "803f0235e90d");
  assertEquals(encodeHex(unwrap(encodeGetType({ destination: 0x3a }))), "803a01fa7f0d");
  assertEquals(reason(encodeGetType({ destination: 300 })), "decode");
  assertEquals(reason(encodeGetSerialNo({ destination: -1 })), "decode");
});

Deno.test("GetType reply: meter type and software revision", () => {
  assertEquals(unwrap(decodeTypeResponse(TYPE_REPLY)), { type: 4, revision: "F1" });
  assertEquals(
    encodeHex(unwrap(encodeTypeResponse({ type: 4, revision: "F1" }))),
    encodeHex(TYPE_REPLY),
  );
  const echoed = concat(unwrap(encodeGetType()), TYPE_REPLY);
  assertEquals(unwrap(decodeTypeResponse(echoed)), { type: 4, revision: "F1" });
  const none = unwrap(encodeTypeResponse({ type: 0x1b40 }));
  assertEquals(unwrap(decodeTypeResponse(none)), { type: 0x1b40 });
  const z255 = unwrap(encodeTypeResponse({ type: 65535, revision: "Z255" }));
  assertEquals(unwrap(decodeTypeResponse(z255)), { type: 65535, revision: "Z255" });
});

Deno.test("GetType reply: bad letters, lengths and commands are rejected", () => {
  const badLetter = encodeFrame(START_RESPONSE, 0x3f, 0x01, decodeHex("00041b01"));
  assertEquals(reason(decodeTypeResponse(badLetter)), "decode");
  const short = encodeFrame(START_RESPONSE, 0x3f, 0x01, decodeHex("000406"));
  assertEquals(reason(decodeTypeResponse(short)), "decode");
  assertEquals(reason(decodeTypeResponse(decodeHex("403f0201234567e9560d"))), "decode");
  assertEquals(reason(decodeTypeResponse(decodeHex("403f0100041bf90126980d"))), "crc");
  assertEquals(reason(decodeTypeResponse(decodeHex("803f01058a0d"))), "framing");
  for (const revision of ["f1", "F", "F256", "FF1", "F01", "1"]) {
    assertEquals(reason(encodeTypeResponse({ type: 4, revision })), "decode", revision);
  }
  assertEquals(reason(encodeTypeResponse({ type: 65536 })), "decode");
  assertEquals(reason(encodeTypeResponse({ type: 4 }, { destination: 256 })), "decode");
});

Deno.test("GetSerialNo reply: a 32-bit serial number as decimal text", () => {
  assertEquals(unwrap(decodeSerialResponse(decodeHex("403f0201234567e9560d"))), "19088743");
  for (const serial of ["0", "6892850", "4294967295", "1234567"]) {
    assertEquals(unwrap(decodeSerialResponse(unwrap(encodeSerialResponse(serial)))), serial);
  }
  for (const serial of ["", "-1", "4294967296", "12a", "1.5", "99999999999"]) {
    assertEquals(reason(encodeSerialResponse(serial)), "decode", serial);
  }
  assertEquals(reason(encodeSerialResponse("1", { destination: 1.5 })), "decode");
  assertEquals(reason(decodeSerialResponse(TYPE_REPLY)), "decode");
  const long = encodeFrame(START_RESPONSE, 0x3f, 0x02, decodeHex("0123456789"));
  assertEquals(reason(decodeSerialResponse(long)), "decode");
  assertEquals(reason(decodeSerialResponse(decodeHex("403f0201234567e9570d"))), "crc");
});

import { assertEquals, unwrap } from "../../assert.ts";
import { assertRangeError } from "./range_error.ts";
import {
  decodeSerialResponse,
  encodeGetSerialNo,
  encodeSerialResponse,
} from "../../../src/meters/kamstrup/identity_codec.ts";
import { encodeFrame, START_RESPONSE } from "../../../src/meters/kamstrup/frame.ts";
import { decodeHex, encodeHex } from "../../../src/bytes.ts";

function reason(result: { ok: boolean; error?: { reason: string } }): string | undefined {
  return result.ok ? undefined : result.error!.reason;
}

/** The KMP document's GetType reply (crc vector 3f01000406012699), framed: 06 is stuffed. */
const TYPE_REPLY = decodeHex("403f0100041bf90126990d");

Deno.test("GetSerialNo request", () => {
  assertEquals(encodeHex(encodeGetSerialNo()), "803f0235e90d");
  assertRangeError(() => encodeGetSerialNo({ destination: -1 }));
  assertRangeError(() => encodeGetSerialNo({ destination: 300 }));
});

Deno.test("GetSerialNo reply: a 32-bit serial number as decimal text", () => {
  assertEquals(unwrap(decodeSerialResponse(decodeHex("403f0201234567e9560d"))), "19088743");
  for (const serial of ["0", "6892850", "4294967295", "1234567"]) {
    assertEquals(unwrap(decodeSerialResponse(encodeSerialResponse(serial))), serial);
  }
  for (const serial of ["", "-1", "4294967296", "12a", "1.5", "99999999999"]) {
    assertRangeError(() => encodeSerialResponse(serial), serial);
  }
  assertRangeError(() => encodeSerialResponse("1", { destination: 1.5 }));
  assertEquals(reason(decodeSerialResponse(TYPE_REPLY)), "decode");
  const long = encodeFrame(START_RESPONSE, 0x3f, 0x02, decodeHex("0123456789"));
  assertEquals(reason(decodeSerialResponse(long)), "decode");
  assertEquals(reason(decodeSerialResponse(decodeHex("403f0201234567e9570d"))), "crc");
  assertEquals(reason(decodeSerialResponse(decodeHex("803f0235e90d"))), "framing");
});

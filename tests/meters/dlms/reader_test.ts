import { assertEquals, assertMatch, assertOk, assertThrows, unwrap } from "../../assert.ts";
import { concat, decodeHex, encodeHex } from "../../../src/bytes.ts";
import type { Result } from "../../../src/result.ts";
import { type DlmsDecoded, DlmsReader } from "../../../src/meters/dlms/reader.ts";
import type { StreamDecoder } from "../../../src/meters/stream_meter.ts";
import {
  ax,
  blocks,
  dateTime,
  glo,
  hdlcFrame,
  hdlcSegments,
  mbusFrame,
  mbusSegments,
  notification,
} from "./build.ts";
import { dlmsVector } from "./vectors.ts";

const KEY = decodeHex("000102030405060708090a0b0c0d0e0f");
const AUTH = decodeHex("d0d1d2d3d4d5d6d7d8d9dadbdcdddedf");
const OTHER = decodeHex("f0e1d2c3b4a5968778695a4b3c2d1e0f");

const PLAIN = notification(
  0x8006870e,
  ax.structure(
    ax.octets(dateTime(2021, 9, 27, 9, 47, 15, -120, 0x80)),
    ax.obis(1, 0, 1, 8, 0),
    ax.u32(12937),
    ax.scalerUnit(0, 30),
    ax.text("181220000009"),
  ),
  dateTime(2021, 9, 27, 9, 47, 15, -120, 0x80),
);

function reasons(results: Result<DlmsDecoded>[]): string[] {
  return results.map((r) => r.ok ? "ok" : `${r.error.reason}: ${r.error.message}`);
}

function one(reader: DlmsReader, bytes: Uint8Array): Result<DlmsDecoded> {
  const results = reader.push(bytes);
  assertEquals(results.length, 1);
  return results[0];
}

Deno.test("the reader fits StreamMeter's StreamDecoder and gives values plus the serial as info", () => {
  const reader: StreamDecoder = new DlmsReader({ framing: "mbus", key: KEY });
  const results = reader.push(concat(...mbusSegments(glo(PLAIN, { key: KEY }))));
  assertOk(Array.isArray(results) && results.length === 1);
  const decoded = unwrap(results[0]) as DlmsDecoded;
  assertEquals(decoded.info, { serial: "181220000009" });
  assertEquals(decoded.values.map((v) => v.value), ["2021-09-27T09:47:15+02:00", "12.937"]);
  assertEquals([decoded.invokeId, decoded.frameCounter], [0x8006870e, 0x23]);
  assertEquals(decoded.systemTitle, "4b464d6750000009");
});

Deno.test("every security control and every length form decrypts; 0x30 with the tag checked", () => {
  for (const securityControl of [0x20, 0x21, 0x30, 0x31]) {
    for (const lengthBytes of [0, 1, 2, 3, 4]) {
      const apdu = glo(PLAIN, { key: KEY, authKey: AUTH, securityControl, lengthBytes });
      const tagged = (securityControl & 0x10) !== 0;
      const plain = one(
        new DlmsReader({ framing: "hdlc", key: KEY }),
        hdlcFrame(concat(decodeHex("e6e700"), apdu)),
      );
      assertOk(plain.ok, `SC ${securityControl} form ${lengthBytes}`);
      assertEquals(plain.value.authenticated, false);
      const checked = new DlmsReader({ framing: "mbus", key: KEY, authKey: AUTH });
      const result = one(checked, concat(...mbusSegments(apdu)));
      if (tagged) {
        assertOk(result.ok && result.value.authenticated);
      } else {
        assertOk(!result.ok);
        assertEquals(result.error.reason, "tag");
        assertMatch(result.error.message, /carries no authentication tag .*remove meter\.auth_key/);
      }
    }
  }
  const short = glo(PLAIN, { key: KEY, lengthBytes: 0 });
  assertEquals(short[10] < 0x80, PLAIN.length + 5 < 0x80);
});

Deno.test("a wrong key is a decryption rejection that says to check meter.key", () => {
  const vector = dlmsVector("at_netznoe_kaifa-ma309m_doc-example");
  const result = one(new DlmsReader({ framing: "mbus", key: OTHER, meterId: "evn" }), vector.wire!);
  assertOk(!result.ok);
  assertEquals(result.error.reason, "decryption");
  assertEquals(
    result.error.message,
    "decryption failed for meter evn: check meter.key (the encryption key, not the authentication key)",
  );
  const named = new DlmsReader({ framing: "mbus", key: OTHER, keyName: "dlms.key" });
  assertMatch(
    (one(named, vector.wire!) as { error: { message: string } }).error.message,
    /dlms\.key/,
  );
});

Deno.test("with the tag checked, a wrong authentication key or swapped keys say which to check", () => {
  const vector = dlmsVector("at_burgenland_landisgyr-e450_gh501-1_hdlc");
  const wrongAuth = one(
    new DlmsReader({ framing: "hdlc", key: vector.key, authKey: OTHER }),
    vector.wire!,
  );
  assertOk(!wrongAuth.ok);
  assertEquals(wrongAuth.error.reason, "tag");
  assertMatch(
    wrongAuth.error.message,
    /^authentication tag mismatch for meter dlms: the encryption key decrypts, so check meter\.auth_key/,
  );
  const swapped = one(
    new DlmsReader({ framing: "hdlc", key: vector.authKey, authKey: vector.key }),
    vector.wire!,
  );
  assertOk(!swapped.ok);
  assertMatch(swapped.error.message, /check meter\.key .* swapped keys fail like this/);
  for (const result of [wrongAuth, swapped]) {
    const message = (result as { error: { message: string } }).error.message.toLowerCase();
    for (const key of [vector.key!, vector.authKey!, OTHER]) {
      assertOk(!message.includes(encodeHex(key).slice(0, 8)));
    }
  }
});

Deno.test("plain data-notifications are accepted, except when an authentication key is set", () => {
  const plain = one(new DlmsReader({ framing: "mbus" }), mbusFrame(0x10, PLAIN));
  assertOk(plain.ok && plain.value.systemTitle === undefined);
  assertOk(one(new DlmsReader({ framing: "mbus", key: KEY }), mbusFrame(0x10, PLAIN)).ok);
  const strict = one(
    new DlmsReader({ framing: "mbus", key: KEY, authKey: AUTH }),
    mbusFrame(0x10, PLAIN),
  );
  assertOk(!strict.ok);
  assertEquals(strict.error.reason, "tag");
  assertMatch(
    strict.error.message,
    /unauthenticated data-notification, but meter\.auth_key is set/,
  );
});

Deno.test("what is not a push is a rejection naming it", () => {
  const reader = new DlmsReader({ framing: "hdlc", key: KEY });
  const cases: [Uint8Array, RegExp][] = [
    [decodeHex("c001c1000800000601"), /decode: unsupported APDU 0xC0/],
    [concat(glo(PLAIN, { key: KEY }), Uint8Array.of(0)), /framing: general-glo-ciphering length/],
    [glo(PLAIN, { key: KEY, securityControl: 0x10 }), /security control 0x10 is not supported/],
    [glo(decodeHex("c4"), { key: KEY }), /decryption failed for meter dlms: check meter\.key/],
    [glo(concat(PLAIN, Uint8Array.of(9)), { key: KEY }), /decode: .*1 bytes after its body/],
    [decodeHex("0f0000000100ee"), /decode: malformed A-XDR data: unknown data tag 0xEE/],
    [decodeHex("db0701"), /system title of 7 bytes/],
  ];
  for (const [apdu, pattern] of cases) {
    const [result] = reasons(reader.push(hdlcFrame(concat(decodeHex("e6e700"), apdu))));
    assertMatch(result, pattern);
  }
  const authenticated = new DlmsReader({ framing: "hdlc", key: KEY, authKey: AUTH });
  const notNotification = glo(decodeHex("c4"), { key: KEY, authKey: AUTH, securityControl: 0x30 });
  assertMatch(
    reasons(authenticated.push(hdlcFrame(concat(decodeHex("e6e700"), notNotification))))[0],
    /decode: meter dlms sent a ciphered APDU that is not a data-notification/,
  );
});

Deno.test("general-block-transfer over HDLC: blocks reassemble, the tag covers the whole APDU", () => {
  const apdu = glo(concat(PLAIN, new Uint8Array(0)), {
    key: KEY,
    authKey: AUTH,
    securityControl: 0x30,
  });
  const frames = blocks(apdu, 40).flatMap((block) => hdlcSegments(block, 30));
  const reader = new DlmsReader({ framing: "hdlc", key: KEY, authKey: AUTH });
  const results = reader.push(concat(...frames));
  assertEquals(reasons(results), ["ok"]);
  assertOk(results[0].ok && results[0].value.authenticated);
  const missing = blocks(apdu, 40);
  missing.splice(1, 1);
  assertEquals(reasons(reader.push(concat(...missing.map((b) => hdlcFrame(b))))), [
    "framing: general-block-transfer block 2 missing before block 3; APDU dropped",
  ]);
});

Deno.test("keys of the wrong length or an authentication key alone are the caller's mistake", () => {
  assertThrows(() => new DlmsReader({ framing: "mbus", key: new Uint8Array(15) }));
  assertThrows(() => new DlmsReader({ framing: "mbus", authKey: AUTH }));
  assertThrows(() => new DlmsReader({ framing: "mbus", key: KEY, authKey: new Uint8Array(8) }));
  assertThrows(() => new DlmsReader({ framing: "serial" as "mbus" }));
});

Deno.test("stats count frames, APDUs and skipped bytes of the framing", () => {
  const reader = new DlmsReader({ framing: "mbus", key: KEY });
  const segments = mbusSegments(glo(PLAIN, { key: KEY }), 40);
  assertEquals(segments.length, 3);
  assertEquals(reasons(reader.push(concat(decodeHex("00ff6816"), ...segments))), ["ok"]);
  assertEquals(reader.stats, { frames: 3, apdus: 1, skippedBytes: 4 });
});

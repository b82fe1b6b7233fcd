import { assertEquals, assertOk, unwrap } from "../../assert.ts";
import { concat, encodeHex } from "../../../src/bytes.ts";
import {
  decodeSmlMessages,
  type SmlGetListResponse,
  type SmlOpenResponse,
} from "../../../src/meters/sml/messages.ts";
import { SmlFramer } from "../../../src/meters/sml/transport.ts";
import {
  ABSENT,
  CLOSE_RESPONSE,
  END,
  entry,
  getListResponse,
  list,
  message,
  octets,
  signed,
  smlFile,
  unsigned,
} from "./build.ts";
import { testdataFrame } from "./vectors.ts";

const EMH_PAYLOAD = unwrap(new SmlFramer().push(testdataFrame())[0]).payload;

function getList(payload: Uint8Array): SmlGetListResponse {
  const body = unwrap(decodeSmlMessages(payload)).find((m) => m.body.kind === "getListResponse");
  assertOk(body && body.body.kind === "getListResponse");
  return body.body;
}

function rejection(payload: Uint8Array): string {
  const result = decodeSmlMessages(payload);
  assertOk(!result.ok, "accepted");
  assertEquals(result.error.reason, "decode");
  return result.error.message;
}

Deno.test("an EMH frame holds an Open, a GetList and a Close response, all with good CRCs", () => {
  const messages = unwrap(decodeSmlMessages(EMH_PAYLOAD));
  assertEquals(messages.map((m) => [m.body.kind, m.crcOk, m.groupNo, m.abortOnError]), [
    ["openResponse", true, 0, 0],
    ["getListResponse", true, 0, 0],
    ["closeResponse", true, 0, 0],
  ]);
  assertEquals(encodeHex(messages[0].transactionId), "00190b4cbead");
  const open = messages[0].body as SmlOpenResponse;
  assertEquals(encodeHex(open.serverId), "0901454d48000041f045");
  assertEquals(encodeHex(open.reqFileId), "0019063f3f8f");
  assertEquals([open.clientId, open.refTime, open.smlVersion], [undefined, undefined, undefined]);
});

Deno.test("the GetListResponse gives server id, sensor time and every entry", () => {
  const response = getList(EMH_PAYLOAD);
  assertEquals(encodeHex(response.serverId), "0901454d48000041f045");
  assertEquals(encodeHex(response.listName!), "0100620affff");
  assertEquals(response.actSensorTime, { kind: "secIndex", seconds: 0x063f2f35 });
  assertEquals(response.entries.length, 7);
  const energy = response.entries[2];
  assertEquals(encodeHex(energy.obis), "0100010800ff");
  assertEquals(
    [energy.status, energy.unit, energy.scaler, energy.value, energy.decimal],
    [386, 30, -1, 153385557, "15338555.7"],
  );
  const manufacturer = response.entries[0];
  assertEquals(manufacturer.value, new TextEncoder().encode("EMH"));
  assertEquals([manufacturer.status, manufacturer.unit, manufacturer.decimal], [
    undefined,
    undefined,
    undefined,
  ]);
});

Deno.test("value = raw × 10^scaler in exact decimal, 64-bit raw values included", () => {
  const cases: [Uint8Array, number | undefined, string][] = [
    [signed(45009189911, 8), -5, "450091.89911"],
    [unsigned(13391, 2), 3, "13391000"],
    [unsigned(0, 1), -1, "0.0"],
    [signed(-1772, 2), -1, "-177.2"],
    [unsigned(2n ** 64n - 1n, 8), -4, "1844674407370955.1615"],
    [signed(-(2n ** 63n), 8), 0, "-9223372036854775808"],
    [unsigned(927, 2), undefined, "927"],
  ];
  for (const [value, scaler, decimal] of cases) {
    const response = getList(smlFile("0a01", [entry({ obis: "0100010800ff", scaler, value })]));
    assertEquals(response.entries[0].decimal, decimal);
  }
});

Deno.test("times: seconds index, Unix time, local time with offsets, or a bare unsigned", () => {
  const cases: [Uint8Array, unknown][] = [
    [list(unsigned(1, 1), unsigned(1000, 4)), { kind: "secIndex", seconds: 1000 }],
    [list(unsigned(2, 1), unsigned(1700000000, 4)), { kind: "timestamp", seconds: 1700000000 }],
    [
      list(unsigned(3, 1), list(unsigned(1700000000, 4), signed(60, 2), signed(60, 2))),
      { kind: "localTimestamp", seconds: 1700000000, localOffset: 60, seasonOffset: 60 },
    ],
    [unsigned(77, 4), { kind: "secIndex", seconds: 77 }],
  ];
  for (const [time, expected] of cases) {
    const e = entry({ obis: "0100010800ff", valTime: time, value: unsigned(1, 1) });
    const response = getList(smlFile("0a01", [e], time));
    assertEquals(response.actSensorTime, expected);
    assertEquals(response.entries[0].valTime, expected);
  }
  assertOk(rejection(smlFile("0a01", [], list(unsigned(9, 1), unsigned(1, 4)))).includes("choice"));
});

Deno.test("a message CRC that does not match is reported, not rejected", () => {
  const payload = concat(
    message(0x0101, list(ABSENT, ABSENT, octets("01"), octets("02"), ABSENT, ABSENT), {
      crc: "wrong",
    }),
    message(0x0701, getListResponse("02", []), { crc: "kermit" }),
    message(0x0201, CLOSE_RESPONSE, { crc: "none" }),
  );
  assertEquals(unwrap(decodeSmlMessages(payload)).map((m) => m.crcOk), [false, true, undefined]);
});

Deno.test("other message types are kept by their tag", () => {
  const messages = unwrap(decodeSmlMessages(message(0xff01, list(octets("01"), ABSENT))));
  assertEquals(messages[0].body, { kind: "other", tag: 0xff01 });
});

Deno.test("zero bytes between and after messages are skipped", () => {
  assertEquals(unwrap(decodeSmlMessages(concat(EMH_PAYLOAD, new Uint8Array(7)))).length, 3);
});

Deno.test("wrong shapes are decode rejections", () => {
  assertOk(rejection(new Uint8Array(0)).includes("no SML message"));
  assertOk(rejection(EMH_PAYLOAD.subarray(0, 100)).length > 0);
  assertOk(rejection(unsigned(5, 1)).includes("not a list"));
  assertOk(rejection(list(ABSENT, ABSENT)).includes("not 6"));
  const noEnd = list(
    octets("01"),
    unsigned(0, 1),
    unsigned(0, 1),
    list(unsigned(0x0201, 2), ABSENT),
    ABSENT,
    ABSENT,
  );
  assertOk(rejection(noEnd).includes("does not end with 00"));
  const shortObis = smlFile("0a01", [entry({ obis: "0100010800", value: unsigned(1, 1) })]);
  assertOk(rejection(shortObis).includes("5 bytes, not 6"));
  const bigScaler = smlFile("0a01", [
    list(octets("0100010800ff"), ABSENT, ABSENT, ABSENT, signed(300, 2), unsigned(1, 1), ABSENT),
  ]);
  assertOk(rejection(bigScaler).includes("scaler 300"));
  const endValue = smlFile("0a01", [
    list(octets("0100010800ff"), ABSENT, ABSENT, ABSENT, ABSENT, END, ABSENT),
  ]);
  assertOk(rejection(endValue).includes("end of message"));
  const textUnit = smlFile("0a01", [
    list(octets("0100010800ff"), ABSENT, ABSENT, octets("57"), ABSENT, unsigned(1, 1), ABSENT),
  ]);
  assertOk(rejection(textUnit).includes("unit"));
});

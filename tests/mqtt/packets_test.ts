import { assertEquals, assertOk, assertThrows } from "../assert.ts";
import { seededRandom } from "../random.ts";
import { concat, decodeHex, encodeHex, latin1 } from "../../src/bytes.ts";
import type { Result } from "../../src/result.ts";
import {
  CONNACK_RETURN_CODES,
  decodePacket,
  encodeConnect,
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  type IncomingPacket,
  PacketDecoder,
} from "../../src/mqtt/packets.ts";

const session = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/mqtt/mosquitto_session.json", import.meta.url)),
) as { sent: string; received: string };

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** What Mosquitto sent in the captured session, decoded. */
const RECEIVED: IncomingPacket[] = [
  { type: "connack", sessionPresent: false, returnCode: 0 },
  { type: "suback", id: 1, granted: [1] },
  {
    type: "publish",
    topic: "homeassistant/status",
    payload: latin1("online"),
    qos: 1,
    retain: true,
    dup: false,
    id: 1,
  },
  { type: "puback", id: 2 },
  { type: "pingresp" },
];

function values(results: Result<IncomingPacket>[]): IncomingPacket[] {
  return results.map((result) => {
    assertOk(result.ok, result.ok ? "" : result.error.message);
    return result.value;
  });
}

/** A comparable line per result, payloads in hex. */
function summary(results: Result<IncomingPacket>[]): string[] {
  return results.map((r) => {
    if (!r.ok) return `${r.error.reason}: ${r.error.message}`;
    const v = r.value;
    return v.type === "publish"
      ? `publish ${JSON.stringify(v.topic)} ${encodeHex(v.payload)} q${v.qos} r${v.retain} ` +
        `d${v.dup} ${v.id}`
      : JSON.stringify(v);
  });
}

Deno.test("packets: CONNECT, SUBSCRIBE, PUBLISH and PINGREQ are the bytes Mosquitto accepted", () => {
  const sent = concat(
    encodeConnect({
      clientId: "smr-capture",
      keepalive: 60,
      clean: true,
      will: { topic: "homie/capture/$state", payload: "lost" },
    }),
    encodeSubscribe(1, [{ filter: "homeassistant/status", qos: 1 }]),
    encodePublish({
      topic: "homie/capture/$state",
      payload: "ready",
      qos: 1,
      retain: true,
      id: 2,
    }),
    encodePingreq(),
  );
  assertEquals(encodeHex(sent), session.sent);
});

Deno.test("packets: a minimal CONNECT, field by field", () => {
  assertEquals(
    encodeHex(encodeConnect({ clientId: "abc", keepalive: 60, clean: true })),
    // CONNECT, remaining 15, "MQTT", level 4, flags clean, keepalive 60, client id "abc"
    "100f" + "00044d515454" + "04" + "02" + "003c" + "0003616263",
  );
});

Deno.test("packets: CONNECT flags for user name, password and a will at QoS 0 without retain", () => {
  const bytes = encodeConnect({
    clientId: "c",
    keepalive: 0,
    clean: false,
    username: "u",
    password: "p",
    will: { topic: "t", payload: new Uint8Array([0xff]), qos: 0, retain: false },
  });
  // user name 0x80, password 0x40, will 0x04; no clean session, no will retain, will QoS 0
  assertEquals(bytes[9], 0xc4);
  assertEquals(encodeHex(bytes.subarray(12)), "0001630001740001ff000175000170");
  assertEquals(bytes[1], bytes.length - 2);
});

Deno.test("packets: PUBLISH at QoS 0 has no packet id; PUBACK, DISCONNECT, PINGREQ", () => {
  assertEquals(
    encodeHex(encodePublish({ topic: "a/b", payload: "1", qos: 0, retain: false })),
    "3006" + "0003612f62" + "31",
  );
  assertEquals(
    encodeHex(encodePublish({ topic: "a", payload: "", qos: 1, retain: true, id: 0x1234 })),
    "3305" + "000161" + "1234",
  );
  assertEquals(encodeHex(encodePuback(0xabcd)), "4002abcd");
  assertEquals(encodeHex(encodeDisconnect()), "e000");
  assertEquals(encodeHex(encodePingreq()), "c000");
  assertEquals(
    encodeHex(encodeSubscribe(9, [{ filter: "a/+", qos: 0 }, { filter: "#", qos: 1 }])),
    "820c" + "0009" + "0003612f2b00" + "00012301",
  );
});

Deno.test("packets: what Mosquitto sent decodes, whole, byte by byte and split anywhere", () => {
  const bytes = decodeHex(session.received);
  assertEquals(values(new PacketDecoder().push(bytes)), RECEIVED);
  const decoder = new PacketDecoder();
  const one: Result<IncomingPacket>[] = [];
  for (const byte of bytes) one.push(...decoder.push(Uint8Array.of(byte)));
  assertEquals(values(one), RECEIVED);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const split = new PacketDecoder();
    const results = [...split.push(bytes.subarray(0, cut)), ...split.push(bytes.subarray(cut))];
    assertEquals(values(results), RECEIVED);
  }
});

Deno.test("packets: a decoded payload does not share memory with the chunk", () => {
  const bytes = decodeHex(session.received);
  const packets = values(new PacketDecoder().push(bytes));
  bytes.fill(0);
  const publish = packets[2];
  assertOk(publish.type === "publish");
  assertEquals(text(publish.payload), "online");
});

Deno.test("packets: remaining lengths of 1 to 4 bytes, at each boundary", () => {
  // Remaining length of a QoS 0 PUBLISH to "t": 3 + payload.
  const cases: Array<[number, string]> = [
    [127, "7f"],
    [128, "8001"],
    [16_383, "ff7f"],
    [16_384, "808001"],
    [2_097_151, "ffff7f"],
    [2_097_152, "80808001"],
  ];
  for (const [remaining, field] of cases) {
    const payload = new Uint8Array(remaining - 3).fill(0x61);
    const bytes = encodePublish({ topic: "t", payload, qos: 0, retain: false });
    assertEquals(encodeHex(bytes.subarray(1, 1 + field.length / 2)), field, `${remaining}`);
    assertEquals(bytes.length, 1 + field.length / 2 + remaining);
    const [result] = new PacketDecoder({ maxBytes: 4 << 20 }).push(bytes);
    assertOk(result.ok && result.value.type === "publish");
    assertEquals(result.value.payload.length, remaining - 3);
  }
});

Deno.test("packets: CONNACK return codes 1 to 5 are refusals with names", () => {
  assertEquals(CONNACK_RETURN_CODES[4], "bad user name or password");
  assertEquals(CONNACK_RETURN_CODES[5], "not authorized");
  for (let code = 1; code <= 5; code++) {
    const result = decodePacket(0x20, Uint8Array.of(0, code));
    assertOk(result.ok && result.value.type === "connack");
    assertEquals(result.value.returnCode, code);
    assertOk(CONNACK_RETURN_CODES[code]);
  }
});

Deno.test("packets: a topic keeps a leading byte order mark", () => {
  const bytes = encodePublish({ topic: "\ufeffa", payload: "", qos: 0, retain: false });
  const [result] = new PacketDecoder().push(bytes);
  assertOk(result.ok && result.value.type === "publish");
  assertEquals(result.value.topic, "\ufeffa");
});

Deno.test("packets: malformed packets are rejections, never exceptions", () => {
  // The first byte, the body (the remaining length is worked out), what the rejection names.
  const cases: Array<[number, string, string]> = [
    [0x20, "000000", "remaining length 3"],
    [0x21, "0000", "flags 1"],
    [0x20, "0200", "acknowledge flags 2"],
    [0x20, "0006", "unknown return code 6"],
    [0x36, "0001610001", "QoS 3"],
    [0x34, "0001610001", "QoS 2"],
    [0x30, "00", "only 1 bytes"],
    [0x30, "0000", "empty topic"],
    [0x30, "000561", "topic of 5 bytes"],
    [0x30, "0002c328", "not UTF-8"],
    [0x30, "00012b", "wildcard"],
    [0x30, "000100", "U+0000"],
    [0x32, "0001610000", "packet id 0"],
    [0x40, "0001ff", "remaining length 3"],
    [0x40, "0000", "packet id 0"],
    [0x90, "000103", "return code 3"],
    [0x90, "0001", "only 2 bytes"],
    [0x91, "000101", "flags 1"],
    [0xd0, "00", "remaining length 1"],
    [0xb0, "0001", "unexpected UNSUBACK"],
    [0x10, "", "unexpected CONNECT"],
    [0x00, "", "unexpected reserved type 0"],
    [0xf0, "", "unexpected reserved type 15"],
    [0x50, "0001", "unexpected PUBREC"],
  ];
  for (const [first, hex, part] of cases) {
    const body = decodeHex(hex);
    const direct = decodePacket(first, body);
    assertOk(!direct.ok && direct.error.message.includes(part), `${hex}: ${summary([direct])}`);
    const results = new PacketDecoder().push(concat(Uint8Array.of(first, body.length), body));
    assertEquals(summary(results), summary([direct]));
  }
});

Deno.test("packets: a remaining length over 4 bytes loses the stream for good", () => {
  const decoder = new PacketDecoder();
  const results = decoder.push(decodeHex("30ffffffff7f" + "d000"));
  assertEquals(summary(results), ["framing: remaining length longer than 4 bytes"]);
  assertOk(decoder.lost);
  assertEquals(decoder.push(decodeHex("d000")), []);
});

Deno.test("packets: a packet over maxBytes is skipped without being held, the next one decodes", () => {
  const decoder = new PacketDecoder({ maxBytes: 16 });
  const big = encodePublish({ topic: "t", payload: new Uint8Array(100), qos: 0, retain: false });
  const bytes = concat(big, decodeHex("d000"));
  const results = [...decoder.push(bytes.subarray(0, 50)), ...decoder.push(bytes.subarray(50))];
  assertEquals(summary(results), [
    "framing: PUBLISH of 103 bytes skipped: over 16",
    '{"type":"pingresp"}',
  ]);
});

Deno.test("packets: encoders throw on a caller's mistakes", () => {
  const publish = (topic: string) => () =>
    encodePublish({ topic, payload: "", qos: 0, retain: false });
  assertThrows(publish(""));
  assertThrows(publish("a/+"));
  assertThrows(publish("a/#"));
  assertThrows(publish("a\u0000"));
  assertThrows(publish("x".repeat(65_536)));
  assertThrows(() => encodePublish({ topic: "a", payload: "", qos: 1, retain: false }));
  assertThrows(() => encodePublish({ topic: "a", payload: "", qos: 2 as 1, retain: false, id: 1 }));
  assertThrows(() => encodeConnect({ clientId: "c", keepalive: 65_536, clean: true }));
  assertThrows(() => encodeConnect({ clientId: "", keepalive: 1, clean: false }));
  assertThrows(() => encodeConnect({ clientId: "c", keepalive: 1, clean: true, password: "p" }));
  assertThrows(() => encodePuback(0));
  assertThrows(() => encodePuback(65_536));
  assertThrows(() => encodeSubscribe(1, []));
  for (const filter of ["", "a/b#", "a+/b", "#/a"]) {
    assertThrows(() => encodeSubscribe(1, [{ filter, qos: 1 }]), filter);
  }
});

/** A random MQTT-ish stream: valid broker packets, sometimes mutated. */
function randomStream(random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  const parts: Uint8Array[] = [];
  const count = 1 + int(5);
  for (let i = 0; i < count; i++) {
    switch (int(6)) {
      case 0:
        parts.push(Uint8Array.of(0x20, 2, int(2), int(7)));
        break;
      case 1: {
        const payload = new Uint8Array(int(40)).map(() => int(256));
        const topic = ["homeassistant/status", "a", "\u00e9/x", "t/" + int(1000)][int(4)];
        const qos = int(2) as 0 | 1;
        parts.push(
          encodePublish({ topic, payload, qos, retain: int(2) === 1, id: 1 + int(65535) }),
        );
        break;
      }
      case 2:
        parts.push(Uint8Array.of(0x40, 2, int(256), int(256)));
        break;
      case 3:
        parts.push(Uint8Array.of(0x90, 3, int(256), int(256), [0, 1, 2, 0x80][int(4)]));
        break;
      case 4:
        parts.push(Uint8Array.of(0xd0, 0));
        break;
      default:
        parts.push(new Uint8Array(int(12)).map(() => int(256)));
    }
  }
  const bytes = concat(...parts);
  const mutations = int(4);
  for (let m = 0; m < mutations && bytes.length > 0; m++) {
    const at = int(bytes.length);
    if (int(2) === 0) bytes[at] ^= 1 << int(8);
    else bytes[at] = int(256);
  }
  return int(8) === 0 ? bytes.subarray(0, int(bytes.length + 1)) : bytes;
}

function wellFormed(packet: IncomingPacket): boolean {
  switch (packet.type) {
    case "connack":
      return packet.returnCode >= 0 && packet.returnCode <= 5;
    case "publish":
      return packet.topic.length > 0 && !/[+#]/.test(packet.topic) &&
        (packet.qos === 0 ? packet.id === undefined : packet.id! >= 1 && packet.id! <= 0xffff);
    case "puback":
      return packet.id >= 1 && packet.id <= 0xffff;
    case "suback":
      return packet.granted.length > 0 && packet.granted.every((g) => g <= 2 || g === 0x80);
    case "pingresp":
      return true;
  }
}

Deno.test("packets: fuzz, 120,000 streams: no exception, well-formed packets, any chunking alike", () => {
  const random = seededRandom(0x6d717474);
  const int = (n: number) => Math.floor(random() * n);
  let packets = 0;
  let rejections = 0;
  for (let i = 0; i < 120_000; i++) {
    const bytes = randomStream(random);
    const whole = new PacketDecoder({ maxBytes: 64 }).push(bytes);
    const chunked = new PacketDecoder({ maxBytes: 64 });
    const results: Result<IncomingPacket>[] = [];
    for (let at = 0; at < bytes.length;) {
      const next = Math.min(bytes.length, at + 1 + int(8));
      results.push(...chunked.push(bytes.subarray(at, next)));
      at = next;
    }
    assertEquals(summary(results), summary(whole), encodeHex(bytes));
    for (const result of whole) {
      if (result.ok) {
        packets++;
        assertOk(wellFormed(result.value), `${encodeHex(bytes)}: ${summary([result])}`);
      } else {
        rejections++;
      }
    }
  }
  assertOk(packets > 100_000 && rejections > 10_000, `${packets} packets, ${rejections} rejected`);
});

Deno.test("packets: fuzz, 100,000 random bodies for every first byte: no exception", () => {
  const random = seededRandom(7);
  for (let i = 0; i < 100_000; i++) {
    const body = new Uint8Array(Math.floor(random() * 24)).map(() => Math.floor(random() * 256));
    const result = decodePacket(Math.floor(random() * 256), body);
    if (result.ok) assertOk(wellFormed(result.value), encodeHex(body));
  }
});

/**
 * MQTT 3.1.1 packets, the ones a publishing client needs: encoders for what
 * it sends (CONNECT, PUBLISH at QoS 0 and 1, PUBACK, SUBSCRIBE, PINGREQ,
 * DISCONNECT) and a decoder for what a broker sends it (CONNACK, PUBLISH at
 * QoS 0 and 1, PUBACK, SUBACK, PINGRESP). Pure: no sockets, no timers.
 *
 * Every packet is a fixed header (the type in the high nibble of the first
 * byte, flags in the low nibble), the remaining length (7 bits per byte,
 * least significant group first, the high bit set on every byte but the
 * last, at most 4 bytes), then the rest. Strings are UTF-8 behind a 2-byte
 * big-endian length.
 *
 * Encoders throw on a caller's mistake (a topic with a wildcard, a string
 * too long for its length field); the decoder never throws: malformed input
 * from the wire is a rejection.
 */
import { ok, reject, type Result } from "../result.ts";

/** Packet types, the high nibble of the first byte. */
const CONNECT = 1;
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBSCRIBE = 8;
const SUBACK = 9;
const PINGREQ = 12;
const PINGRESP = 13;
const DISCONNECT = 14;

/** Names of the packet types, for rejections. */
const TYPE_NAMES = [
  "reserved type 0",
  "CONNECT",
  "CONNACK",
  "PUBLISH",
  "PUBACK",
  "PUBREC",
  "PUBREL",
  "PUBCOMP",
  "SUBSCRIBE",
  "SUBACK",
  "UNSUBSCRIBE",
  "UNSUBACK",
  "PINGREQ",
  "PINGRESP",
  "DISCONNECT",
  "reserved type 15",
];

/** Largest remaining length the 4-byte field holds. */
export const MAX_REMAINING_LENGTH = 268_435_455;

/**
 * What the CONNACK return codes 1 to 5 of MQTT 3.1.1 mean; 0 is "accepted".
 * 4 and 5 are about the login (user name and password, or the broker's ACL).
 */
export const CONNACK_RETURN_CODES: Readonly<Record<number, string>> = {
  1: "unacceptable protocol version",
  2: "identifier rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorized",
};

/** The Last Will: published by the broker when the connection dies without DISCONNECT. */
export interface WillMessage {
  topic: string;
  payload: string | Uint8Array;
  /** 1 by default. */
  qos?: 0 | 1;
  /** True by default. */
  retain?: boolean;
}

/** The fields of a CONNECT packet. */
export interface ConnectPacket {
  /** May be empty only with a clean session (the broker then picks one). */
  clientId: string;
  /** Seconds the broker waits for a packet before it drops the client; 0 turns it off. */
  keepalive: number;
  /** Start with a new session, and end it with the connection. */
  clean: boolean;
  username?: string;
  /** Needs a `username` in MQTT 3.1.1. */
  password?: string | Uint8Array;
  will?: WillMessage;
}

/** A PUBLISH packet to send. */
export interface PublishPacket {
  topic: string;
  payload: string | Uint8Array;
  qos: 0 | 1;
  retain: boolean;
  /** The packet id (1 to 65535), for QoS 1 only. */
  id?: number;
  /** Set when sending a QoS 1 message again. */
  dup?: boolean;
}

/** One topic filter of a SUBSCRIBE, with the largest QoS wanted for it. */
export interface Subscription {
  filter: string;
  qos: 0 | 1;
}

/** A packet a broker sends a client, decoded. */
export type IncomingPacket =
  | {
    type: "connack";
    sessionPresent: boolean;
    /** 0 accepted; 1 to 5 refused, see {@link CONNACK_RETURN_CODES}. */
    returnCode: number;
  }
  | {
    type: "publish";
    topic: string;
    /** A copy: it does not share memory with the pushed chunk. */
    payload: Uint8Array;
    qos: 0 | 1;
    retain: boolean;
    dup: boolean;
    /** The packet id, for QoS 1: acknowledge it with {@link encodePuback}. */
    id?: number;
  }
  | { type: "puback"; id: number }
  | {
    type: "suback";
    id: number;
    /** Per filter, in order: the QoS granted (0, 1, 2), or 0x80 for a refused one. */
    granted: number[];
  }
  | { type: "pingresp" };

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string field; throws when it cannot be one. */
function stringBytes(text: string, what: string): Uint8Array {
  if (text.includes("\u0000")) throw new TypeError(`${what} must not contain U+0000`);
  const bytes = encoder.encode(text);
  if (bytes.length > 0xffff) {
    throw new RangeError(`${what} is ${bytes.length} bytes in UTF-8; at most 65535 fit`);
  }
  return bytes;
}

function binaryBytes(data: string | Uint8Array, what: string): Uint8Array {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  if (bytes.length > 0xffff) {
    throw new RangeError(`${what} is ${bytes.length} bytes; at most 65535 fit`);
  }
  return bytes;
}

function checkTopic(topic: string): Uint8Array {
  if (topic.length === 0) throw new TypeError("a topic must not be empty");
  if (/[+#]/.test(topic)) throw new TypeError(`topic ${topic} must not contain + or #`);
  return stringBytes(topic, "the topic");
}

function checkFilter(filter: string): Uint8Array {
  if (filter.length === 0) throw new TypeError("a topic filter must not be empty");
  const levels = filter.split("/");
  levels.forEach((level, i) => {
    const misplaced = (level.includes("+") && level !== "+") ||
      (level.includes("#") && (level !== "#" || i !== levels.length - 1));
    if (misplaced) throw new TypeError(`topic filter ${filter} has a misplaced wildcard`);
  });
  return stringBytes(filter, "the topic filter");
}

function checkId(id: number | undefined): number {
  if (id === undefined || !Number.isInteger(id) || id < 1 || id > 0xffff) {
    throw new RangeError(`packet id ${id} is not an integer from 1 to 65535`);
  }
  return id;
}

function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : 4;
}

/** A packet being written: its bytes and the position of the next one. */
interface Cursor {
  out: Uint8Array;
  at: number;
}

/** Allocates a packet with its fixed header written. */
function start(first: number, remaining: number): Cursor {
  if (remaining > MAX_REMAINING_LENGTH) {
    throw new RangeError(`a packet of ${remaining} bytes is larger than MQTT allows`);
  }
  const out = new Uint8Array(1 + lengthSize(remaining) + remaining);
  out[0] = first;
  let at = 1;
  let n = remaining;
  do {
    const digit = n & 0x7f;
    n = Math.floor(n / 128);
    out[at++] = n > 0 ? digit | 0x80 : digit;
  } while (n > 0);
  return { out, at };
}

function putU16(c: Cursor, value: number): void {
  c.out[c.at++] = value >> 8;
  c.out[c.at++] = value & 0xff;
}

function putField(c: Cursor, bytes: Uint8Array): void {
  putU16(c, bytes.length);
  c.out.set(bytes, c.at);
  c.at += bytes.length;
}

/** A CONNECT packet, protocol level 4 (MQTT 3.1.1). */
export function encodeConnect(packet: ConnectPacket): Uint8Array {
  const { keepalive, will } = packet;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 0xffff) {
    throw new RangeError(`keepalive ${keepalive} is not an integer from 0 to 65535 seconds`);
  }
  if (packet.clientId === "" && !packet.clean) {
    throw new TypeError("an empty client id needs a clean session");
  }
  if (packet.password !== undefined && packet.username === undefined) {
    throw new TypeError("MQTT 3.1.1 sends a password only with a user name");
  }
  const clientId = stringBytes(packet.clientId, "the client id");
  const willTopic = will && checkTopic(will.topic);
  const willPayload = will && binaryBytes(will.payload, "the will payload");
  const username = packet.username === undefined
    ? undefined
    : stringBytes(packet.username, "the user name");
  const password = packet.password === undefined
    ? undefined
    : binaryBytes(packet.password, "the password");
  let flags = packet.clean ? 0x02 : 0;
  if (will) {
    const qos = will.qos ?? 1;
    flags |= 0x04 | (qos << 3) | ((will.retain ?? true) ? 0x20 : 0);
  }
  if (password) flags |= 0x40;
  if (username) flags |= 0x80;
  const length = 10 + 2 + clientId.length +
    (will ? 4 + willTopic!.length + willPayload!.length : 0) +
    (username ? 2 + username.length : 0) + (password ? 2 + password.length : 0);
  const c = start(CONNECT << 4, length);
  c.out.set([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, flags], c.at); // "MQTT", level 4
  c.at += 8;
  putU16(c, keepalive);
  putField(c, clientId);
  if (will) {
    putField(c, willTopic!);
    putField(c, willPayload!);
  }
  if (username) putField(c, username);
  if (password) putField(c, password);
  return c.out;
}

/** A PUBLISH packet; QoS 1 needs a packet id. */
export function encodePublish(packet: PublishPacket): Uint8Array {
  const topic = checkTopic(packet.topic);
  const payload = typeof packet.payload === "string"
    ? encoder.encode(packet.payload)
    : packet.payload;
  const qos = packet.qos;
  if (qos !== 0 && qos !== 1) throw new RangeError(`QoS ${qos} is not 0 or 1`);
  const id = qos === 1 ? checkId(packet.id) : 0;
  const flags = (packet.dup && qos === 1 ? 0x08 : 0) | (qos << 1) | (packet.retain ? 1 : 0);
  const c = start((PUBLISH << 4) | flags, 2 + topic.length + (qos ? 2 : 0) + payload.length);
  putField(c, topic);
  if (qos) putU16(c, id);
  c.out.set(payload, c.at);
  return c.out;
}

/** The PUBACK that acknowledges an incoming QoS 1 PUBLISH. */
export function encodePuback(id: number): Uint8Array {
  checkId(id);
  return Uint8Array.of(PUBACK << 4, 2, id >> 8, id & 0xff);
}

/** A SUBSCRIBE packet for one or more topic filters. */
export function encodeSubscribe(id: number, subscriptions: readonly Subscription[]): Uint8Array {
  checkId(id);
  if (subscriptions.length === 0) throw new TypeError("SUBSCRIBE needs at least one filter");
  const filters = subscriptions.map(({ filter, qos }) => {
    if (qos !== 0 && qos !== 1) throw new RangeError(`QoS ${qos} is not 0 or 1`);
    return checkFilter(filter);
  });
  const length = 2 + filters.reduce((n, filter) => n + 3 + filter.length, 0);
  const c = start((SUBSCRIBE << 4) | 0x02, length);
  putU16(c, id);
  filters.forEach((filter, i) => {
    putField(c, filter);
    c.out[c.at++] = subscriptions[i].qos;
  });
  return c.out;
}

/** A PINGREQ packet. */
export function encodePingreq(): Uint8Array {
  return Uint8Array.of(PINGREQ << 4, 0);
}

/** A DISCONNECT packet: the broker then drops the Last Will. */
export function encodeDisconnect(): Uint8Array {
  return Uint8Array.of(DISCONNECT << 4, 0);
}

function malformed<T>(type: number, message: string): Result<T> {
  return reject("decode", `malformed ${TYPE_NAMES[type]}: ${message}`);
}

/** Validates the flags and length of a packet with a fixed body. */
function fixed<T>(type: number, flags: number, body: Uint8Array, length: number): Result<T> | null {
  if (flags !== 0) return malformed(type, `flags ${flags} instead of 0`);
  if (body.length !== length) {
    return malformed(type, `remaining length ${body.length} instead of ${length}`);
  }
  return null;
}

function packetId(body: Uint8Array, at: number): number {
  return (body[at] << 8) | body[at + 1];
}

function decodePublish(flags: number, body: Uint8Array): Result<IncomingPacket> {
  const qos = (flags >> 1) & 3;
  if (qos === 3) return malformed(PUBLISH, "QoS 3");
  if (qos === 2) {
    return reject("decode", "PUBLISH at QoS 2, which this client never subscribes with");
  }
  const header = 2 + (qos ? 2 : 0);
  if (body.length < header) return malformed(PUBLISH, `only ${body.length} bytes`);
  const topicLength = packetId(body, 0);
  if (topicLength === 0) return malformed(PUBLISH, "empty topic");
  if (header + topicLength > body.length) {
    return malformed(PUBLISH, `topic of ${topicLength} bytes in ${body.length} bytes`);
  }
  let topic: string;
  try {
    topic = utf8.decode(body.subarray(2, 2 + topicLength));
  } catch {
    return malformed(PUBLISH, "topic is not UTF-8");
  }
  if (/[+#]/.test(topic) || topic.includes("\u0000")) {
    return malformed(PUBLISH, "topic with a wildcard or U+0000");
  }
  const at = 2 + topicLength;
  const id = qos ? packetId(body, at) : undefined;
  if (id === 0) return malformed(PUBLISH, "packet id 0");
  return ok({
    type: "publish",
    topic,
    payload: body.slice(at + (qos ? 2 : 0)),
    qos: qos as 0 | 1,
    retain: (flags & 1) === 1,
    dup: (flags & 8) === 8,
    id,
  });
}

/**
 * Decodes one packet a broker sent: the first byte of its fixed header and
 * the `body` its remaining length spans. Packets a broker never sends to a
 * client of this kind (CONNECT, SUBSCRIBE, the QoS 2 exchange, UNSUBACK
 * without an UNSUBSCRIBE) are rejected, as is every malformed one.
 */
export function decodePacket(first: number, body: Uint8Array): Result<IncomingPacket> {
  const type = (first >> 4) & 15;
  const flags = first & 15;
  switch (type) {
    case CONNACK: {
      const bad = fixed<IncomingPacket>(type, flags, body, 2);
      if (bad) return bad;
      if (body[0] & 0xfe) return malformed(type, `acknowledge flags ${body[0]}`);
      if (body[1] > 5) return malformed(type, `unknown return code ${body[1]}`);
      return ok({ type: "connack", sessionPresent: body[0] === 1, returnCode: body[1] });
    }
    case PUBLISH:
      return decodePublish(flags, body);
    case PUBACK: {
      const bad = fixed<IncomingPacket>(type, flags, body, 2);
      if (bad) return bad;
      const id = packetId(body, 0);
      return id === 0 ? malformed(type, "packet id 0") : ok({ type: "puback", id });
    }
    case SUBACK: {
      if (flags !== 0) return malformed(type, `flags ${flags} instead of 0`);
      if (body.length < 3) return malformed(type, `only ${body.length} bytes`);
      const id = packetId(body, 0);
      if (id === 0) return malformed(type, "packet id 0");
      const granted = Array.from(body.subarray(2));
      const odd = granted.find((code) => code > 2 && code !== 0x80);
      if (odd !== undefined) return malformed(type, `return code ${odd}`);
      return ok({ type: "suback", id, granted });
    }
    case PINGRESP:
      return fixed<IncomingPacket>(type, flags, body, 0) ?? ok({ type: "pingresp" });
    default:
      return reject("decode", `unexpected ${TYPE_NAMES[type]} packet from the broker`);
  }
}

/** Options of a {@link PacketDecoder}. */
export interface PacketDecoderOptions {
  /** Largest remaining length accepted, in bytes (1 MiB); larger packets are skipped. */
  maxBytes?: number;
}

/** Decoder states: at the first byte, in the remaining length, in the body, out of step. */
const AT_TYPE = 0;
const IN_LENGTH = 1;
const IN_BODY = 2;
const LOST = 3;

/**
 * Splits a broker's byte stream, chunked any way, into packets and decodes
 * them. A packet longer than `maxBytes` is skipped (and rejected) without
 * being held; a remaining length of more than 4 bytes leaves the stream out
 * of step: it is rejected once, and every later byte is ignored.
 */
export class PacketDecoder {
  readonly #max: number;
  #state = AT_TYPE;
  #first = 0;
  #length = 0;
  #shift = 0;
  #lengthBytes = 0;
  /** The body being gathered across chunks, or undefined when skipping. */
  #body?: Uint8Array;
  #filled = 0;
  #skipping = false;

  /** Creates a decoder at the start of a stream. */
  constructor(options: PacketDecoderOptions = {}) {
    const max = options.maxBytes ?? 1 << 20;
    if (!Number.isInteger(max) || max < 2) throw new RangeError("maxBytes must be at least 2");
    this.#max = Math.min(max, MAX_REMAINING_LENGTH);
  }

  /** Whether a bad remaining length put the decoder out of step with the stream for good. */
  get lost(): boolean {
    return this.#state === LOST;
  }

  /** Feeds one chunk; returns the packets it completed and the rejections, in stream order. */
  push(chunk: Uint8Array): Result<IncomingPacket>[] {
    const out: Result<IncomingPacket>[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case AT_TYPE:
          this.#first = chunk[i++];
          this.#length = 0;
          this.#shift = 0;
          this.#lengthBytes = 0;
          this.#state = IN_LENGTH;
          break;
        case IN_LENGTH: {
          const byte = chunk[i++];
          this.#length += (byte & 0x7f) * 2 ** this.#shift;
          this.#shift += 7;
          this.#lengthBytes++;
          if (byte & 0x80) {
            if (this.#lengthBytes === 4) {
              this.#state = LOST;
              out.push(reject("framing", "remaining length longer than 4 bytes"));
              return out;
            }
            break;
          }
          this.#begin(out);
          break;
        }
        case IN_BODY: {
          const need = this.#length - this.#filled;
          const take = Math.min(need, n - i);
          if (this.#skipping) {
            this.#filled += take;
          } else if (this.#body === undefined && take === need) {
            // The whole body is in this chunk: decode it in place.
            out.push(decodePacket(this.#first, chunk.subarray(i, i + take)));
            this.#state = AT_TYPE;
            i += take;
            break;
          } else {
            this.#body ??= new Uint8Array(this.#length);
            this.#body.set(chunk.subarray(i, i + take), this.#filled);
            this.#filled += take;
          }
          i += take;
          if (this.#filled === this.#length) this.#finish(out);
          break;
        }
        default:
          return out;
      }
    }
    return out;
  }

  /** The remaining length is known: decode an empty body now, or start gathering. */
  #begin(out: Result<IncomingPacket>[]): void {
    this.#filled = 0;
    this.#body = undefined;
    this.#skipping = this.#length > this.#max;
    if (this.#skipping) {
      const name = TYPE_NAMES[this.#first >> 4];
      out.push(reject("framing", `${name} of ${this.#length} bytes skipped: over ${this.#max}`));
    }
    if (this.#length === 0) {
      out.push(decodePacket(this.#first, new Uint8Array(0)));
      this.#state = AT_TYPE;
    } else {
      this.#state = IN_BODY;
    }
  }

  #finish(out: Result<IncomingPacket>[]): void {
    if (!this.#skipping) out.push(decodePacket(this.#first, this.#body!));
    this.#body = undefined;
    this.#skipping = false;
    this.#state = AT_TYPE;
  }
}

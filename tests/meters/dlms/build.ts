/**
 * Builders of DLMS push bytes for the tests: A-XDR data, data-notifications,
 * general-glo-ciphering APDUs (sealed with node's AES-GCM), general-block-
 * transfer blocks, M-Bus long frames and HDLC frames.
 */
import { createCipheriv } from "node:crypto";
import { concat } from "../../../src/bytes.ts";
import { crc16X25 } from "../../../src/crc.ts";

/** An A-XDR length in the given form: short (when it fits) or with `bytes` length bytes. */
export function axdrLen(length: number, bytes = 0): Uint8Array {
  if (bytes === 0 && length < 0x80) return Uint8Array.of(length);
  const size = bytes || (length < 0x100 ? 1 : length < 0x10000 ? 2 : length < 0x1000000 ? 3 : 4);
  const out = new Uint8Array(1 + size);
  out[0] = 0x80 + size;
  for (let i = size; i >= 1; i--, length = Math.floor(length / 256)) out[i] = length & 0xff;
  return out;
}

/** A-XDR encoders of the Data types used here. */
export const ax = {
  null: () => Uint8Array.of(0x00),
  array: (...items: Uint8Array[]) => concat(Uint8Array.of(0x01), axdrLen(items.length), ...items),
  structure: (...items: Uint8Array[]) =>
    concat(Uint8Array.of(0x02), axdrLen(items.length), ...items),
  boolean: (value: boolean) => Uint8Array.of(0x03, value ? 1 : 0),
  octets: (bytes: Uint8Array | number[], lengthBytes = 0) =>
    concat(Uint8Array.of(0x09), axdrLen(bytes.length, lengthBytes), Uint8Array.from(bytes)),
  text: (text: string) => ax.octets(new TextEncoder().encode(text)),
  visible: (text: string) =>
    concat(Uint8Array.of(0x0a), axdrLen(text.length), new TextEncoder().encode(text)),
  obis: (...groups: number[]) => ax.octets(groups.length === 5 ? [...groups, 255] : groups),
  i8: (v: number) => Uint8Array.of(0x0f, v & 0xff),
  i16: (v: number) => Uint8Array.of(0x10, (v >> 8) & 0xff, v & 0xff),
  u8: (v: number) => Uint8Array.of(0x11, v),
  u16: (v: number) => Uint8Array.of(0x12, v >> 8, v & 0xff),
  i32: (v: number) => withView(0x05, 4, (d) => d.setInt32(0, v)),
  u32: (v: number) => withView(0x06, 4, (d) => d.setUint32(0, v)),
  i64: (v: bigint) => withView(0x14, 8, (d) => d.setBigInt64(0, v)),
  u64: (v: bigint) => withView(0x15, 8, (d) => d.setBigUint64(0, v)),
  f32: (v: number) => withView(0x17, 4, (d) => d.setFloat32(0, v)),
  f64: (v: number) => withView(0x18, 8, (d) => d.setFloat64(0, v)),
  enum: (v: number) => Uint8Array.of(0x16, v),
  scalerUnit: (scaler: number, unit: number) => ax.structure(ax.i8(scaler), ax.enum(unit)),
};

function withView(tag: number, size: number, set: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(1 + size);
  out[0] = tag;
  set(new DataView(out.buffer, 1));
  return out;
}

/** A 12-byte COSEM date-time. */
export function dateTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  deviation = -60,
  status = 0,
): Uint8Array {
  const out = Uint8Array.of(0, 0, month, day, 0xff, hour, minute, second, 0, 0, 0, status);
  const view = new DataView(out.buffer);
  view.setUint16(0, year);
  view.setInt16(9, deviation);
  return out;
}

/** A data-notification APDU. */
export function notification(invokeId: number, body: Uint8Array, time?: Uint8Array): Uint8Array {
  const head = new Uint8Array(5);
  head[0] = 0x0f;
  new DataView(head.buffer).setUint32(1, invokeId);
  return concat(head, time ? concat(Uint8Array.of(time.length), time) : Uint8Array.of(0), body);
}

/** Options of {@link glo}. */
export interface SealOptions {
  key: Uint8Array;
  authKey?: Uint8Array;
  securityControl?: number;
  systemTitle?: Uint8Array;
  frameCounter?: number;
  /** Length bytes of the APDU length (0: shortest form). */
  lengthBytes?: number;
}

/** Seals a plaintext APDU as general-glo-ciphering (the tag appended when SC has 0x10). */
export function glo(plain: Uint8Array, options: SealOptions): Uint8Array {
  const sc = options.securityControl ?? 0x20;
  const title = options.systemTitle ?? Uint8Array.of(0x4b, 0x46, 0x4d, 0x67, 0x50, 0, 0, 9);
  const fc = options.frameCounter ?? 0x23;
  const nonce = new Uint8Array(12);
  nonce.set(title);
  new DataView(nonce.buffer).setUint32(8, fc);
  const cipher = createCipheriv("aes-128-gcm", options.key, nonce, { authTagLength: 12 });
  const aad = new Uint8Array(17);
  aad[0] = sc;
  if (options.authKey) aad.set(options.authKey, 1);
  cipher.setAAD(aad);
  const text = new Uint8Array(cipher.update(plain));
  cipher.final();
  const tag = sc & 0x10 ? new Uint8Array(cipher.getAuthTag()) : new Uint8Array(0);
  const security = new Uint8Array(5);
  security[0] = sc;
  new DataView(security.buffer).setUint32(1, fc);
  const body = concat(security, text, tag);
  return concat(
    Uint8Array.of(0xdb, 0x08),
    title,
    axdrLen(body.length, options.lengthBytes ?? 0),
    body,
  );
}

/** General-block-transfer blocks of an APDU, `size` bytes of raw data each, numbered from `first`. */
export function blocks(apdu: Uint8Array, size: number, first = 1): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, n = first; at < apdu.length; at += size, n++) {
    const data = apdu.subarray(at, at + size);
    const last = at + size >= apdu.length;
    out.push(
      concat(
        Uint8Array.of(0xe0, last ? 0xc0 : 0x40, n >> 8, n & 0xff, 0, 0),
        axdrLen(data.length),
        data,
      ),
    );
  }
  return out;
}

/** One M-Bus long frame around `data` with the CI given (checksum and stop byte right). */
export function mbusFrame(ci: number, data: Uint8Array, control = 0x53): Uint8Array {
  const body = concat(Uint8Array.of(control, 0xff, ci, 0x01, 0x67), data);
  let sum = 0;
  for (const byte of body) sum += byte;
  const l = body.length === 0x101 ? 0x01 : body.length;
  return concat(Uint8Array.of(0x68, l, l, 0x68), body, Uint8Array.of(sum & 0xff, 0x16));
}

/** An APDU as M-Bus segments of at most `size` data bytes (CI 00, 01, …, FIN on the last). */
export function mbusSegments(apdu: Uint8Array, size = 245): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, n = 0; at < apdu.length || n === 0; at += size, n++) {
    const last = at + size >= apdu.length;
    if (n > 15) throw new RangeError("more than 16 M-Bus segments");
    out.push(mbusFrame((last ? 0x10 : 0) | n, apdu.subarray(at, at + size)));
  }
  return out;
}

/** One HDLC frame with flags, HCS and FCS; `segmented` sets the A8 format. */
export function hdlcFrame(
  info: Uint8Array,
  options: { segmented?: boolean; control?: number; destination?: number[] } = {},
): Uint8Array {
  const destination = options.destination ?? [0xce, 0xff];
  const header = [0, 0, ...destination, 0x03, options.control ?? 0x13];
  const hasInfo = info.length > 0;
  const length = header.length + (hasInfo ? 2 + info.length : 0) + 2;
  header[0] = (options.segmented ? 0xa8 : 0xa0) | (length >> 8);
  header[1] = length & 0xff;
  const head = Uint8Array.from(header);
  const hcs = crc16X25(head);
  const upToInfo = hasInfo ? concat(head, Uint8Array.of(hcs & 0xff, hcs >> 8), info) : head;
  const fcs = crc16X25(upToInfo);
  return concat(Uint8Array.of(0x7e), upToInfo, Uint8Array.of(fcs & 0xff, fcs >> 8, 0x7e));
}

/** An APDU as HDLC frames with the LLC header on the first, `size` info bytes each. */
export function hdlcSegments(apdu: Uint8Array, size = 200, iFrames = false): Uint8Array[] {
  const info = concat(Uint8Array.of(0xe6, 0xe7, 0x00), apdu);
  const out: Uint8Array[] = [];
  for (let at = 0, n = 0; at < info.length; at += size, n++) {
    const last = at + size >= info.length;
    const control = iFrames ? ((n & 7) << 1) | 0x10 : 0x13;
    out.push(hdlcFrame(info.subarray(at, at + size), { segmented: !last, control }));
  }
  return out;
}

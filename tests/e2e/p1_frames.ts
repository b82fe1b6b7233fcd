/** Building P1 test frames: DSMR telegrams with a correct CRC, and T210 frames encrypted like a meter. */
import { crc16Arc } from "../../src/crc.ts";
import { decodeHex, latin1 } from "../../src/bytes.ts";
import { sharedUrl } from "../shared.ts";

/** A shared vector file as text. */
export function sharedText(path: string): string {
  return Deno.readTextFileSync(sharedUrl(path));
}

/** A shared vector file as bytes. */
export function sharedBytes(path: string): Uint8Array {
  return Deno.readFileSync(sharedUrl(path));
}

/** A telegram with its CRC recomputed after `edit` changed its text. */
export function editTelegram(telegram: string, edit: (body: string) => string): string {
  const body = edit(telegram.slice(0, telegram.lastIndexOf("!") + 1));
  const crc = crc16Arc(latin1(body)).toString(16).toUpperCase().padStart(4, "0");
  return `${body}${crc}\r\n`;
}

/**
 * A T210-D-r frame of `plain` as a meter sends it: AES-128-CTR with the
 * counter block systemTitle ‖ counter ‖ 00000002, and a tag of zeros (the
 * tag is not checked without an authentication key).
 */
export async function encryptT210(
  plain: Uint8Array<ArrayBuffer>,
  keyHex: string,
  counter: number,
  systemTitle = decodeHex("534147350000d28f"),
): Promise<Uint8Array> {
  const iv = new Uint8Array(16);
  iv.set(systemTitle);
  new DataView(iv.buffer).setUint32(8, counter);
  iv[15] = 2;
  const key = await crypto.subtle.importKey("raw", decodeHex(keyHex), "AES-CTR", false, [
    "encrypt",
  ]);
  const cipher = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-CTR", counter: iv, length: 32 }, key, plain),
  );
  const length = 1 + 4 + cipher.length + 12;
  const frame = new Uint8Array(13 + length);
  frame.set([0xdb, 0x08]);
  frame.set(systemTitle, 2);
  frame.set([0x82, length >> 8, length & 0xff, 0x30], 10);
  new DataView(frame.buffer).setUint32(14, counter);
  frame.set(cipher, 18);
  return frame;
}

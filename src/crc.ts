/**
 * The CRC-16 variants smr's meters use, each named as in the CRC catalogue
 * with its check value (the CRC of the ASCII text "123456789"):
 *
 * | function      | used by                  | poly   | reflected | init   | xorout | check  |
 * | ------------- | ------------------------ | ------ | --------- | ------ | ------ | ------ |
 * | `crc16Arc`    | DSMR P1 telegrams        | 0x8005 | yes       | 0x0000 | 0x0000 | 0xBB3D |
 * | `crc16Xmodem` | Kamstrup KMP frames      | 0x1021 | no        | 0x0000 | 0x0000 | 0x31C3 |
 * | `crc16X25`    | SML transport, HDLC FCS  | 0x1021 | yes       | 0xFFFF | 0xFFFF | 0x906E |
 * | `crc16Kermit` | SML of Holley DTZ541     | 0x1021 | yes       | 0x0000 | 0x0000 | 0x2189 |
 *
 * Each takes `bytes[start, end)`, the whole array by default.
 */

/**
 * Slicing-by-4 tables for CRC-16/ARC: `T[k][b]` is the CRC contribution of
 * byte `b` followed by `k` zero bytes, so four bytes fold into the CRC per
 * step. DSMR telegrams are the longest input and arrive every second.
 */
const [ARC0, ARC1, ARC2, ARC3] = slicingTables(reflectedTable(0xa001));
const KERMIT = reflectedTable(0x8408);
const XMODEM = forwardTable(0x1021);

function reflectedTable(poly: number): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ poly : crc >>> 1;
    table[byte] = crc;
  }
  return table;
}

function forwardTable(poly: number): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ poly : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
}

function slicingTables(t0: Uint16Array): Uint16Array[] {
  const tables = [t0];
  for (let k = 1; k < 4; k++) {
    const previous = tables[k - 1];
    tables.push(Uint16Array.from(previous, (p) => (p >>> 8) ^ t0[p & 0xff]));
  }
  return tables;
}

function reflected(
  table: Uint16Array,
  init: number,
  bytes: Uint8Array,
  start: number,
  end: number,
) {
  let crc = init;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ table[(crc ^ bytes[i]) & 0xff];
  return crc;
}

/** CRC-16/ARC (DSMR P1). */
export function crc16Arc(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  let crc = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const x = crc ^ bytes[i] ^ (bytes[i + 1] << 8);
    crc = ARC3[x & 0xff] ^ ARC2[x >>> 8] ^ ARC1[bytes[i + 2]] ^ ARC0[bytes[i + 3]];
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ ARC0[(crc ^ bytes[i]) & 0xff];
  return crc;
}

/**
 * CRC-16/XMODEM (Kamstrup KMP), appended big endian: over a frame that ends
 * in its own CRC it gives 0.
 */
export function crc16Xmodem(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xff00) ^ XMODEM[(crc >> 8) ^ bytes[i]];
  return crc;
}

/** CRC-16/X-25, also called CRC-16/IBM-SDLC (SML transport, HDLC HCS and FCS), sent LSB first. */
export function crc16X25(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  return reflected(KERMIT, 0xffff, bytes, start, end) ^ 0xffff;
}

/** CRC-16/KERMIT: the X-25 polynomial with no initial value and no final XOR. */
export function crc16Kermit(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  return reflected(KERMIT, 0, bytes, start, end);
}

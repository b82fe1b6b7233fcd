/**
 * CRC-16/ARC, the checksum of DSMR P1 telegrams: polynomial 0x8005 processed
 * LSB-first (reflected constant 0xA001), initial value 0, no final XOR.
 * Check value: "123456789" → 0xBB3D.
 */

/**
 * Slicing-by-4 tables: `T[k][b]` is the CRC contribution of byte `b`
 * followed by `k` zero bytes, so four bytes fold into the CRC per step.
 */
const [T0, T1, T2, T3] = buildTables();

function buildTables(): Uint16Array[] {
  const tables = [0, 1, 2, 3].map(() => new Uint16Array(256));
  const [t0] = tables;
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    t0[byte] = crc;
  }
  for (let k = 1; k < 4; k++) {
    for (let byte = 0; byte < 256; byte++) {
      const previous = tables[k - 1][byte];
      tables[k][byte] = (previous >>> 8) ^ t0[previous & 0xff];
    }
  }
  return tables;
}

/** CRC-16/ARC of `bytes[start, end)` (the whole array by default). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const x = crc ^ bytes[i] ^ (bytes[i + 1] << 8);
    crc = T3[x & 0xff] ^ T2[x >>> 8] ^ T1[bytes[i + 2]] ^ T0[bytes[i + 3]];
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ T0[(crc ^ bytes[i]) & 0xff];
  return crc;
}

/** Formats a CRC as the four upper-case hex digits a telegram carries (`0B9F`). */
export function formatCrc(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * CRC-16/XMODEM, the checksum of KMP frames: polynomial 0x1021, initial value
 * 0, no reflection, no final xor. Computed over destination, command id and
 * data, and appended big endian; over a frame including its CRC it gives 0.
 */

const TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    }
    table[byte] = crc & 0xffff;
  }
  return table;
}

/**
 * CRC-16/XMODEM of `bytes[start..end)`: 0x31C3 for ASCII "123456789", 0 over
 * a KMP payload that ends in its own CRC.
 */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xff00) ^ TABLE[(crc >> 8) ^ bytes[i]];
  return crc;
}

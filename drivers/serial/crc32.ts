/**
 * CRC-32/ISO-HDLC (ISO/IEC 13239; the CRC of ISO 3309 HDLC and IEEE 802.3):
 * reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF.
 * Check value: crc32("123456789") = 0xCBF43926. Used by the card control
 * framing (hardware/proto/README.md "Framing").
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC of bytes[start, end); `crc` chains a previous result (0 to start). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = (TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return ~c >>> 0;
}

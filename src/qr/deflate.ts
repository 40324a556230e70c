/**
 * A small zlib (RFC 1950) / DEFLATE (RFC 1951) encoder for QR images, plus CRC-32 for PNG chunks.
 *
 * Why our own: a PNG needs only these two, and a general-purpose compressor is either a
 * `node:zlib` import (not in browsers or edge runtimes), an async `CompressionStream`, or a
 * dependency larger than all of totpkit's QR code. QR rasters are runs of identical bytes and
 * rows repeated `moduleSize` times, so one fixed-Huffman block whose matches look back either
 * one byte or exactly one row compresses them to a few percent of their size.
 *
 * @module
 */

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const MAX_MATCH = 258;
const MAX_DISTANCE = 32768;

class BitWriter {
  private bytes: number[] = [];
  private bit = 0;
  private current = 0;

  /** `count` bits of `value`, least significant first (RFC 1951 §3.1.1 data elements). */
  bits(value: number, count: number): void {
    for (let i = 0; i < count; i++) {
      this.current |= ((value >>> i) & 1) << this.bit;
      if (++this.bit === 8) {
        this.bytes.push(this.current);
        this.bit = 0;
        this.current = 0;
      }
    }
  }

  /** A Huffman code, most significant bit first (RFC 1951 §3.1.1 Huffman codes). */
  code(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bits((value >>> i) & 1, 1);
  }

  finish(): number[] {
    if (this.bit > 0) this.bytes.push(this.current);
    return this.bytes;
  }
}

/** Fixed literal/length code for symbol 0..287 (RFC 1951 §3.2.6). */
function literal(w: BitWriter, symbol: number): void {
  if (symbol < 144) w.code(0x30 + symbol, 8);
  else if (symbol < 256) w.code(0x190 + symbol - 144, 9);
  else if (symbol < 280) w.code(symbol - 256, 7);
  else w.code(0xc0 + symbol - 280, 8);
}

function match(w: BitWriter, length: number, distance: number): void {
  let l = LENGTH_BASE.length - 1;
  while (LENGTH_BASE[l]! > length) l--;
  literal(w, 257 + l);
  w.bits(length - LENGTH_BASE[l]!, LENGTH_EXTRA[l]!);
  let d = DIST_BASE.length - 1;
  while (DIST_BASE[d]! > distance) d--;
  w.code(d, 5);
  w.bits(distance - DIST_BASE[d]!, DIST_EXTRA[d]!);
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * zlib-wrapped DEFLATE of `data`, using matches at distance 1 (runs) and `rowLength` (repeated
 * rows) only.
 *
 * @internal
 */
export function zlibDeflate(data: Uint8Array, rowLength: number): Uint8Array {
  const w = new BitWriter();
  w.bits(1, 1); // BFINAL: the only block
  w.bits(1, 2); // BTYPE 01: fixed Huffman codes
  const n = data.length;
  const row = rowLength <= MAX_DISTANCE ? rowLength : 0;
  let i = 0;
  while (i < n) {
    let best = 0;
    let distance = 0;
    if (row > 0 && i >= row) {
      let l = 0;
      while (l < MAX_MATCH && i + l < n && data[i + l] === data[i + l - row]) l++;
      if (l >= 3) {
        best = l;
        distance = row;
      }
    }
    if (best < MAX_MATCH && i >= 1) {
      let l = 0;
      while (l < MAX_MATCH && i + l < n && data[i + l] === data[i + l - 1]) l++;
      if (l >= 3 && l > best) {
        best = l;
        distance = 1;
      }
    }
    if (best >= 3) {
      match(w, best, distance);
      i += best;
    } else {
      literal(w, data[i]!);
      i++;
    }
  }
  literal(w, 256); // end of block
  const body = w.finish();
  const out = new Uint8Array(2 + body.length + 4);
  out[0] = 0x78; // CM 8 (deflate), CINFO 7 (32 KiB window)
  out[1] = 0x01; // FLEVEL 0, FCHECK so that 0x7801 % 31 === 0
  out.set(body, 2);
  const check = adler32(data);
  out[out.length - 4] = check >>> 24;
  out[out.length - 3] = check >>> 16;
  out[out.length - 2] = check >>> 8;
  out[out.length - 1] = check;
  return out;
}

const CRC_TABLE = /* @__PURE__ */ (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of `parts` concatenated. @internal */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const part of parts) for (let i = 0; i < part.length; i++) c = CRC_TABLE[(c ^ part[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

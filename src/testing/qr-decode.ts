/**
 * A small QR decoder for clean module matrices (what a renderer produced, not a photo), so the
 * simulated authenticator can "scan" a QR code the way a phone does.
 *
 * It reads the symbol the way ISO/IEC 18004 lays it out: skip the function patterns, read the
 * codewords in the zig-zag order, undo one of the 8 masks, split the interleaved Reed-Solomon
 * blocks, and parse the segments (numeric, alphanumeric, byte, Kanji, ECI). Instead of carrying the standard's 160-row
 * block table,
 * it tries every block layout `(blocks, ecPerBlock)` that fits the symbol and keeps the one whose
 * error-correction codewords *verify* under Reed-Solomon: a wrong layout or mask cannot pass that
 * check by accident. It corrects no errors; a matrix with any damage is refused.
 *
 * @module
 */
import { TotpkitError } from '../errors.js';

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x <<= 1;
  if (x & 0x100) x ^= 0x11d;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!);

/** The Reed-Solomon error-correction codewords of `data` with `ec` of them (ISO/IEC 18004 §7.5.2). */
function reedSolomon(data: Uint8Array, ec: number): Uint8Array {
  let generator = [1];
  for (let i = 0; i < ec; i++) {
    const next = new Array<number>(generator.length + 1).fill(0);
    for (let j = 0; j < generator.length; j++) {
      next[j]! ^= generator[j]!;
      next[j + 1]! ^= mul(generator[j]!, EXP[i]!);
    }
    generator = next;
  }
  const remainder = new Uint8Array(ec);
  for (const byte of data) {
    const factor = byte ^ remainder[0]!;
    remainder.copyWithin(0, 1);
    remainder[ec - 1] = 0;
    for (let j = 0; j < ec; j++) remainder[j]! ^= mul(generator[j + 1]!, factor);
  }
  return remainder;
}

const MASKS: ((i: number, j: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

/** Centres of the alignment patterns of a version (ISO/IEC 18004 Annex E). */
function alignmentPositions(version: number): number[] {
  if (version === 1) return [];
  const size = version * 4 + 17;
  const count = Math.floor(version / 7) + 2;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const positions = [6];
  for (let pos = size - 7; positions.length < count; pos -= step) positions.splice(1, 0, pos);
  return positions;
}

/** Which modules belong to function patterns (finders, separators, format and version info, timing, alignment). */
function functionModules(version: number): boolean[][] {
  const n = version * 4 + 17;
  const f = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  const fill = (r0: number, c0: number, h: number, w: number): void => {
    for (let r = r0; r < r0 + h; r++)
      for (let c = c0; c < c0 + w; c++) if (r >= 0 && r < n && c >= 0 && c < n) f[r]![c] = true;
  };
  fill(0, 0, 9, 9);
  fill(0, n - 8, 9, 8);
  fill(n - 8, 0, 8, 9);
  fill(6, 0, 1, n);
  fill(0, 6, n, 1);
  const align = alignmentPositions(version);
  for (const r of align) {
    for (const c of align) {
      if ((r === 6 && c === 6) || (r === 6 && c === n - 7) || (r === n - 7 && c === 6)) continue;
      fill(r - 2, c - 2, 5, 5);
    }
  }
  if (version >= 7) {
    fill(0, n - 11, 6, 3);
    fill(n - 11, 0, 3, 6);
  }
  return f;
}

/** The raw codewords in placement order, unmasked with `mask`. */
function readCodewords(modules: boolean[][], fn: boolean[][], mask: (i: number, j: number) => boolean): Uint8Array {
  const n = modules.length;
  const bits: number[] = [];
  let upward = true;
  for (let right = n - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // the vertical timing pattern takes a whole column
    for (let k = 0; k < n; k++) {
      const row = upward ? n - 1 - k : k;
      for (const col of [right, right - 1]) {
        if (fn[row]![col]) continue;
        bits.push(Number(modules[row]![col]! !== mask(row, col)));
      }
    }
    upward = !upward;
  }
  const out = new Uint8Array(Math.floor(bits.length / 8));
  for (let i = 0; i < out.length; i++) {
    let b = 0;
    for (let k = 0; k < 8; k++) b = (b << 1) | bits[i * 8 + k]!;
    out[i] = b;
  }
  return out;
}

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** Bits of a segment's character count, by mode and version band (ISO/IEC 18004 Table 3). */
function countBits(mode: 'numeric' | 'alphanumeric' | 'byte' | 'kanji', version: number): number {
  const band = version <= 9 ? 0 : version <= 26 ? 1 : 2;
  return { numeric: [10, 12, 14], alphanumeric: [9, 11, 13], byte: [8, 16, 16], kanji: [8, 10, 12] }[mode][band]!;
}

/** A run of payload bytes and the character set they are in. */
interface Run {
  charset: 'utf-8' | 'iso-8859-1' | 'shift_jis';
  bytes: number[];
}

/** ECI assignment numbers this decoder knows (ISO/IEC 18004 §6.4.2; AIM ECI): the rest are refused. */
function eciCharset(eci: number): Run['charset'] | undefined {
  if (eci === 26) return 'utf-8';
  if (eci === 1 || eci === 3) return 'iso-8859-1';
  if (eci === 20) return 'shift_jis';
  return undefined;
}

/**
 * The payload of a data stream as text, or `undefined` when the stream is not well formed (this
 * layout or mask is not the right one). Reads every segment mode a text payload uses: numeric,
 * alphanumeric, byte, Kanji, and ECI designators that switch the byte character set. Byte data
 * without an ECI is read as UTF-8, as every authenticator app does with otpauth URIs (the
 * standard's default, ISO-8859-1, agrees with it on ASCII).
 *
 * @throws TotpkitError `ERR_QR_UNREADABLE` for a well-formed stream this decoder cannot read
 *   (structured append, FNC1, an unknown ECI)
 */
function parseSegments(data: Uint8Array, version: number): string | undefined {
  let pos = 0;
  const total = data.length * 8;
  const take = (count: number): number => {
    let v = 0;
    for (let i = 0; i < count; i++, pos++) v = v * 2 + ((data[pos >> 3]! >> (7 - (pos & 7))) & 1);
    return v;
  };
  const runs: Run[] = [{ charset: 'utf-8', bytes: [] }];
  let charset: Run['charset'] = 'utf-8';
  const emit = (byte: number, as: Run['charset'] = charset): void => {
    if (runs.at(-1)!.charset !== as) runs.push({ charset: as, bytes: [] });
    runs.at(-1)!.bytes.push(byte);
  };
  while (pos + 4 <= total) {
    const mode = take(4);
    if (mode === 0b0000) break; // terminator
    if (mode === 0b0111) {
      // ECI designator: 1, 2 or 3 bytes, told apart by their leading bits.
      if (pos + 8 > total) return undefined;
      const first = take(8);
      const eci =
        (first & 0x80) === 0
          ? first
          : (first & 0xc0) === 0x80
            ? ((first & 0x3f) << 8) | take(8)
            : ((first & 0x1f) << 16) | take(16);
      const next = eciCharset(eci);
      if (next === undefined)
        throw new TotpkitError(
          'ERR_QR_UNREADABLE',
          `the symbol uses ECI ${eci}, a character set this decoder does not read`,
        );
      charset = next;
      continue;
    }
    if (mode === 0b0001) {
      const count = take(countBits('numeric', version));
      for (let left = count; left > 0; left -= 3) {
        const digits = Math.min(3, left);
        const bits = digits === 3 ? 10 : digits === 2 ? 7 : 4;
        if (pos + bits > total) return undefined;
        const value = take(bits);
        if (value >= 10 ** digits) return undefined;
        for (const ch of String(value).padStart(digits, '0')) emit(ch.charCodeAt(0), 'utf-8');
      }
    } else if (mode === 0b0010) {
      const count = take(countBits('alphanumeric', version));
      for (let left = count; left > 0; left -= 2) {
        const pair = left >= 2;
        if (pos + (pair ? 11 : 6) > total) return undefined;
        const value = take(pair ? 11 : 6);
        const chars = pair ? [Math.floor(value / 45), value % 45] : [value];
        for (const c of chars) {
          if (c >= 45) return undefined;
          emit(ALPHANUMERIC.charCodeAt(c), 'utf-8');
        }
      }
    } else if (mode === 0b0100) {
      const count = take(countBits('byte', version));
      if (pos + count * 8 > total) return undefined;
      for (let i = 0; i < count; i++) emit(take(8));
    } else if (mode === 0b1000) {
      // Kanji: 13 bits a character, folded from Shift_JIS (ISO/IEC 18004 §7.4.6).
      const count = take(countBits('kanji', version));
      if (pos + count * 13 > total) return undefined;
      for (let i = 0; i < count; i++) {
        const value = take(13);
        const folded = Math.floor(value / 0xc0) * 0x100 + (value % 0xc0);
        const sjis = folded + (folded + 0x8140 <= 0x9ffc ? 0x8140 : 0xc140);
        emit(sjis >> 8, 'shift_jis');
        emit(sjis & 0xff, 'shift_jis');
      }
    } else if (mode === 0b0011 || mode === 0b0101 || mode === 0b1001) {
      throw new TotpkitError(
        'ERR_QR_UNREADABLE',
        'the symbol uses structured append or FNC1, which this decoder does not read',
      );
    } else {
      return undefined; // not a mode: this layout or mask is not the right one
    }
  }
  // What follows must be the standard padding: zero bits to a byte boundary, then 0xEC 0x11 …
  const firstPad = Math.ceil(pos / 8);
  for (let i = firstPad, k = 0; i < data.length; i++, k++)
    if (data[i] !== (k % 2 === 0 ? 0xec : 0x11)) return undefined;
  return runs.map((r) => new TextDecoder(r.charset, { fatal: false }).decode(new Uint8Array(r.bytes))).join('');
}

const EC_PER_BLOCK = [7, 10, 13, 15, 16, 17, 18, 20, 22, 24, 26, 28, 30];

/**
 * Decode a clean QR module matrix (`modules[row][col]`, `true` = dark, without quiet zone) and
 * return its payload as text. Every segment mode a text payload uses is read: numeric,
 * alphanumeric, byte, Kanji and ECI (UTF-8, ISO-8859-1, Shift_JIS); byte data without an ECI is
 * UTF-8.
 *
 * @param modules - the matrix, e.g. `toMatrix(uri).modules`
 * @returns the payload text
 * @throws TotpkitError `ERR_QR_UNREADABLE` when the matrix is not a readable QR symbol, or uses a
 *   feature this decoder does not read (structured append, FNC1, another ECI)
 * @example
 * ```ts
 * decodeQrMatrix(toMatrix(uri).modules) === uri
 * ```
 */
export function decodeQrMatrix(modules: boolean[][]): string {
  const n = Array.isArray(modules) ? modules.length : 0;
  const version = (n - 17) / 4;
  if (
    !Number.isInteger(version) ||
    version < 1 ||
    version > 40 ||
    !modules.every((r) => Array.isArray(r) && r.length === n)
  ) {
    throw new TotpkitError('ERR_QR_UNREADABLE', 'not a QR module matrix (size must be 21..177, 17 + 4·version)');
  }
  const fn = functionModules(version);
  let unreadable: unknown;
  for (const mask of MASKS) {
    const codewords = readCodewords(modules, fn, mask);
    const c = codewords.length;
    // Most error correction first. A Reed-Solomon generator with fewer EC symbols divides one with
    // more, so a real block also "verifies" when read as a longer data part with fewer EC symbols;
    // the true layout is the one with the most EC codewords that verifies.
    const layouts: [blocks: number, ec: number][] = [];
    for (let blocks = 1; blocks <= 81; blocks++)
      for (const ec of EC_PER_BLOCK) if (c - blocks * ec >= blocks) layouts.push([blocks, ec]);
    layouts.sort((x, y) => y[0] * y[1] - x[0] * x[1]);
    for (const [blocks, ec] of layouts) {
      const d = c - blocks * ec;
      const short = Math.floor(d / blocks);
      const long = d % blocks;
      // De-interleave: data codewords column by column (short blocks first), then EC likewise.
      const dataBlocks = Array.from({ length: blocks }, (_, b) => new Uint8Array(short + (b >= blocks - long ? 1 : 0)));
      let i = 0;
      for (let k = 0; k <= short; k++) for (const block of dataBlocks) if (k < block.length) block[k] = codewords[i++]!;
      const data = new Uint8Array(d);
      let o = 0;
      for (const block of dataBlocks) {
        data.set(block, o);
        o += block.length;
      }
      let payload: string | undefined;
      try {
        payload = parseSegments(data, version);
      } catch (error) {
        // A stream this decoder cannot read counts only if its error correction verifies too.
        unreadable = error;
        continue;
      }
      if (payload === undefined) continue;
      let valid = true;
      for (let b = 0; b < blocks && valid; b++) {
        const expected = reedSolomon(dataBlocks[b]!, ec);
        for (let k = 0; k < ec; k++) if (codewords[d + k * blocks + b] !== expected[k]) valid = false;
      }
      if (valid) return payload;
    }
  }
  if (unreadable !== undefined) throw unreadable;
  throw new TotpkitError(
    'ERR_QR_UNREADABLE',
    'no QR payload could be read from this matrix (damaged, or not a QR symbol)',
  );
}

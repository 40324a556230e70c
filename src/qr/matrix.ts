/**
 * The QR module matrix, built with `qrcode-generator`.
 *
 * Text is encoded as UTF-8 in byte mode. qrcode-generator's default `stringToBytes` keeps only each
 * character's low byte, and swapping in its UTF-8 variant means assigning a module-level global
 * that every other user of the library shares; instead we hand it a string whose characters are
 * already the UTF-8 bytes, which the default keeps exactly. An `otpauth://` URI from
 * `buildOtpauthUri` is ASCII, so for it this changes nothing.
 *
 * @module
 */
import qrcode from 'qrcode-generator';
import { DEFAULT_QR_EC_LEVEL, QR_BYTE_CAPACITY } from '../constants.js';
import { TotpkitError } from '../errors.js';
import { optionsObject, typeError } from '../internal/assert.js';
import { utf8 } from '../internal/bytes.js';
import { EC_LEVELS, enumOption } from '../internal/options.js';

/** QR error-correction level: recovers about 7%, 15%, 25% or 30% of the symbol. */
export type QrEcLevel = 'L' | 'M' | 'Q' | 'H';

/** A QR symbol without its quiet zone: `modules[row][column]` is `true` for a dark module. */
export interface QrMatrix {
  /** Modules per side (21 for version 1, up to 177 for version 40). */
  readonly size: number;
  /** QR version 1..40, the smallest that holds the text at this level. */
  readonly version: number;
  readonly ecLevel: QrEcLevel;
  readonly modules: boolean[][];
}

/** Options of {@link toMatrix}. */
export interface QrMatrixOptions {
  /** Error-correction level, `'M'` by default. */
  ecLevel?: QrEcLevel;
}

/** The UTF-8 bytes of `text` as a string of char codes 0..255. */
function utf8Binary(text: string): string {
  const bytes = utf8(text);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/** The `ecLevel` option, checked. @internal */
export function ecLevelOption(value: unknown, fallback: QrEcLevel = DEFAULT_QR_EC_LEVEL): QrEcLevel {
  return enumOption('ecLevel', value, EC_LEVELS, fallback);
}

/**
 * Encode text as a QR module matrix.
 *
 * @param text - the payload (an `otpauth://` URI, typically), encoded as UTF-8 in byte mode
 * @param options - `ecLevel`: `'L'`, `'M'` (default), `'Q'` or `'H'`
 * @returns the matrix, without quiet zone
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `text` is not a string
 * @throws RangeError `ERR_OUT_OF_RANGE` for an unknown `ecLevel`
 * @throws TotpkitError `ERR_QR_CAPACITY` when the text does not fit a version 40 symbol at that level
 * @example
 * ```ts
 * const { size, modules } = toMatrix(uri)
 * for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (modules[y][x]) draw(x, y)
 * ```
 * @see ISO/IEC 18004:2015
 */
export function toMatrix(text: string, options?: QrMatrixOptions): QrMatrix {
  if (typeof text !== 'string') throw typeError('text', 'a string', text);
  const opts = optionsObject('options', options);
  const ecLevel = ecLevelOption(opts.ecLevel);
  const capacity = QR_BYTE_CAPACITY[ecLevel];
  // A UTF-16 unit is at most 3 UTF-8 bytes: reject obviously huge input before encoding it.
  if (text.length > capacity) throw new TotpkitError('ERR_QR_CAPACITY', capacityMessage(text.length, ecLevel));
  const data = utf8Binary(text);
  if (data.length > capacity) throw new TotpkitError('ERR_QR_CAPACITY', capacityMessage(data.length, ecLevel));

  const qr = qrcode(0, ecLevel);
  qr.addData(data, 'Byte');
  try {
    qr.make();
  } catch (cause) {
    // qrcode-generator throws strings; its messages are not ours to pass on.
    throw new TotpkitError('ERR_QR_CAPACITY', `${data.length} bytes do not fit a QR symbol at level ${ecLevel}`, {
      cause,
    });
  }
  const size = qr.getModuleCount();
  const modules: boolean[][] = [];
  for (let row = 0; row < size; row++) {
    const line: boolean[] = new Array<boolean>(size);
    for (let col = 0; col < size; col++) line[col] = qr.isDark(row, col);
    modules.push(line);
  }
  return { size, version: (size - 17) / 4, ecLevel, modules };
}

function capacityMessage(bytes: number, ecLevel: QrEcLevel): string {
  return `${bytes} bytes exceed the ${QR_BYTE_CAPACITY[ecLevel]}-byte capacity of a QR symbol at level ${ecLevel}`;
}

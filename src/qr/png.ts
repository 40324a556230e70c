/**
 * QR codes as PNG, without `node:` built-ins: works in browsers, Deno, Bun and edge runtimes.
 *
 * The image is a 1-bit palette PNG (two colours), compressed by the small encoder in `deflate.ts`.
 *
 * @module
 */
import { optionsObject } from '../internal/assert.js';
import { toBase64 } from '../internal/bytes.js';
import { crc32, zlibDeflate } from './deflate.js';
import { colors, prepare, type QrColorOptions } from './options.js';

/** Options of {@link toPng} and {@link toDataUrl}. */
export interface QrPngOptions extends QrColorOptions {}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function u32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function chunk(type: string, data: Uint8Array): number[] {
  const typeBytes = new Uint8Array([...type].map((c) => c.charCodeAt(0)));
  return [...u32(data.length), ...typeBytes, ...data, ...u32(crc32(typeBytes, data))];
}

/**
 * Render text (an `otpauth://` URI) as PNG bytes.
 *
 * @param text - the payload
 * @param options - `ecLevel`, `quietZone` (4), `moduleSize` (8 px), `foreground`, `background`,
 *   `colorCheck`, `onWarning`
 * @returns the PNG file's bytes
 * @throws TotpkitError `ERR_QR_CAPACITY`, `ERR_QR_CONTRAST` or `ERR_QR_INVERTED`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options
 * @example
 * ```ts
 * response.setHeader('content-type', 'image/png').end(toPng(uri))
 * ```
 * @see https://www.w3.org/TR/png-3/
 */
export function toPng(text: string, options?: QrPngOptions): Uint8Array {
  const opts = optionsObject('options', options);
  const { fg, bg, moduleSize } = colors(opts);
  const { matrix, quietZone } = prepare(text, opts);
  const { size, modules } = matrix;
  const width = (size + 2 * quietZone) * moduleSize;
  const rowBytes = 1 + Math.ceil(width / 8); // filter type byte + 1 bit per pixel
  const raw = new Uint8Array(rowBytes * width);
  for (let y = 0; y < width; y++) {
    const row = Math.floor(y / moduleSize) - quietZone;
    const line = row >= 0 && row < size ? modules[row]! : undefined;
    const offset = y * rowBytes + 1; // filter byte stays 0 (None)
    if (line === undefined) continue;
    for (let x = 0; x < width; x++) {
      const col = Math.floor(x / moduleSize) - quietZone;
      if (col >= 0 && col < size && line[col]) raw[offset + (x >>> 3)]! |= 0x80 >>> (x & 7);
    }
  }
  const header = new Uint8Array([...u32(width), ...u32(width), 1, 3, 0, 0, 0]); // 1-bit, palette
  const palette = new Uint8Array([bg.r, bg.g, bg.b, fg.r, fg.g, fg.b]); // index 0 light, 1 dark
  return new Uint8Array([
    ...SIGNATURE,
    ...chunk('IHDR', header),
    ...chunk('PLTE', palette),
    ...chunk('IDAT', zlibDeflate(raw, rowBytes)),
    ...chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * Render text as a `data:image/png;base64,…` URL for an `<img src>`.
 *
 * @param text - the payload
 * @param options - as for {@link toPng}
 * @returns the data URL
 * @throws as {@link toPng}
 * @example
 * ```ts
 * html`<img alt="QR code" src="${toDataUrl(uri)}">`
 * ```
 */
export function toDataUrl(text: string, options?: QrPngOptions): string {
  return `data:image/png;base64,${toBase64(toPng(text, options))}`;
}

/**
 * QR codes as standalone SVG.
 *
 * The output is safe to inline into HTML: it contains no script, no event handler, no external
 * reference and no input text outside an escaped `<title>`. Colours are parsed to `#rrggbb`;
 * a logo travels only as a validated `data:` URL inside `<image href>`, where a browser renders an
 * SVG logo as an inert image (no scripts, no external loads). Dark modules are merged into one path
 * of horizontal runs, so a typical enrollment code is about 2 KB.
 *
 * @module
 */
import {
  DEFAULT_QR_LOGO_SCALE,
  MAX_QR_LOGO_LENGTH,
  MAX_QR_LOGO_SCALE,
  MAX_QR_TITLE_LENGTH,
  MIN_QR_LOGO_SCALE,
} from '../constants.js';
import { TotpkitError } from '../errors.js';
import { optionsObject, rangeError, typeError } from '../internal/assert.js';
import { toBase64, utf8 } from '../internal/bytes.js';
import { isWellFormed } from '../internal/text.js';
import { hex } from './color.js';
import { colors, prepare, type QrColorOptions } from './options.js';

/**
 * An accessible name that XML can hold: at most 256 characters, each an XML 1.0 `Char` (tab, line
 * feed, carriage return, U+0020..U+D7FF, U+E000..U+FFFD, or a surrogate pair). NUL, other C0
 * controls, U+FFFE/U+FFFF or a lone surrogate would make a standalone SVG ill-formed.
 */
function checkTitle(title: unknown): void {
  if (typeof title !== 'string') throw typeError('title', 'a string', title);
  if (title.length > MAX_QR_TITLE_LENGTH)
    throw rangeError(`"title" must be at most ${MAX_QR_TITLE_LENGTH} characters, got ${title.length}`);
  // One fixed character class (no quantifier, nothing to backtrack) for what XML forbids besides
  // lone surrogates, which the shared well-formedness check finds.
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(title) || !isWellFormed(title)) {
    throw rangeError(
      '"title" must hold only characters XML allows ' +
        '(no NUL or other control characters, U+FFFE, U+FFFF or lone surrogates)',
    );
  }
}

/** A logo drawn in the middle of the symbol. Forces error-correction level H. */
export interface QrLogo {
  /** A `data:image/(png|jpeg|gif|webp|svg+xml);base64,…` URL. External URLs are refused. */
  href?: string;
  /** An SVG document, embedded as a `data:` URL (never as live markup). */
  svg?: string;
  /** Logo width as a fraction of the symbol width, 0.05..0.3, 0.2 by default. */
  scale?: number;
}

/** Options of {@link toSvg}. */
export interface QrSvgOptions extends QrColorOptions {
  /** Accessible name, emitted as an escaped `<title>` with `role="img"`. */
  title?: string;
  /** A centred logo; see {@link QrLogo}. */
  logo?: QrLogo;
}

const DATA_URL_PREFIX = /^data:image\/(?:png|jpeg|gif|webp|svg\+xml);base64,/;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function logoHref(logo: QrLogo): string {
  const { href, svg } = logo;
  if ((href === undefined) === (svg === undefined))
    throw new TotpkitError('ERR_QR_LOGO', 'a logo needs exactly one of "href" and "svg"');
  if (svg !== undefined) {
    if (typeof svg !== 'string') throw typeError('logo.svg', 'a string', svg);
    if (svg.length > MAX_QR_LOGO_LENGTH)
      throw new TotpkitError('ERR_QR_LOGO', `logo SVG exceeds ${MAX_QR_LOGO_LENGTH} characters`);
    return `data:image/svg+xml;base64,${toBase64(utf8(svg))}`;
  }
  if (typeof href !== 'string') throw typeError('logo.href', 'a string', href);
  if (href.length > MAX_QR_LOGO_LENGTH)
    throw new TotpkitError('ERR_QR_LOGO', `logo URL exceeds ${MAX_QR_LOGO_LENGTH} characters`);
  const prefix = DATA_URL_PREFIX.exec(href);
  // A remote URL would make every page view fetch from a third party (and leak who enrolls when).
  if (prefix === null || !BASE64_BODY.test(href.slice(prefix[0].length))) {
    throw new TotpkitError(
      'ERR_QR_LOGO',
      'logo href must be a base64 data: URL of a PNG, JPEG, GIF, WebP or SVG image',
    );
  }
  return href;
}

/**
 * Render text (an `otpauth://` URI) as a standalone SVG document.
 *
 * @param text - the payload
 * @param options - `ecLevel`, `quietZone` (4), `moduleSize` (8 px), `foreground`, `background`,
 *   `colorCheck`, `onWarning`, `title`, `logo`
 * @returns SVG markup, safe to inline into HTML
 * @throws TotpkitError `ERR_QR_CAPACITY`, `ERR_QR_CONTRAST`, `ERR_QR_INVERTED` or `ERR_QR_LOGO`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options
 *   (including a logo with an `ecLevel` other than H)
 * @example
 * ```ts
 * const svg = toSvg(uri, { title: 'Scan with your authenticator app', foreground: '#1a237e' })
 * ```
 */
export function toSvg(text: string, options?: QrSvgOptions): string {
  const opts = optionsObject('options', options);
  const logo = opts.logo === undefined ? undefined : optionsObject('logo', opts.logo, true);
  if (logo !== undefined && opts.ecLevel !== undefined && opts.ecLevel !== 'H') {
    throw rangeError(`"ecLevel" must be 'H' with a logo, so that the covered modules can be repaired`);
  }
  const { fg, bg, moduleSize } = colors(opts);
  if (opts.title !== undefined) checkTitle(opts.title);
  const href = logo === undefined ? undefined : logoHref(logo);
  const { matrix, quietZone } = prepare(text, opts, logo === undefined ? undefined : 'H');
  const { size, modules } = matrix;

  // The logo's cleared square, centred, whole modules, same parity as the symbol.
  let clear = 0;
  if (logo !== undefined) {
    const scale = logo.scale === undefined ? DEFAULT_QR_LOGO_SCALE : logo.scale;
    if (typeof scale !== 'number' || !(scale >= MIN_QR_LOGO_SCALE && scale <= MAX_QR_LOGO_SCALE)) {
      throw rangeError(`"logo.scale" must be a number in ${MIN_QR_LOGO_SCALE}..${MAX_QR_LOGO_SCALE}`);
    }
    clear = Math.round(size * scale);
    if ((size - clear) % 2 !== 0) clear++;
  }
  const c0 = (size - clear) / 2;
  const c1 = c0 + clear;
  const cleared = (row: number, col: number): boolean => clear > 0 && row >= c0 && row < c1 && col >= c0 && col < c1;

  let d = '';
  for (let row = 0; row < size; row++) {
    const line = modules[row]!;
    let col = 0;
    while (col < size) {
      if (!line[col] || cleared(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && line[col] && !cleared(row, col)) col++;
      d += `M${start + quietZone} ${row + quietZone}h${col - start}v1h-${col - start}z`;
    }
  }

  const full = size + 2 * quietZone;
  const px = full * moduleSize;
  const title = opts.title === undefined ? '' : `<title>${escapeXml(opts.title)}</title>`;
  const role = opts.title === undefined ? '' : ' role="img"';
  let logoMarkup = '';
  if (href !== undefined) {
    const inset = 0.5;
    logoMarkup =
      `<image x="${c0 + quietZone + inset}" y="${c0 + quietZone + inset}"` +
      ` width="${clear - 2 * inset}" height="${clear - 2 * inset}"` +
      ` href="${href}" preserveAspectRatio="xMidYMid meet"/>`;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}" width="${px}" height="${px}"${role}` +
    ' shape-rendering="crispEdges">' +
    title +
    `<rect width="${full}" height="${full}" fill="${hex(bg)}"/>` +
    `<path fill="${hex(fg)}" d="${d}"/>` +
    logoMarkup +
    `</svg>`
  );
}

/**
 * Colours of a QR symbol and the checks that keep it scannable.
 *
 * Scanners look for dark modules on a light background. A brand colour that is too close to its
 * background, or a light-on-dark inversion (which several authenticator apps cannot read), makes
 * enrollment fail on the user's first try; these are refused unless the caller opts into warnings.
 *
 * @module
 */
import { DEFAULT_QR_BACKGROUND, DEFAULT_QR_FOREGROUND, MIN_QR_CONTRAST } from '../constants.js';
import { TotpkitError } from '../errors.js';
import { rangeError, typeError } from '../internal/assert.js';
import { enumOption, MODES } from '../internal/options.js';

/** An sRGB colour, 0..255 per channel. */
export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/** Something about the colours that may hurt scanning (lenient mode reports, strict mode throws). */
export interface QrWarning {
  readonly code: 'LOW_CONTRAST' | 'INVERTED';
  readonly message: string;
}

/** How the colour checks react: `'strict'` (default) throws, `'lenient'` reports a warning. */
export type ColorCheckMode = 'strict' | 'lenient';

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parse `#rgb` or `#rrggbb` (any case). Only hex: a colour ends up in SVG attributes, and a closed
 * syntax is what keeps markup from riding along.
 *
 * @internal
 */
export function parseColor(label: string, value: unknown): Rgb {
  if (typeof value !== 'string') throw typeError(label, 'a #rgb or #rrggbb colour', value);
  const n = value.length;
  if (value.charCodeAt(0) === 35 && (n === 4 || n === 7)) {
    const digits: number[] = [];
    for (let i = 1; i < n; i++) digits.push(hexDigit(value.charCodeAt(i)));
    if (digits.every((d) => d >= 0)) {
      return n === 4
        ? { r: digits[0]! * 17, g: digits[1]! * 17, b: digits[2]! * 17 }
        : { r: digits[0]! * 16 + digits[1]!, g: digits[2]! * 16 + digits[3]!, b: digits[4]! * 16 + digits[5]! };
    }
  }
  throw rangeError(`"${label}" must be a #rgb or #rrggbb colour`);
}

/** `#rrggbb`, lower case. @internal */
export function hex({ r, g, b }: Rgb): string {
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/** WCAG 2 relative luminance. */
function luminance({ r, g, b }: Rgb): number {
  const lin = (v: number): number => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two relative luminances, 1..21, symmetric. */
function luminanceRatio(la: number, lb: number): number {
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/**
 * WCAG 2 contrast ratio between two colours, 1..21.
 *
 * @param a - a colour, `#rgb` or `#rrggbb`
 * @param b - another colour
 * @returns the ratio, symmetric in its arguments
 * @throws RangeError `ERR_OUT_OF_RANGE` / TypeError `ERR_INVALID_ARG_TYPE` for an invalid colour
 * @example
 * ```ts
 * contrastRatio('#000', '#fff') // 21
 * ```
 * @see https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio
 */
export function contrastRatio(a: string, b: string): number {
  return luminanceRatio(luminance(parseColor('a', a)), luminance(parseColor('b', b)));
}

/**
 * Check a foreground/background pair for scanning: contrast at least 4.5:1 and dark modules on a
 * light background. Returns the parsed colours; in lenient mode, problems go to `onWarning`.
 *
 * @internal
 */
export function checkColors(
  foreground: unknown,
  background: unknown,
  mode: unknown,
  onWarning: unknown,
): { fg: Rgb; bg: Rgb } {
  // Only `undefined` means "default": a `null` colour is a bug upstream, not a request for black.
  const fg = parseColor('foreground', foreground === undefined ? DEFAULT_QR_FOREGROUND : foreground);
  const bg = parseColor('background', background === undefined ? DEFAULT_QR_BACKGROUND : background);
  enumOption('colorCheck', mode, MODES, 'strict');
  if (onWarning !== undefined && typeof onWarning !== 'function') throw typeError('onWarning', 'a function', onWarning);
  const warnings: QrWarning[] = [];
  const lf = luminance(fg);
  const lb = luminance(bg);
  const ratio = luminanceRatio(lf, lb);
  const report = (code: QrWarning['code'], errorCode: 'ERR_QR_CONTRAST' | 'ERR_QR_INVERTED', message: string): void => {
    if (mode !== 'lenient') throw new TotpkitError(errorCode, message);
    warnings.push({ code, message });
  };
  if (ratio < MIN_QR_CONTRAST) {
    report('LOW_CONTRAST', 'ERR_QR_CONTRAST', `colour contrast ${ratio.toFixed(2)}:1 is below ${MIN_QR_CONTRAST}:1`);
  }
  if (lf > lb)
    report('INVERTED', 'ERR_QR_INVERTED', 'light modules on a dark background cannot be read by some scanners');
  for (const w of warnings) (onWarning as ((w: QrWarning) => void) | undefined)?.(w);
  return { fg, bg };
}

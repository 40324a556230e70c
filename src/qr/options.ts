/**
 * Options every QR renderer shares, checked in one place.
 *
 * @module
 */
import { DEFAULT_QR_MODULE_SIZE, MAX_QR_MODULE_SIZE, MAX_QR_QUIET_ZONE, MIN_QR_QUIET_ZONE } from '../constants.js';
import { integerOption } from '../internal/assert.js';
import { booleanOption } from '../internal/options.js';
import { checkColors, type ColorCheckMode, type QrWarning, type Rgb } from './color.js';
import { ecLevelOption, type QrEcLevel, type QrMatrix, toMatrix } from './matrix.js';

/** Options of every renderer. */
export interface QrRenderOptions {
  /** Error-correction level, `'M'` by default (`'H'` when a logo is drawn). */
  ecLevel?: QrEcLevel;
  /** Light border in modules, 4 by default. Below 4 only with `allowNarrowQuietZone`. */
  quietZone?: number;
  /** Permit a quiet zone under the 4 modules ISO/IEC 18004 requires (for a border you draw yourself). */
  allowNarrowQuietZone?: boolean;
}

/** Options of the colour renderers (SVG, PNG). */
export interface QrColorOptions extends QrRenderOptions {
  /** Pixels per module, 1..32, 8 by default. */
  moduleSize?: number;
  /** Dark module colour, `#rgb` or `#rrggbb`, black by default. */
  foreground?: string;
  /** Background colour, `#rgb` or `#rrggbb`, white by default. */
  background?: string;
  /** `'strict'` (default): low contrast or inversion throws. `'lenient'`: they become warnings. */
  colorCheck?: ColorCheckMode;
  /** Receives each warning of lenient colour checking. */
  onWarning?: (warning: QrWarning) => void;
}

/** @internal */
export interface Prepared {
  matrix: QrMatrix;
  quietZone: number;
}

/** @internal */
export function prepare(text: string, opts: Partial<QrRenderOptions>, ecFallback?: QrEcLevel): Prepared {
  const min = opts.allowNarrowQuietZone === true ? 0 : MIN_QR_QUIET_ZONE;
  booleanOption('allowNarrowQuietZone', opts.allowNarrowQuietZone, false);
  const quietZone = integerOption('quietZone', opts.quietZone, MIN_QR_QUIET_ZONE, min, MAX_QR_QUIET_ZONE);
  const matrix = toMatrix(text, { ecLevel: ecLevelOption(opts.ecLevel, ecFallback) });
  return { matrix, quietZone };
}

/** @internal */
export function colors(opts: Partial<QrColorOptions>): { fg: Rgb; bg: Rgb; moduleSize: number } {
  const { fg, bg } = checkColors(opts.foreground, opts.background, opts.colorCheck, opts.onWarning);
  const moduleSize = integerOption('moduleSize', opts.moduleSize, DEFAULT_QR_MODULE_SIZE, 1, MAX_QR_MODULE_SIZE);
  return { fg, bg, moduleSize };
}

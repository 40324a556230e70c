/**
 * QR codes as terminal text.
 *
 * Unicode mode packs two module rows into one line with half-block characters, so a typical
 * enrollment code fits a 80×25 terminal and scans from a phone held to the screen.
 *
 * @module
 */
import { optionsObject } from '../internal/assert.js';
import { booleanOption, enumOption } from '../internal/options.js';
import { prepare, type QrRenderOptions } from './options.js';

/** Options of {@link toTerminal}. */
export interface QrTerminalOptions extends QrRenderOptions {
  /** `'unicode'` (default): half blocks, two rows per line. `'ascii'`: `##` per module, for any font. */
  charset?: 'unicode' | 'ascii';
  /**
   * Which modules get ink. By default the *light* modules are drawn, for the usual light text on a
   * dark terminal; set `invert: true` on a terminal with a light background.
   */
  invert?: boolean;
}

const HALF_BLOCKS = [' ', '▄', '▀', '█']; // index: (top ? 2 : 0) | (bottom ? 1 : 0)

/**
 * Render text (an `otpauth://` URI) for a terminal.
 *
 * @param text - the payload
 * @param options - `ecLevel`, `quietZone` (4), `charset` (`'unicode'`), `invert`
 * @returns lines joined by `\n`, without a trailing newline
 * @throws TotpkitError `ERR_QR_CAPACITY`; RangeError `ERR_OUT_OF_RANGE` for invalid options
 * @example
 * ```ts
 * process.stdout.write(toTerminal(uri) + '\n')
 * ```
 */
export function toTerminal(text: string, options?: QrTerminalOptions): string {
  const opts = optionsObject('options', options);
  const charset = enumOption('charset', opts.charset, ['unicode', 'ascii'], 'unicode');
  const invert = booleanOption('invert', opts.invert, false);
  const { matrix, quietZone } = prepare(text, opts);
  const { size, modules } = matrix;
  const full = size + 2 * quietZone;
  // Ink where a module is light, unless inverted: the terminal's own background shows the rest.
  const ink = (row: number, col: number): boolean => {
    const r = row - quietZone;
    const c = col - quietZone;
    const dark = r >= 0 && r < size && c >= 0 && c < size && modules[r]![c]!;
    return invert ? dark : !dark;
  };
  const lines: string[] = [];
  if (charset === 'ascii') {
    for (let row = 0; row < full; row++) {
      let line = '';
      for (let col = 0; col < full; col++) line += ink(row, col) ? '##' : '  ';
      lines.push(line);
    }
  } else {
    for (let row = 0; row < full; row += 2) {
      let line = '';
      for (let col = 0; col < full; col++) {
        const bottom = row + 1 < full ? ink(row + 1, col) : !invert;
        line += HALF_BLOCKS[(ink(row, col) ? 2 : 0) | (bottom ? 1 : 0)];
      }
      lines.push(line);
    }
  }
  return lines.join('\n');
}

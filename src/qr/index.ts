/**
 * `totpkit/qr`: enrollment QR codes rendered locally, as SVG, PNG, terminal text or a raw matrix.
 *
 * Nothing here contacts a network: a secret must never travel to a third-party chart service.
 *
 * @module totpkit/qr
 */
export {
  DEFAULT_QR_BACKGROUND,
  DEFAULT_QR_EC_LEVEL,
  DEFAULT_QR_FOREGROUND,
  DEFAULT_QR_LOGO_SCALE,
  DEFAULT_QR_MODULE_SIZE,
  MAX_QR_LOGO_LENGTH,
  MAX_QR_LOGO_SCALE,
  MAX_QR_MODULE_SIZE,
  MAX_QR_QUIET_ZONE,
  MAX_QR_TITLE_LENGTH,
  MIN_QR_CONTRAST,
  MIN_QR_LOGO_SCALE,
  MIN_QR_QUIET_ZONE,
} from '../constants.js';
export { contrastRatio, type ColorCheckMode, type QrWarning } from './color.js';
export { toMatrix, type QrEcLevel, type QrMatrix, type QrMatrixOptions } from './matrix.js';
export type { QrColorOptions, QrRenderOptions } from './options.js';
export { toDataUrl, toPng, type QrPngOptions } from './png.js';
export { toSvg, type QrLogo, type QrSvgOptions } from './svg.js';
export { toTerminal, type QrTerminalOptions } from './terminal.js';

/**
 * `totpkit/qr`: enrollment QR codes rendered locally, as SVG, PNG, terminal text or a raw matrix.
 *
 * Nothing here contacts a network: a secret must never travel to a third-party chart service.
 *
 * @module
 */
export { contrastRatio, type ColorCheckMode, type QrWarning } from './color.js';
export { toMatrix, type QrEcLevel, type QrMatrix, type QrMatrixOptions } from './matrix.js';
export type { QrColorOptions, QrRenderOptions } from './options.js';
export { toDataUrl, toPng, type QrPngOptions } from './png.js';
export { toSvg, type QrLogo, type QrSvgOptions } from './svg.js';
export { toTerminal, type QrTerminalOptions } from './terminal.js';

// Loads the competitors from this folder's own node_modules (see package.json beside this file).
export * as otplib from 'otplib';
export * as otplibUri from '@otplib/uri';
export * as OTPAuth from 'otpauth';
export { default as speakeasy } from 'speakeasy';

// qrcode (the most used JS QR renderer): its public API is async, so the benchmark calls the same
// synchronous steps it runs internally: create the symbol, then the SVG or PNG renderer.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const QRCode = require('qrcode');
const svgTag = require('qrcode/lib/renderer/svg-tag');
const pngRenderer = require('qrcode/lib/renderer/png');
const { PNG } = require('pngjs');
export const qrcodeLib = {
  svg: (text) => svgTag.render(QRCode.create(text, { errorCorrectionLevel: 'M' }), { margin: 4, width: 296 }),
  png: (text) => PNG.sync.write(pngRenderer.render(QRCode.create(text, { errorCorrectionLevel: 'M' }), { margin: 4, scale: 8 })),
};

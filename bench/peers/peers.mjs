// Loads the competitors from this folder's own node_modules (see package.json beside this file).
export * as otplib from 'otplib';
export * as otplibUri from '@otplib/uri';
export * as OTPAuth from 'otpauth';
export { default as speakeasy } from 'speakeasy';

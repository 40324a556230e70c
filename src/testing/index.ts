/**
 * `totpkit/testing`: helpers for property-based and integration tests of code that uses totpkit —
 * fast-check arbitraries (fast-check is an optional peer dependency), a fake clock, a simulated
 * authenticator that scans URIs or QR matrices, and a QR matrix decoder.
 *
 * @module
 */
export {
  clockSkewArb,
  codeArb,
  labelArb,
  legacySecretArb,
  malformedCodeArb,
  otpauthParamsArb,
  otpauthUriArb,
  secretArb,
} from './arbitraries.js';
export { simulateAuthenticator, type SimulatedAuthenticator, type SimulatedAuthenticatorOptions } from './authenticator.js';
export { createFakeClock, type FakeClock } from './clock.js';
export { decodeQrMatrix } from './qr-decode.js';
export { deterministicRandom } from './random.js';

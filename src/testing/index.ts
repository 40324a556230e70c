/**
 * `totpkit/testing`: helpers for integration tests of code that uses totpkit — a fake clock, a
 * simulated authenticator that scans URIs or QR matrices, a QR matrix decoder and a seeded random
 * source, and the conformance suite for `GuardStore` implementations. Nothing here needs fast-check; its arbitraries
 * are in `totpkit/testing/arbitraries`.
 *
 * @module totpkit/testing
 */
export {
  simulateAuthenticator,
  type SimulatedAuthenticator,
  type SimulatedAuthenticatorOptions,
} from './authenticator.js';
export { createFakeClock, type FakeClock } from './clock.js';
export { decodeQrMatrix } from './qr-decode.js';
export { deterministicRandom } from './random.js';
export {
  guardStoreConformance,
  type ConformanceCase,
  type ConformanceStores,
  type MakeStores,
} from './store-conformance.js';

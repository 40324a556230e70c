/**
 * `totpkit/guard`: the replay guard, throttling and audit, with the storage interface and the
 * embedded in-memory store.
 *
 * @module
 */
export { memoryStore, type MemoryStore, type MemoryStoreOptions } from './memory.js';
export type { GuardStore, SettleOnce, SettleRequest, SettleResult, SettleStep } from './store.js';
export {
  createVerifier,
  type EnrollmentAttemptResult,
  type EnrollmentFailureReason,
  type GuardEvent,
  type GuardEventReason,
  type GuardFailureReason,
  type GuardPolicy,
  type GuardResult,
  type RecoveryAttemptResult,
  type RecoveryFailureReason,
  type Verifier,
  type VerifierOptions,
} from './verifier.js';

/**
 * `totpkit/guard`: the replay guard, throttling and audit, with the storage interface and the
 * embedded in-memory store.
 *
 * @module totpkit/guard
 */
export {
  DEFAULT_GUARD_TIMEOUT_MS,
  DEFAULT_LOCK_SECONDS,
  DEFAULT_MAX_FAILURES,
  DEFAULT_MEMORY_STORE_ENTRIES,
  MAX_GUARD_TIMEOUT_MS,
  MAX_LOCK_SECONDS,
  MAX_MAX_FAILURES,
  MAX_MEMORY_STORE_ENTRIES,
  MIN_GUARD_TIMEOUT_MS,
} from '../constants.js';
export { memoryStore, type MemoryStore, type MemoryStoreOptions } from './memory.js';
export type { GuardStore, SettleOnce, SettleRequest, SettleResult, SettleStep } from './store.js';
export type {
  AccountEnrollmentResult,
  AccountGuardResult,
  AccountRecoveryResult,
  AttemptResult,
  EnrollmentAttemptResult,
  EnrollmentFailureReason,
  GuardEvent,
  GuardEventReason,
  GuardFailureReason,
  GuardAttempt,
  GuardPolicy,
  GuardRefusal,
  GuardResult,
  RecoveryAttemptResult,
  RecoveryFailureReason,
  RememberedDeviceResult,
  Verifier,
  VerifierOptions,
} from './types.js';
export { createVerifier } from './verifier.js';

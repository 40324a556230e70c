/**
 * `totpkit/guard`: the replay guard, throttling and audit, with the storage interface and the
 * embedded in-memory store.
 *
 * @module
 */
export { memoryStore, type MemoryStore, type MemoryStoreOptions } from './memory.js';
export type { AttemptResult, GuardStore } from './store.js';
export {
  createVerifier,
  type GuardEvent,
  type GuardFailureReason,
  type GuardPolicy,
  type GuardResult,
  type Verifier,
  type VerifierOptions,
} from './verifier.js';

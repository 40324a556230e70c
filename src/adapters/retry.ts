/**
 * The pause before a store adapter retries a write that lost a race (a PostgreSQL serialization
 * failure, a DynamoDB conditional write that found a newer version).
 *
 * @module
 */
import { STORE_RETRY_BASE_MS, STORE_RETRY_MAX_MS } from '../constants.js';

/**
 * Waits a random time below an exponential ceiling ("full jitter"), so racing losers spread out
 * instead of colliding again in lock step. The randomness only spreads load and guards nothing,
 * hence `Math.random`.
 *
 * @param attempt - the retry's number, from 0
 */
export function retryPause(attempt: number): Promise<void> {
  const ceiling = Math.min(STORE_RETRY_MAX_MS, STORE_RETRY_BASE_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

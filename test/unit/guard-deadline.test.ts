/**
 * The guard's deadline queue on its own (src/guard/deadline.ts): every store call is answered by
 * the store or by the deadline, whichever comes first, and nothing is left waiting afterwards.
 */
import { describe, expect, it } from 'vitest';
import { createDeadline } from '../../src/guard/deadline.js';
import type { GuardStore, SettleRequest, SettleResult } from '../../src/guard/store.js';

const REQUEST: Omit<SettleRequest, 'signal'> = { now: 0, maxFailures: 5, lockUntil: 1000, verified: false };
const FAILED: SettleResult = { status: 'failed', failures: 1, retryAt: 1000 };

/** A store whose answers the test releases by hand, recording the signal each call saw. */
function manualStore() {
  const calls: { resolve: (r: unknown) => void; reject: (e: unknown) => void; signal: AbortSignal | undefined }[] = [];
  const store: GuardStore = {
    settle: (_id, request) =>
      new Promise((resolve, reject) => {
        calls.push({ resolve: resolve as (r: unknown) => void, reject, signal: request.signal });
      }),
  };
  return { store, calls };
}

describe('createDeadline', () => {
  it("passes the store's answer through when it comes in time, and leaves nothing waiting", async () => {
    const deadline = createDeadline(1000);
    const { store, calls } = manualStore();
    const pending = deadline.settle(store, 'c', REQUEST);
    expect(deadline.waiting).toBe(1);
    calls[0]!.resolve(FAILED);
    expect(await pending).toEqual(FAILED);
    expect(deadline.waiting).toBe(0);
  });

  it('answers undefined at the deadline, aborts the signal, and ignores a late success', async () => {
    const deadline = createDeadline(20);
    const { store, calls } = manualStore();
    const started = performance.now();
    const answer = await deadline.settle(store, 'c', REQUEST);
    expect(answer).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(calls[0]!.signal?.aborted).toBe(true);
    calls[0]!.resolve({ status: 'accepted', clearedFailures: 0 }); // too late: nobody listens
    expect(deadline.waiting).toBe(0);
  });

  it('turns a rejection, a synchronous throw and a malformed answer into undefined', async () => {
    const deadline = createDeadline(1000);
    const rejecting: GuardStore = { settle: () => Promise.reject(new Error('down')) };
    const throwing: GuardStore = {
      settle: () => {
        throw new Error('sync');
      },
    };
    const nonsense: GuardStore = { settle: async () => ({ status: 'accepted' }) as unknown as SettleResult };
    expect(await deadline.settle(rejecting, 'c', REQUEST)).toBeUndefined();
    expect(await deadline.settle(throwing, 'c', REQUEST)).toBeUndefined();
    expect(await deadline.settle(nonsense, 'c', REQUEST)).toBeUndefined();
    expect(deadline.waiting).toBe(0);
  });

  it('expires attempts in the order they started, each at its own deadline, while later ones still wait', async () => {
    const deadline = createDeadline(40);
    const { store, calls } = manualStore();
    const first = deadline.settle(store, 'a', REQUEST);
    await new Promise((resolve) => setTimeout(resolve, 25));
    const second = deadline.settle(store, 'b', REQUEST);
    expect(await first).toBeUndefined();
    // The first expired; the second (started 25 ms later) still waits and can still be answered.
    expect(deadline.waiting).toBe(1);
    expect(calls[1]!.signal?.aborted).toBe(false);
    calls[1]!.resolve(FAILED);
    expect(await second).toEqual(FAILED);
    expect(deadline.waiting).toBe(0);
  });
});

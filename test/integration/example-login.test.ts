/**
 * The example from docs/testing.md, kept runnable: property tests of a small login handler built
 * on totpkit, written with the helpers from `totpkit/testing`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confirmEnrollment, startEnrollment, type Credential, type Keyring } from 'totpkit';
import { createVerifier, memoryStore } from 'totpkit/guard';
import { toMatrix } from 'totpkit/qr';
import { createFakeClock, simulateAuthenticator, type FakeClock } from 'totpkit/testing';
import { clockSkewArb, codeArb } from 'totpkit/testing/arbitraries';

// ---- the application code under test --------------------------------------------------------
const keyring: Keyring = { current: 'k1', keys: { k1: new Uint8Array(32).fill(7) } };

function makeLoginHandler(clock: FakeClock, maxFailures: number) {
  const verifier = createVerifier({ store: memoryStore(), keyring, clock, maxFailures });
  const users = new Map<string, Credential>();
  return {
    users,
    async login(user: string, code: string): Promise<'welcome' | 'denied' | 'locked'> {
      const credential = users.get(user);
      if (credential === undefined) return 'denied';
      const r = await verifier.verify({ credential, code });
      if (r.ok) users.set(user, r.credential);
      return r.ok ? 'welcome' : r.reason === 'locked' ? 'locked' : 'denied';
    },
  };
}

/** Enroll `user` with a simulated phone that scans the QR code, as a person would. */
function enroll(handler: ReturnType<typeof makeLoginHandler>, user: string, clock: FakeClock, skewSeconds = 0) {
  const started = startEnrollment({ account: user, issuer: 'Example', keyring, now: clock() });
  const phone = simulateAuthenticator(toMatrix(started.uri), { clock, skewSeconds });
  const r = confirmEnrollment(started.enrollment, { token: started.token, code: phone.code(), keyring, now: clock() });
  if (!r.ok) throw new Error(`enrollment failed: ${r.reason}`);
  handler.users.set(user, r.credential);
  return phone;
}

// ---- the properties ---------------------------------------------------------------------------
describe('login handler (example for totpkit/testing)', () => {
  it('never accepts a code twice, whatever the timing and the phone’s drift', async () => {
    await fc.assert(
      fc.asyncProperty(
        clockSkewArb({ maxSteps: 1 }),
        fc.array(fc.integer({ min: 0, max: 45 }), { minLength: 1, maxLength: 8 }),
        async (drift, waits) => {
          const clock = createFakeClock(new Date('2026-11-23T12:00:00Z'));
          const handler = makeLoginHandler(clock, 10);
          const phone = enroll(handler, 'alice', clock, drift);
          const acceptedSteps = new Set<number>();
          for (const wait of waits) {
            clock.advance(wait * 1000);
            const code = phone.code();
            const phoneStep = Math.floor((clock() + drift * 1000) / 30_000);
            if ((await handler.login('alice', code)) === 'welcome') {
              expect(acceptedSteps.has(phoneStep)).toBe(false);
              acceptedSteps.add(phoneStep);
            }
            expect(await handler.login('alice', code)).not.toBe('welcome'); // the same code, right away
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('locks after N failures, even for the right code', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(codeArb(), { minLength: 8, maxLength: 8 }),
        async (n, guesses) => {
          const clock = createFakeClock(new Date('2026-11-23T12:00:00Z'));
          const handler = makeLoginHandler(clock, n);
          const phone = enroll(handler, 'bob', clock);
          clock.advance(30_000);
          const right = phone.code();
          const wrong = guesses.filter((g) => g !== right).slice(0, n);
          fc.pre(wrong.length === n);
          for (const guess of wrong) expect(await handler.login('bob', guess)).toBe('denied');
          expect(await handler.login('bob', right)).toBe('locked');
        },
      ),
      { numRuns: 40 },
    );
  });
});

/**
 * The store conformance suite, run by vitest: every GuardStore adapter here must pass the cases of
 * `guardStoreConformance` (exported by totpkit/testing for users' own stores), against real
 * servers. `makeStores(n)` returns n stores over n separate connections to one backend.
 */
import { describe, it } from 'vitest';
import { guardStoreConformance, type MakeStores } from '../src/testing/index.js';
import {
  confirmEnrollment,
  parseOtpauthUri,
  startEnrollment,
  totp,
  type Credential,
  type Keyring,
} from '../src/index.js';

export const KEYRING: Keyring = { current: 'k', keys: { k: new Uint8Array(32).fill(3) } };
const T = Date.UTC(2026, 10, 23, 12, 0, 0);

/** A fresh active credential and the phone's secret, at time T. */
export function enrolled(now = T): { credential: Credential; secret: Uint8Array } {
  const s = startEnrollment({ account: 'a@example.com', issuer: 'ACME', keyring: KEYRING, now });
  const secret = parseOtpauthUri(s.uri).secret;
  const r = confirmEnrollment(s.enrollment, {
    token: s.token,
    code: totp(secret, { time: now }),
    keyring: KEYRING,
    now,
  });
  if (!r.ok) throw new Error('enrollment failed');
  return { credential: r.credential, secret };
}

export function storeConformance(name: string, makeStores: MakeStores): void {
  describe(`GuardStore conformance: ${name}`, () => {
    for (const c of guardStoreConformance(makeStores)) it(c.name, c.run);
  });
}

/**
 * Credential ids (and throttled subjects) must be well-formed Unicode wherever they enter.
 */
import { describe, expect, it } from 'vitest';
import { createVerifier, memoryStore } from '../../src/guard/index.js';
import { generateRecoveryCodes, startEnrollment, type Keyring } from '../../src/index.js';
import { enrolled, KEYRING } from '../conformance.js';
import { errorCode } from '../helpers.js';

const keyring: Keyring = KEYRING;

describe('credential ids must be well-formed Unicode everywhere they enter', () => {
  const lone = ['victim\uD800', 'victim\uDBFF', '\uDC00', 'a\uD800b'];

  it('startEnrollment refuses them as credentialId', () => {
    for (const id of lone)
      expect(errorCode(() => startEnrollment({ account: 'a', issuer: 'B', keyring, credentialId: id }))).toBe(
        'ERR_OUT_OF_RANGE',
      );
    expect(
      errorCode(() => startEnrollment({ account: 'a', issuer: 'B', keyring, credentialId: 'ok-\uD83D\uDE00' })),
    ).toBeUndefined();
  });

  it('the guard refuses them in verify, useRecoveryCode and confirmEnrollment', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring });
    const { credential } = enrolled();
    const { set, codes } = generateRecoveryCodes();
    for (const id of lone) {
      await expect(verifier.verify({ credential: { ...credential, id }, code: '123456' })).rejects.toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
      });
      await expect(verifier.useRecoveryCode({ credentialId: id, set, code: codes[0]! })).rejects.toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
      });
      const s = startEnrollment({ account: 'a', issuer: 'B', keyring });
      await expect(
        verifier.confirmEnrollment({
          enrollment: { ...s.enrollment, credentialId: id },
          token: s.token,
          code: '123456',
        }),
      ).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    }
  });

  it('a store refuses them too, so a direct caller cannot merge two ids into one record', async () => {
    const store = memoryStore();
    const request = { now: 0, maxFailures: 10, lockUntil: 1000, verified: false };
    for (const id of [...lone, '', 'x'.repeat(257)])
      await expect(store.settle(id, request)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(store.settle('x'.repeat(256), request)).resolves.toMatchObject({ status: 'failed' });
  });
});

/**
 * Enrollment, credentials, recovery codes and sealed secrets.
 */
import fc from 'fast-check';
import { deterministicRandom } from '../../src/testing/index.js';
import { errorCode } from '../helpers.js';
import { describe, expect, it } from 'vitest';
import {
  confirmEnrollment,
  consumeRecoveryCode,
  envelopeKeyId,
  generateRecoveryCodes,
  hotp,
  loadSecret,
  openSecret,
  parseOtpauthUri,
  resealSecret,
  resyncHotp,
  revokeEnrollment,
  sealSecret,
  showEnrollment,
  startEnrollment,
  totp,
  verifyCredential,
  type Credential,
  type Enrollment,
  type Keyring,
} from '../../src/index.js';

const keyring: Keyring = { current: 'k2', keys: { k1: new Uint8Array(32).fill(1), k2: new Uint8Array(32).fill(2) } };
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/** The code the user's phone shows at `time` for an enrollment (parsed from its URI, like a phone). */
const phoneCode = (uri: string, time: number) => totp(parseOtpauthUri(uri).secret, { time });
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('enrollment', () => {
  it('start → confirm gives an active credential whose first code cannot be replayed', () => {
    const started = startEnrollment({
      account: 'alice@example.com',
      issuer: 'ACME',
      keyring,
      now: T0,
      deviceLabel: 'Pixel',
    });
    expect(started.enrollment.status).toBe('pending');
    expect(started.enrollment.expiresAt).toBe(T0 + 600_000);
    expect(parseOtpauthUri(started.uri).secret).toHaveLength(20); // 160 bits
    expect(started.manual.text).toContain('Account: alice@example.com');

    const code = phoneCode(started.uri, T0 + 20_000);
    const confirmed = confirmEnrollment(roundTrip(started.enrollment), {
      token: started.token,
      code,
      keyring,
      now: T0 + 20_000,
    });
    expect(confirmed.ok).toBe(true);
    if (!confirmed.ok) return;
    expect(confirmed.enrollment.status).toBe('used');
    const credential = roundTrip(confirmed.credential);
    expect(credential).toMatchObject({
      id: started.enrollment.credentialId,
      account: 'alice@example.com',
      deviceLabel: 'Pixel',
      lastStep: Math.floor((T0 + 20_000) / 30_000),
    });

    // The confirming code is already used; the next period's code logs in.
    expect(verifyCredential(credential, code, { keyring, now: T0 + 25_000 })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    const login = verifyCredential(credential, phoneCode(started.uri, T0 + 40_000), { keyring, now: T0 + 40_000 });
    expect(login).toMatchObject({ ok: true, delta: 0 });
    // And the token cannot confirm a second time.
    expect(
      confirmEnrollment(confirmed.enrollment, { token: started.token, code, keyring, now: T0 + 21_000 }),
    ).toMatchObject({ ok: false, reason: 'used' });
  });

  it('refuses expired, revoked, wrong token, wrong and malformed codes, and locks after 5 attempts', () => {
    const s = startEnrollment({ account: 'a', issuer: 'I', keyring, now: T0, ttlSeconds: 60 });
    const good = phoneCode(s.uri, T0);
    expect(confirmEnrollment(s.enrollment, { token: s.token, code: good, keyring, now: T0 + 60_000 })).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    expect(
      confirmEnrollment(revokeEnrollment(s.enrollment, { now: T0 }), { token: s.token, code: good, keyring, now: T0 }),
    ).toMatchObject({ ok: false, reason: 'revoked' });
    expect(confirmEnrollment(s.enrollment, { token: `${s.token}x`, code: good, keyring, now: T0 })).toMatchObject({
      ok: false,
      reason: 'token_mismatch',
    });
    expect(confirmEnrollment(s.enrollment, { token: s.token, code: ` ${good}`, keyring, now: T0 })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    let state: Enrollment = s.enrollment;
    const wrong = good === '000000' ? '000001' : '000000';
    for (let i = 1; i <= 5; i++) {
      const r = confirmEnrollment(state, { token: s.token, code: wrong, keyring, now: T0 });
      expect(r).toMatchObject({ ok: false, reason: 'code_mismatch' });
      state = r.enrollment;
      expect(state.attempts).toBe(i);
    }
    expect(state.status).toBe('revoked');
    expect(confirmEnrollment(state, { token: s.token, code: good, keyring, now: T0 })).toMatchObject({
      ok: false,
      reason: 'revoked',
    });
  });

  it(
    'showEnrollment shows the same QR URI and manual key while pending, so a wrong first code ' +
      'or a refresh keeps the first scan working',
    () => {
      const s = startEnrollment({ account: 'alice', issuer: 'ACME', keyring, now: T0, ttlSeconds: 120 });
      const stored = roundTrip(s.enrollment);
      // A refresh, twice: the same secret, byte for byte, and nothing changes.
      const first = showEnrollment(stored, { token: s.token, keyring, now: T0 + 5_000 });
      expect(first).toEqual({ ok: true, uri: s.uri, manual: s.manual, attemptsLeft: 5, expiresAt: T0 + 120_000 });
      expect(showEnrollment(stored, { token: s.token, keyring, now: T0 + 6_000 })).toEqual(first);
      expect(stored).toEqual(s.enrollment);
      // A wrong code, then the page again: same URI, one attempt fewer; the first scan's code confirms.
      const good = phoneCode(s.uri, T0 + 30_000);
      const wrong = confirmEnrollment(stored, {
        token: s.token,
        code: good === '000000' ? '000001' : '000000',
        keyring,
        now: T0 + 30_000,
      });
      expect(wrong).toMatchObject({ ok: false, reason: 'code_mismatch' });
      expect(showEnrollment(wrong.enrollment, { token: s.token, keyring, now: T0 + 31_000 })).toMatchObject({
        ok: true,
        uri: s.uri,
        attemptsLeft: 4,
      });
      const right = confirmEnrollment(wrong.enrollment, {
        token: s.token,
        code: phoneCode(first.ok ? first.uri : '', T0 + 32_000),
        keyring,
        now: T0 + 32_000,
      });
      expect(right.ok).toBe(true);
      // Once it is no longer pending, or for another client, or past its lifetime: nothing to show.
      expect(showEnrollment(right.enrollment, { token: s.token, keyring, now: T0 + 33_000 })).toEqual({
        ok: false,
        reason: 'used',
      });
      expect(showEnrollment(revokeEnrollment(stored, { now: T0 }), { token: s.token, keyring, now: T0 })).toEqual({
        ok: false,
        reason: 'revoked',
      });
      expect(showEnrollment(stored, { token: `${s.token}x`, keyring, now: T0 })).toEqual({
        ok: false,
        reason: 'token_mismatch',
      });
      expect(showEnrollment(stored, { token: s.token, keyring, now: T0 + 120_000 })).toEqual({
        ok: false,
        reason: 'expired',
      });
      // The wrong keyring cannot open it: an error with a code, no secret in it.
      const other: Keyring = { current: 'k2', keys: { k2: new Uint8Array(32).fill(9) } };
      expect(errorCode(() => showEnrollment(stored, { token: s.token, keyring: other, now: T0 }))).toBe(
        'ERR_SEAL_AUTH',
      );
    },
  );

  it('a new enrollment revokes the pending one it replaces', () => {
    const first = startEnrollment({ account: 'a', issuer: 'I', keyring, now: T0 });
    const second = startEnrollment({ account: 'a', issuer: 'I', keyring, now: T0 + 1000, previous: first.enrollment });
    expect(second.replaced).toMatchObject({
      status: 'revoked',
      endedAt: T0 + 1000,
      credentialId: first.enrollment.credentialId,
    });
    expect(
      confirmEnrollment(second.replaced!, {
        token: first.token,
        code: phoneCode(first.uri, T0),
        keyring,
        now: T0 + 2000,
      }),
    ).toMatchObject({ reason: 'revoked' });
  });

  it('never reveals the secret, the token or the URI through JSON unless insecurePlaintext is chosen', () => {
    const s = startEnrollment({ account: 'a', issuer: 'I', keyring, now: T0 });
    const secretText = parseOtpauthUri(s.uri).secret;
    const b32 = new URL(s.uri.replace('otpauth:', 'http:')).searchParams.get('secret')!;
    const r = confirmEnrollment(s.enrollment, { token: s.token, code: phoneCode(s.uri, T0), keyring, now: T0 });
    for (const json of [JSON.stringify(s.enrollment), JSON.stringify(r.ok && r.credential)]) {
      expect(json).not.toContain(b32);
      expect(json).not.toContain(s.token);
      expect(json).not.toContain('otpauth');
    }
    expect(secretText).toHaveLength(20);
    const plain = startEnrollment({ account: 'a', issuer: 'I', insecurePlaintext: true, now: T0 });
    expect(JSON.stringify(plain.enrollment)).toContain(
      `plain:${new URL(plain.uri.replace('otpauth:', 'http:')).searchParams.get('secret')}`,
    );
    expect(errorCode(() => startEnrollment({ account: 'a', issuer: 'I' } as never))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('re-centres the window on learned drift when asked, without weakening replay refusal', () => {
    const s = startEnrollment({ account: 'a', issuer: 'I', keyring, now: T0 });
    // The phone runs two steps slow.
    const slow = (t: number) => phoneCode(s.uri, t - 60_000);
    const r = confirmEnrollment(s.enrollment, {
      token: s.token,
      code: phoneCode(s.uri, T0 - 30_000),
      keyring,
      now: T0,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    let c: Credential = r.credential;
    expect(c.delta).toBe(-1);
    expect(verifyCredential(c, slow(T0 + 90_000), { keyring, now: T0 + 90_000 })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    const v = verifyCredential(c, slow(T0 + 90_000), { keyring, now: T0 + 90_000, recenter: true });
    expect(v).toMatchObject({ ok: true, delta: -2 });
    if (!v.ok) return;
    c = v.credential;
    expect(verifyCredential(c, slow(T0 + 90_000), { keyring, now: T0 + 95_000, recenter: true })).toEqual({
      ok: false,
      reason: 'replayed',
    });
  });
});

describe('enrollment state machine (model-based)', () => {
  type Action =
    | { kind: 'start' }
    | { kind: 'confirm'; token: 'right' | 'wrong'; code: 'right' | 'wrong' | 'malformed' }
    | { kind: 'revoke' }
    | { kind: 'wait'; seconds: number };
  const actionArb: fc.Arbitrary<Action> = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'start' as const }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('confirm' as const),
        token: fc.constantFrom('right' as const, 'wrong' as const),
        code: fc.constantFrom('right' as const, 'wrong' as const, 'malformed' as const),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'revoke' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 1, max: 400 }) }),
    },
  );

  it('random sequences never reach an illegal state, and a token confirms at most once', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 1, maxLength: 25 }), (actions) => {
        let now = T0;
        let current: { enrollment: Enrollment; token: string; uri: string } | undefined;
        const confirmedTokens = new Set<string>();
        const model = { status: 'none' as 'none' | 'pending' | 'used' | 'revoked', attempts: 0, expiresAt: 0 };
        for (const a of actions) {
          if (a.kind === 'wait') now += a.seconds * 1000;
          else if (a.kind === 'start') {
            const s = startEnrollment({ account: 'a', issuer: 'I', keyring, now, previous: current?.enrollment });
            if (current !== undefined && model.status === 'pending') expect(s.replaced?.status).toBe('revoked');
            current = { enrollment: roundTrip(s.enrollment), token: s.token, uri: s.uri };
            Object.assign(model, { status: 'pending', attempts: 0, expiresAt: now + 600_000 });
          } else if (current !== undefined && a.kind === 'revoke') {
            current.enrollment = roundTrip(revokeEnrollment(current.enrollment, { now }));
            if (model.status === 'pending') model.status = 'revoked';
          } else if (current !== undefined && a.kind === 'confirm') {
            const right = phoneCode(current.uri, now);
            const code =
              a.code === 'right' ? right : a.code === 'malformed' ? 'abc' : right === '000000' ? '000001' : '000000';
            const token = a.token === 'right' ? current.token : 'not-the-token';
            const r = confirmEnrollment(current.enrollment, { token, code, keyring, now });
            // The model's expectation, in the documented order of checks.
            const expected =
              model.status === 'used'
                ? 'used'
                : model.status === 'revoked'
                  ? 'revoked'
                  : now >= model.expiresAt
                    ? 'expired'
                    : a.token === 'wrong'
                      ? 'token_mismatch'
                      : a.code === 'malformed'
                        ? 'malformed'
                        : a.code === 'wrong'
                          ? 'code_mismatch'
                          : 'ok';
            expect(r.ok ? 'ok' : r.reason).toBe(expected);
            if (r.ok) {
              expect(confirmedTokens.has(current.token)).toBe(false);
              confirmedTokens.add(current.token);
              model.status = 'used';
            } else if (['token_mismatch', 'malformed', 'code_mismatch'].includes(r.reason)) {
              model.attempts++;
              if (model.attempts >= 5) model.status = 'revoked';
            }
            current.enrollment = roundTrip(r.enrollment);
            if (r.ok) expect(roundTrip(r.credential)).toEqual(r.credential);
          }
          // Legal states only: a status from the list, attempts within bounds, and the model agrees.
          if (current !== undefined) {
            const e = current.enrollment;
            expect(['pending', 'used', 'revoked']).toContain(e.status);
            expect(e.status).toBe(model.status);
            expect(e.attempts).toBeLessThanOrEqual(5);
            expect(e.endedAt === null).toBe(e.status === 'pending');
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('recovery codes', () => {
  it('generates 10 codes of 80 bits in a clear alphabet, stored only as hashes', () => {
    const { codes, set } = generateRecoveryCodes({ now: T0 });
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
    expect(new Set(codes).size).toBe(10);
    const json = JSON.stringify(set);
    for (const c of codes) {
      expect(json).not.toContain(c);
      expect(json).not.toContain(c.replaceAll('-', ''));
    }
    expect(roundTrip(set)).toEqual(set);
  });

  it('a code works once, in any spelling; a used code stays used in every spelling', () => {
    const { codes, set } = generateRecoveryCodes({ count: 3, now: T0 });
    const code = codes[1]!;
    const r = consumeRecoveryCode(set, code.toLowerCase().replaceAll('-', ' '), { now: T0 });
    expect(r).toMatchObject({ ok: true, index: 1, remaining: 2 });
    if (!r.ok) return;
    for (const spelling of [code, code.replaceAll('-', ''), code.toLowerCase(), ` ${code.replaceAll('-', ' - ')} `]) {
      expect(consumeRecoveryCode(roundTrip(r.set), spelling)).toEqual({ ok: false, reason: 'used' });
    }
    expect(consumeRecoveryCode(r.set, codes[0]!)).toMatchObject({ ok: true, index: 0 });
    expect(consumeRecoveryCode(set, 'AAAA-AAAA-AAAA-AAAA')).toEqual({ ok: false, reason: 'mismatch' });
    expect(consumeRecoveryCode(set, 'O0I1-AAAA-AAAA-AAAA')).toEqual({ ok: false, reason: 'malformed' });
    expect(consumeRecoveryCode(set, 'x'.repeat(1 << 20))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('regenerating invalidates every older code', () => {
    const old = generateRecoveryCodes({ count: 5 });
    const fresh = generateRecoveryCodes({ count: 5, previous: old.set });
    expect(fresh.set.generation).toBe(2);
    for (const c of old.codes) expect(consumeRecoveryCode(fresh.set, c)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('a peppered set needs the pepper', () => {
    const pepper = new Uint8Array(32).fill(5);
    const { codes, set } = generateRecoveryCodes({ pepper });
    expect(consumeRecoveryCode(set, codes[0]!)).toEqual({ ok: false, reason: 'mismatch' });
    expect(consumeRecoveryCode(set, codes[0]!, { pepper })).toMatchObject({ ok: true });
  });

  it('property: every generated code is accepted exactly once', () => {
    fc.assert(
      // The codes' randomness comes from fast-check too, so a failure replays from its seed.
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (count, picks, entropy) => {
          let { codes, set } = generateRecoveryCodes({
            count,
            random: deterministicRandom(Array.from(entropy).join(',')),
          });
          const used = new Set<number>();
          for (const p of picks) {
            const i = p % count;
            const r = consumeRecoveryCode(set, codes[i]!);
            expect(r.ok).toBe(!used.has(i));
            if (r.ok) {
              used.add(i);
              set = r.set;
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('sealed secrets', () => {
  const secret = new Uint8Array(20).map((_, i) => i);

  it('seal → open round trip with the current key; rotation keeps old envelopes readable', () => {
    const old = sealSecret(secret, { keyring: { current: 'k1', keys: keyring.keys }, aad: 'cred-1' });
    expect(envelopeKeyId(old)).toBe('k1');
    expect(openSecret(old, { keyring, aad: 'cred-1' })).toEqual(secret);
    const rotated = resealSecret(old, { keyring, aad: 'cred-1' });
    expect(envelopeKeyId(rotated)).toBe('k2');
    expect(openSecret(rotated, { keyring, aad: 'cred-1' })).toEqual(secret);
    expect(resealSecret(rotated, { keyring, aad: 'cred-1' })).toBe(rotated);
    // fresh nonce
    expect(sealSecret(secret, { keyring, aad: 'cred-1' })).not.toBe(sealSecret(secret, { keyring, aad: 'cred-1' }));
  });

  it('wrong key, wrong aad, unknown key id and tampering fail with a code, never garbage', () => {
    const env = sealSecret(secret, { keyring, aad: 'cred-1' });
    expect(errorCode(() => openSecret(env, { keyring, aad: 'cred-2' }))).toBe('ERR_SEAL_AUTH');
    expect(
      errorCode(() =>
        openSecret(env, { keyring: { current: 'k2', keys: { k2: new Uint8Array(32).fill(9) } }, aad: 'cred-1' }),
      ),
    ).toBe('ERR_SEAL_AUTH');
    expect(
      errorCode(() => openSecret(env, { keyring: { current: 'k1', keys: { k1: keyring.keys.k1! } }, aad: 'cred-1' })),
    ).toBe('ERR_SEAL_KEY_UNKNOWN');
    // Relabelling the key id is caught too: the key id is part of the associated data.
    expect(errorCode(() => openSecret(env.replace('.k2.', '.k1.'), { keyring, aad: 'cred-1' }))).toBe('ERR_SEAL_AUTH');
    for (const bad of ['', 'tk1', 'tk1.k2.AAAA.BBBB', `${env}x`, env.replace('tk1', 'tk2'), 'x'.repeat(100000)]) {
      expect(['ERR_SEAL_FORMAT', 'ERR_SEAL_AUTH']).toContain(
        errorCode(() => openSecret(bad, { keyring, aad: 'cred-1' })),
      );
    }
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (pos, flip) => {
        const bytes = [...env];
        const i = 4 + (pos % (env.length - 4));
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const j = alphabet.indexOf(bytes[i]!);
        if (j < 0) return; // a separator
        bytes[i] = alphabet[(j + flip) % 64]!;
        const tampered = bytes.join('');
        if (tampered === env) return;
        expect(['ERR_SEAL_FORMAT', 'ERR_SEAL_AUTH', 'ERR_SEAL_KEY_UNKNOWN']).toContain(
          errorCode(() => openSecret(tampered, { keyring, aad: 'cred-1' })),
        );
      }),
    );
  });

  it('plaintext storage is readable only when asked for explicitly', () => {
    const s = startEnrollment({ account: 'a', issuer: 'I', insecurePlaintext: true, now: T0 });
    expect(errorCode(() => loadSecret(s.enrollment.secret, s.enrollment.credentialId, { keyring }))).toBe(
      'ERR_OUT_OF_RANGE',
    );
    expect(loadSecret(s.enrollment.secret, s.enrollment.credentialId, { insecurePlaintext: true })).toEqual(
      parseOtpauthUri(s.uri).secret,
    );
  });
});

describe('resyncHotp', () => {
  const secret = new Uint8Array(20).fill(4);
  it('finds two consecutive codes within the range, forward only', () => {
    const r = resyncHotp(secret, hotp(secret, 150), hotp(secret, 151), { counter: 100 });
    expect(r).toEqual({ ok: true, counter: 151, next: 152 });
    expect(resyncHotp(secret, hotp(secret, 250), hotp(secret, 251), { counter: 100 })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(resyncHotp(secret, hotp(secret, 250), hotp(secret, 251), { counter: 100, window: 200 })).toMatchObject({
      ok: true,
      next: 252,
    });
    expect(resyncHotp(secret, hotp(secret, 50), hotp(secret, 51), { counter: 100 })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(resyncHotp(secret, hotp(secret, 150), hotp(secret, 152), { counter: 100 })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(resyncHotp(secret, '12345', hotp(secret, 1), { counter: 0 })).toEqual({ ok: false, reason: 'malformed' });
    expect(
      resyncHotp(secret, hotp(secret, 2n ** 40n + 7n), hotp(secret, 2n ** 40n + 8n), { counter: 2n ** 40n }),
    ).toEqual({ ok: true, counter: 2n ** 40n + 8n, next: 2n ** 40n + 9n });
    expect(errorCode(() => resyncHotp(secret, '123456', '123456', { counter: 0, window: 5000 }))).toBe(
      'ERR_OUT_OF_RANGE',
    );
  });
});

describe('one label rule (src/internal/text.ts checkLabel) for every label startEnrollment takes', () => {
  it(
    'account, issuer and deviceLabel are refused with ERR_URI_LABEL for the same faults, ' +
      'TypeError for non-strings',
    () => {
      for (const field of ['account', 'issuer', 'deviceLabel'] as const) {
        for (const bad of ['', 'a:b', 'x\u0007y', 'a\uD800', 'n'.repeat(257)]) {
          const code = errorCode(() => startEnrollment({ account: 'a', issuer: 'I', keyring, [field]: bad }));
          expect(code, `${field} ${JSON.stringify(bad).slice(0, 20)}`).toBe('ERR_URI_LABEL');
        }
        expect(errorCode(() => startEnrollment({ account: 'a', issuer: 'I', keyring, [field]: 5 as never }))).toBe(
          'ERR_INVALID_ARG_TYPE',
        );
      }
    },
  );
});

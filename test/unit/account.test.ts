/**
 * totpkit/account: account state (several authenticators, recovery codes, notices, version and
 * generation), remembered devices, and the guard against a whole account (verify, recovery codes,
 * enrollment), plus `verifier.attempt` for any other secret.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Account,
  addAuthenticator,
  bumpGeneration,
  checkRememberedDevice,
  createAccount,
  forgetDevice,
  MAX_AUTHENTICATORS,
  MAX_REMEMBERED_DEVICES,
  rememberDevice,
  removeAuthenticator,
  renameAuthenticator,
  replaceRecoveryCodes,
  setPendingEnrollment,
  turnOffTwoFactor,
  twoFactorOn,
} from '../../src/account/index.js';
import { createVerifier, type GuardEvent, memoryStore } from '../../src/guard/index.js';
import { generateRecoveryCodes, parseOtpauthUri, startEnrollment, totp } from '../../src/index.js';
import { enrolled, KEYRING } from '../conformance.js';
import { errorCode } from '../helpers.js';

const T = Date.UTC(2026, 11, 2, 12, 0, 0);
const NOW = T + 120_000;
const deepFreeze = <V>(value: V): V => {
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

/** An account with `n` authenticators, and the phones' secrets in the same order. */
function accountWith(n: number, id = 'acct-1') {
  let account = createAccount({ id });
  const secrets: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const e = enrolled();
    secrets.push(e.secret);
    account = addAuthenticator(account, { credential: e.credential, label: `Phone ${i + 1}`, now: T }).account;
  }
  return { account, secrets };
}

describe('account state', () => {
  it('starts empty: no authenticator (two-factor login off), version 0, generation 0', () => {
    const a = createAccount({ id: 'u1' });
    expect(a).toEqual({
      v: 1,
      id: 'u1',
      version: 0,
      generation: 0,
      authenticators: [],
      recovery: null,
      pendingEnrollment: null,
      devices: [],
    });
    expect(twoFactorOn(a)).toBe(false);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('every change raises version by one; security-relevant ones raise generation; each says what happened', () => {
    const e1 = enrolled();
    const e2 = enrolled();
    let a = createAccount({ id: 'u1' });
    const steps: [
      string,
      (x: Account) => { account: Account; notices: readonly { kind: string }[] },
      boolean,
      string[],
    ][] = [
      [
        'add',
        (x) => addAuthenticator(x, { credential: e1.credential, label: 'Work phone', now: T }),
        true,
        ['authenticator_added'],
      ],
      ['add 2', (x) => addAuthenticator(x, { credential: e2.credential, now: T }), true, ['authenticator_added']],
      ['rename', (x) => renameAuthenticator(x, e2.credential.id, 'Tablet', { now: T }), false, []],
      [
        'codes',
        (x) => replaceRecoveryCodes(x, generateRecoveryCodes().set, { now: T }),
        true,
        ['recovery_codes_replaced'],
      ],
      ['bump', (x) => bumpGeneration(x, { now: T }), true, []],
      ['remove', (x) => removeAuthenticator(x, e1.credential.id, { now: T }), true, ['authenticator_removed']],
      [
        'remove last',
        (x) => removeAuthenticator(x, e2.credential.id, { now: T }),
        true,
        ['authenticator_removed', 'two_factor_off'],
      ],
    ];
    for (const [name, change, security, notices] of steps) {
      const before = deepFreeze(a); // pure: the input is never modified
      const r = change(before);
      expect(r.account.version, name).toBe(before.version + 1);
      expect(r.account.generation, name).toBe(before.generation + (security ? 1 : 0));
      expect(
        r.notices.map((n) => n.kind),
        name,
      ).toEqual(notices);
      a = r.account;
    }
    expect(a.authenticators).toEqual([]);
    expect(a.recovery).toBeNull(); // removing the last authenticator turns two-factor login off
  });

  it('names the new authenticator after the enrollment, or "Authenticator N"; labels follow the URI rules', () => {
    const e = enrolled();
    const a = addAuthenticator(createAccount({ id: 'u' }), { credential: e.credential, now: T });
    expect(a.account.authenticators[0]).toMatchObject({
      id: e.credential.id,
      label: 'Authenticator 1',
      lastUsedAt: null,
    });
    expect(a.notices).toEqual([
      { kind: 'authenticator_added', time: T, authenticatorId: e.credential.id, label: 'Authenticator 1' },
    ]);
    // Invisible characters would let two labels look the same in a list or a notice.
    for (const bad of ['', 'a:b', 'x\u0007', 'n'.repeat(65), 'Work\u200bphone', 'Phone\u2060', '\u00a0Phone'])
      expect(errorCode(() => renameAuthenticator(a.account, e.credential.id, bad))).toBe('ERR_URI_LABEL');
  });

  it('bad input gives a coded error and changes nothing', () => {
    const { account } = accountWith(MAX_AUTHENTICATORS);
    deepFreeze(account);
    expect(errorCode(() => addAuthenticator(account, { credential: enrolled().credential, now: T }))).toBe(
      'ERR_ACCOUNT_AUTHENTICATORS_FULL',
    );
    const two = accountWith(2, 'acct-2').account;
    const id = two.authenticators[0]!.id;
    expect(errorCode(() => addAuthenticator(two, { credential: two.authenticators[0]!.credential, now: T }))).toBe(
      'ERR_ACCOUNT_AUTHENTICATOR_EXISTS',
    );
    expect(
      errorCode(() => addAuthenticator(two, { credential: enrolled().credential, label: 'Phone 1', now: T })),
    ).toBe('ERR_ACCOUNT_LABEL_TAKEN');
    expect(errorCode(() => renameAuthenticator(two, id, 'Phone 2'))).toBe('ERR_ACCOUNT_LABEL_TAKEN');
    for (const change of [() => removeAuthenticator(two, 'nope'), () => renameAuthenticator(two, 'nope', 'x')])
      expect(errorCode(change)).toBe('ERR_ACCOUNT_AUTHENTICATOR_UNKNOWN');
    expect(errorCode(() => forgetDevice(two, 'nope'))).toBe('ERR_ACCOUNT_DEVICE_UNKNOWN');
    // An account of the wrong shape, or with a version that is not a safe integer.
    for (const version of [1.5, -1, 2 ** 53, Number.NaN, '3'])
      expect(
        errorCode(() => bumpGeneration({ ...two, version } as never)),
        String(version),
      ).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => bumpGeneration({ ...two, authenticators: 'x' } as never))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => bumpGeneration({ ...two, v: 2 } as never))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => bumpGeneration(null as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => createAccount({ id: '' }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => createAccount({ id: 'a\uD800' }))).toBe('ERR_OUT_OF_RANGE');
  });

  it('property: any sequence of changes keeps the invariants', () => {
    const pool = Array.from({ length: 12 }, () => enrolled().credential);
    const op = fc.oneof(
      fc.record({
        t: fc.constant('add' as const),
        i: fc.nat({ max: 11 }),
        label: fc.constantFrom('A', 'B', 'C', undefined),
      }),
      fc.record({ t: fc.constant('remove' as const), i: fc.nat({ max: 11 }) }),
      fc.record({ t: fc.constant('rename' as const), i: fc.nat({ max: 11 }), label: fc.constantFrom('A', 'B', 'Z') }),
      fc.record({ t: fc.constantFrom('bump' as const, 'off' as const, 'remember' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let a = createAccount({ id: 'p' });
        for (const o of ops) {
          const before = a;
          try {
            if (o.t === 'add') a = addAuthenticator(a, { credential: pool[o.i]!, label: o.label, now: T }).account;
            else if (o.t === 'remove') a = removeAuthenticator(a, pool[o.i]!.id, { now: T }).account;
            else if (o.t === 'rename') a = renameAuthenticator(a, pool[o.i]!.id, o.label).account;
            else if (o.t === 'bump') a = bumpGeneration(a, { now: T }).account;
            else if (o.t === 'off') a = turnOffTwoFactor(a, { now: T }).account;
            else a = rememberDevice(a, { keyring: KEYRING, now: T }).account;
            expect(a.version).toBe(before.version + 1);
            expect(a.generation).toBeGreaterThanOrEqual(before.generation);
          } catch (e) {
            expect((e as { code?: string }).code).toMatch(/^ERR_ACCOUNT_/); // refused, and nothing changed
            expect(a).toBe(before);
          }
          expect(a.authenticators.length).toBeLessThanOrEqual(MAX_AUTHENTICATORS);
          expect(new Set(a.authenticators.map((x) => x.id)).size).toBe(a.authenticators.length);
          expect(new Set(a.authenticators.map((x) => x.label)).size).toBe(a.authenticators.length);
          for (const d of a.devices) expect(d.generation).toBe(a.generation);
        }
      }),
      { numRuns: 200, seed: 21 },
    );
  });
});

describe('remembered devices', () => {
  const remembered = (account = accountWith(1).account) => {
    const r = rememberDevice(account, { keyring: KEYRING, now: T, label: 'Laptop' });
    return {
      ...r,
      check: (a: Account, token = r.token, now = T + 1000) =>
        checkRememberedDevice(a, token, { keyring: KEYRING, now }),
    };
  };

  it('a token works for its account until it expires, and never appears in the account', () => {
    const r = remembered();
    expect(r.notices).toEqual([{ kind: 'device_remembered', time: T, deviceId: r.device.id, label: 'Laptop' }]);
    expect(r.device.expiresAt).toBe(T + 30 * 86_400_000);
    expect(r.check(r.account)).toEqual({ ok: true, deviceId: r.device.id });
    expect(JSON.stringify(r.account)).not.toContain(r.token.split('.').at(-1)!);
    expect(r.check(r.account, r.token, T + 30 * 86_400_000)).toEqual({ ok: false, reason: 'expired' });
    expect(rememberDevice(r.account, { keyring: KEYRING, now: T, days: 400 }).device.expiresAt).toBe(
      T + 400 * 86_400_000,
    );
    for (const days of [0, 401, 1.5])
      expect(errorCode(() => rememberDevice(r.account, { keyring: KEYRING, now: T, days }))).toBe('ERR_OUT_OF_RANGE');
  });

  it('is never accepted for another account, tampered, or not a token at all', () => {
    const r = remembered();
    const other = remembered(accountWith(1, 'acct-other').account);
    expect(r.check(other.account, r.token)).toEqual({ ok: false, reason: 'invalid' });
    const [head, body] = [r.token.slice(0, -2), r.token.slice(-2)];
    const flipped = head + (body[0] === 'A' ? 'B' : 'A') + body[1];
    for (const token of [flipped, r.token.slice(0, -4), '', 'garbage', 'tk1.k.x.y', 42 as never])
      expect(r.check(r.account, token)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('dies with any generation change, and one at a time when forgotten', () => {
    const r = remembered();
    expect(r.check(bumpGeneration(r.account).account)).toEqual({ ok: false, reason: 'revoked' });
    expect(r.check(replaceRecoveryCodes(r.account, generateRecoveryCodes().set).account)).toEqual({
      ok: false,
      reason: 'revoked',
    });
    const second = rememberDevice(r.account, { keyring: KEYRING, now: T });
    const forgotten = forgetDevice(second.account, r.device.id).account;
    expect(r.check(forgotten)).toEqual({ ok: false, reason: 'revoked' });
    expect(r.check(forgotten, second.token)).toMatchObject({ ok: true });
    expect(
      r.check(renameAuthenticator(second.account, second.account.authenticators[0]!.id, 'X').account),
    ).toMatchObject({
      ok: true, // a rename is not security-relevant
    });
  });

  it('keeps at most 20, dropping the oldest', () => {
    let a = accountWith(1).account;
    const tokens: string[] = [];
    for (let i = 0; i < MAX_REMEMBERED_DEVICES + 5; i++) {
      const r = rememberDevice(a, { keyring: KEYRING, now: T + i });
      a = r.account;
      tokens.push(r.token);
    }
    expect(a.devices).toHaveLength(MAX_REMEMBERED_DEVICES);
    expect(checkRememberedDevice(a, tokens[0]!, { keyring: KEYRING, now: T + 100 })).toEqual({
      ok: false,
      reason: 'revoked',
    });
    expect(checkRememberedDevice(a, tokens.at(-1)!, { keyring: KEYRING, now: T + 100 })).toMatchObject({ ok: true });
  });
});

describe('the guard against an account', () => {
  const wrongFor = (codes: string[]) => ['000000', '000001', '000002', '000003'].find((c) => !codes.includes(c))!;

  it('accepts a code from any authenticator, names it, and returns the account to store', async () => {
    const { account, secrets } = accountWith(3);
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING });
    for (const [i, secret] of secrets.entries()) {
      const now = NOW + i * 30_000; // one login per time step and account
      const r = await verifier.verify({ account, code: totp(secret, { time: now }), now });
      expect(r).toMatchObject({ ok: true, authenticatorId: account.authenticators[i]!.id, delta: 0 });
      if (!r.ok) continue;
      expect(r.account.version).toBe(account.version + 1);
      expect(r.account.generation).toBe(account.generation);
      expect(r.account.authenticators[i]).toMatchObject({ lastUsedAt: now, credential: { lastStep: r.step } });
    }
  });

  it('throttles and refuses replays per account: a step accepted through one is spent for all', async () => {
    const { account, secrets } = accountWith(2);
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, maxFailures: 3 });
    const codes = secrets.map((s) => totp(s, { time: NOW }));
    expect(await verifier.verify({ account, code: codes[0]!, now: NOW })).toMatchObject({ ok: true });
    expect(await verifier.verify({ account, code: codes[0]!, now: NOW })).toMatchObject({
      ok: false,
      reason: 'replayed',
    });
    expect(await verifier.verify({ account, code: codes[1]!, now: NOW })).toMatchObject({
      ok: false,
      reason: 'replayed',
    });
    // Guesses count against the account, whichever authenticator they aim at: 2 failures so far, one more locks.
    expect(await verifier.verify({ account, code: wrongFor(codes), now: NOW })).toMatchObject({
      reason: 'mismatch',
      attemptsLeft: 0,
    });
    const later = NOW + 30_000;
    expect(await verifier.verify({ account, code: totp(secrets[1]!, { time: later }), now: later })).toMatchObject({
      ok: false,
      reason: 'locked',
    });
  });

  it('tries every authenticator whichever matches, or none', async () => {
    const { account, secrets } = accountWith(3);
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING });
    const { OtpKey } = await import('../../src/key.js');
    const original = OtpKey.prototype.truncatedHmac;
    let calls = 0;
    OtpKey.prototype.truncatedHmac = function (high: number, low: number) {
      calls++;
      return original.call(this, high, low);
    };
    try {
      // The first authenticator's code, the last one's, and a code that matches none.
      const attempts = [
        { code: totp(secrets[0]!, { time: NOW }), now: NOW, ok: true },
        { code: totp(secrets[2]!, { time: NOW + 30_000 }), now: NOW + 30_000, ok: true },
        { code: '123456', now: NOW + 60_000, ok: false },
      ];
      for (const { code, now, ok } of attempts) {
        calls = 0;
        expect((await verifier.verify({ account, code, now })).ok).toBe(
          ok || code === totp(secrets[1]!, { time: now }),
        );
        // Every authenticator is verified: at least one HMAC each, more for those that do not match.
        expect(calls).toBeGreaterThanOrEqual(3 + 2 * 2);
      }
    } finally {
      OtpKey.prototype.truncatedHmac = original;
    }
  });

  it('recovery codes: single use, with notices, and a warning at 2 or fewer left', async () => {
    const { account } = accountWith(1);
    const { codes, set } = generateRecoveryCodes({ count: 3 });
    let a = replaceRecoveryCodes(account, set, { now: T }).account;
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING });
    const first = await verifier.useRecoveryCode({ account: a, code: codes[0]!, now: NOW });
    expect(first).toMatchObject({ ok: true, remaining: 2 });
    if (!first.ok) throw new Error('unreachable');
    expect(first.notices.map((n) => n.kind)).toEqual(['recovery_code_used', 'recovery_codes_low']);
    a = first.account;
    expect(await verifier.useRecoveryCode({ account: a, code: codes[0]!, now: NOW })).toMatchObject({
      ok: false,
      reason: 'used',
    });
    expect(
      await verifier.useRecoveryCode({ account: createAccount({ id: 'none' }), code: codes[1]!, now: NOW }),
    ).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('confirmEnrollment adds the authenticator; a full account throws and spends nothing', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING });
    const s = startEnrollment({ account: 'a', issuer: 'B', keyring: KEYRING, now: NOW, deviceLabel: 'New phone' });
    const code = totp(parseOtpauthUri(s.uri).secret, { time: NOW });
    const base = setPendingEnrollment(accountWith(1).account, s.enrollment).account;
    const wrong = await verifier.confirmEnrollment({
      account: base,
      token: s.token,
      code: code === '000000' ? '000001' : '000000',
      now: NOW,
    });
    expect(wrong).toMatchObject({
      ok: false,
      reason: 'code_mismatch',
      account: { pendingEnrollment: { attempts: 1 } },
    });
    const r = await verifier.confirmEnrollment({ account: wrong.account, token: s.token, code, now: NOW });
    expect(r).toMatchObject({ ok: true, account: { pendingEnrollment: null } });
    if (!r.ok) throw new Error('unreachable');
    expect(r.account.authenticators.map((x) => x.label)).toEqual(['Phone 1', 'New phone']);
    expect(r.notices.map((n) => n.kind)).toEqual(['authenticator_added']);
    expect(r.account.generation).toBe(base.generation + 1);

    const full = setPendingEnrollment(accountWith(MAX_AUTHENTICATORS, 'full').account, s.enrollment).account;
    const s2 = startEnrollment({ account: 'a', issuer: 'B', keyring: KEYRING, now: NOW });
    const full2 = setPendingEnrollment(full, s2.enrollment).account;
    const code2 = totp(parseOtpauthUri(s2.uri).secret, { time: NOW });
    await expect(
      verifier.confirmEnrollment({ account: full2, token: s2.token, code: code2, now: NOW }),
    ).rejects.toMatchObject({
      code: 'ERR_ACCOUNT_AUTHENTICATORS_FULL',
    });
    // Nothing spent: with room made, the same token and code still confirm.
    const roomy = removeAuthenticator(full2, full2.authenticators[0]!.id, { now: NOW }).account;
    expect(await verifier.confirmEnrollment({ account: roomy, token: s2.token, code: code2, now: NOW })).toMatchObject({
      ok: true,
    });
  });
});

describe('verifier.attempt: any other secret, guarded like a code', () => {
  it('counts failures per subject, locks at maxFailures, answers within the deadline, one event each', async () => {
    const events: GuardEvent[] = [];
    const verifier = createVerifier({
      store: memoryStore(),
      keyring: KEYRING,
      maxFailures: 2,
      onEvent: (e) => events.push(e),
    });
    const at = (verified: boolean) =>
      verifier.attempt({ subject: 'password:alice', verified, kind: 'password', now: NOW });
    expect(await at(false)).toMatchObject({ ok: false, reason: 'mismatch', attemptsLeft: 1, retryAt: undefined });
    expect(await at(true)).toEqual({ ok: true, anomaly: true });
    expect(await at(false)).toMatchObject({ reason: 'mismatch', attemptsLeft: 1 });
    expect(await at(false)).toMatchObject({ reason: 'mismatch', attemptsLeft: 0, retryAt: NOW + 900_000 });
    expect(await at(true)).toMatchObject({ ok: false, reason: 'locked', attemptsLeft: 0 });
    expect(events.map((e) => [e.kind, e.attemptKind, e.credentialId, e.outcome, e.reason])).toEqual([
      ['attempt', 'password', 'password:alice', 'failure', 'mismatch'],
      ['attempt', 'password', 'password:alice', 'success', undefined],
      ['attempt', 'password', 'password:alice', 'failure', 'mismatch'],
      ['attempt', 'password', 'password:alice', 'failure', 'mismatch'],
      ['attempt', 'password', 'password:alice', 'failure', 'locked'],
    ]);
    const down = createVerifier({ store: { settle: () => Promise.reject(new Error('down')) }, keyring: KEYRING });
    expect(await down.attempt({ subject: 's', verified: true })).toMatchObject({ ok: false, reason: 'storage' });
  });

  it('refuses arguments of the wrong type or shape', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING });
    const attempt = (args: object) =>
      verifier.attempt(args as never).then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
    expect(await attempt({ subject: 's', verified: 'yes' })).toBe('ERR_INVALID_ARG_TYPE');
    expect(await attempt({ subject: '', verified: true })).toBe('ERR_OUT_OF_RANGE');
    expect(await attempt({ subject: 's', verified: true, kind: 'Pass Word' })).toBe('ERR_OUT_OF_RANGE');
    expect(await attempt({ subject: 's', verified: true, kind: 5 })).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('verifier.checkRememberedDevice', () => {
  it('honours the token, except for an operation whose policy requires a code', () => {
    const { account } = accountWith(1);
    const r = rememberDevice(account, { keyring: KEYRING, now: T });
    const verifier = createVerifier({
      store: memoryStore(),
      keyring: KEYRING,
      policies: { payout: { requireCode: true } },
    });
    expect(verifier.checkRememberedDevice({ account: r.account, token: r.token, now: T })).toMatchObject({ ok: true });
    expect(verifier.checkRememberedDevice({ account: r.account, token: r.token, operation: 'payout', now: T })).toEqual(
      {
        ok: false,
        reason: 'code_required',
      },
    );
    const plain = createVerifier({ store: memoryStore(), insecurePlaintext: true });
    expect(errorCode(() => plain.checkRememberedDevice({ account: r.account, token: r.token }))).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
  });
});

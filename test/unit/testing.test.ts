/**
 * totpkit/testing: the helpers are checked against the library itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildOtpauthUri,
  confirmEnrollment,
  encodeBase32,
  generateRecoveryCodes,
  parseOtpauthUri,
  startEnrollment,
  timeStep,
  totp,
  verifyTotp,
} from '../../src/index.js';
import { createVerifier, memoryStore, type GuardStore } from '../../src/guard/index.js';
import { toMatrix } from '../../src/qr/index.js';
import {
  clockSkewArb,
  codeArb,
  legacySecretArb,
  malformedCodeArb,
  otpauthUriArb,
} from '../../src/testing/arbitraries.js';
import {
  createFakeClock,
  decodeQrMatrix,
  guardStoreConformance,
  simulateAuthenticator,
} from '../../src/testing/index.js';

describe('decodeQrMatrix', () => {
  it('reads back every rendered URI at every level (Reed-Solomon verified)', () => {
    const samples = fc.sample(otpauthUriArb(), { numRuns: 12, seed: 42 });
    for (const [i, uri] of samples.entries()) {
      const ecLevel = (['L', 'M', 'Q', 'H'] as const)[i % 4];
      if (uri.length > 1273) continue;
      expect(decodeQrMatrix(toMatrix(uri, { ecLevel }).modules)).toBe(uri);
    }
    const big = `otpauth://totp/a?secret=${'A'.repeat(2300)}`;
    expect(decodeQrMatrix(toMatrix(big).modules)).toBe(big); // version 40
    expect(decodeQrMatrix(toMatrix('Grüße 🔐').modules)).toBe('Grüße 🔐');
  });

  it('prefers the layout with the most error correction (a shorter-EC reading also verifies)', () => {
    // Regression: version 5-M (2 blocks × 24 EC) also "verifies" as 2 blocks × 7 EC, because the
    // RS generator of degree 7 divides the one of degree 24; that reading returned garbage.
    const uri = 'otpauth://totp/Example:bob?secret=HGCW7AXI67L466BTFTGJKQS5P3GF5DBI&issuer=Example';
    expect(decodeQrMatrix(toMatrix(uri).modules)).toBe(uri);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme-ascii' }),
        fc.constantFrom('L' as const, 'M' as const, 'Q' as const, 'H' as const),
        (text, ecLevel) => {
          expect(decodeQrMatrix(toMatrix(text, { ecLevel }).modules)).toBe(text);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a damaged matrix rather than guessing', () => {
    const { modules } = toMatrix('otpauth://totp/a?secret=AAAAAAAAAAAAAAAAAAAAAAAAAA');
    const damaged = modules.map((row) => [...row]);
    for (let c = 9; c < 14; c++) damaged[12]![c] = !damaged[12]![c];
    expect(() => decodeQrMatrix(damaged)).toThrow(expect.objectContaining({ code: 'ERR_QR_UNREADABLE' }));
    expect(() => decodeQrMatrix([[true]])).toThrow(expect.objectContaining({ code: 'ERR_QR_UNREADABLE' }));
  });
});

describe('createFakeClock', () => {
  it('is a function of epoch ms that advances and jumps', () => {
    const clock = createFakeClock(new Date('2026-11-23T12:00:00Z'));
    expect(clock()).toBe(Date.UTC(2026, 10, 23, 12));
    expect(clock.advance(30_000).now()).toBe(Date.UTC(2026, 10, 23, 12, 0, 30));
    expect(clock.advance(250)()).toBe(Date.UTC(2026, 10, 23, 12, 0, 30, 250));
    expect(clock.advance(-250)()).toBe(Date.UTC(2026, 10, 23, 12, 0, 30));
    expect(clock.set(0).date().toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(() => clock.advance(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => clock.advance(0.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => clock.advance('30' as unknown as number)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(clock()).toBe(0);
  });

  it('is accepted as `now` by enrollment, credentials and recovery codes, and as `clock` by the guard', async () => {
    const clock = createFakeClock(new Date('2026-11-23T12:00:00Z'));
    const keyring = { current: 'k', keys: { k: new Uint8Array(32) } };
    const started = startEnrollment({ account: 'a', issuer: 'I', keyring, now: clock });
    expect(started.enrollment.createdAt).toBe(clock());
    const phone = simulateAuthenticator(started.uri, { clock });
    clock.advance(601_000);
    expect(
      confirmEnrollment(started.enrollment, { token: started.token, code: phone.code(), keyring, now: clock }),
    ).toMatchObject({ reason: 'expired' });
    const fresh = startEnrollment({ account: 'a', issuer: 'I', keyring, now: clock });
    const confirmed = confirmEnrollment(fresh.enrollment, {
      token: fresh.token,
      code: simulateAuthenticator(fresh.uri, { clock }).code(),
      keyring,
      now: clock,
    });
    expect(confirmed.ok).toBe(true);
    if (!confirmed.ok) return;
    const verifier = createVerifier({ store: memoryStore(), keyring, clock });
    clock.advance(30_000);
    expect(
      await verifier.verify({
        credential: confirmed.credential,
        code: simulateAuthenticator(fresh.uri, { clock }).code(),
      }),
    ).toMatchObject({ ok: true });
    expect(generateRecoveryCodes({ now: clock }).set.createdAt).toBe(clock());
  });
});

describe('simulateAuthenticator', () => {
  const secret = new Uint8Array(20).fill(8);
  const uri = buildOtpauthUri({ type: 'totp', secret, account: 'alice', issuer: 'ACME' });

  it('scans a URI or a QR matrix and shows the same codes as totp()', () => {
    const clock = createFakeClock(Date.UTC(2026, 10, 23));
    for (const source of [uri, toMatrix(uri), toMatrix(uri).modules]) {
      const phone = simulateAuthenticator(source, { clock });
      expect(phone).toMatchObject({ type: 'totp', account: 'alice', issuer: 'ACME', digits: 6 });
      expect(phone.code()).toBe(totp(secret, { time: clock() }));
    }
  });

  it('drifts: the phone shows the code of its own clock, and verifies with exactly that delta', () => {
    fc.assert(
      fc.property(
        clockSkewArb({ maxSteps: 1 }),
        fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
        (skew, now) => {
          const phone = simulateAuthenticator(uri, { skewSeconds: skew });
          const code = phone.code(now);
          expect(code).toBe(totp(secret, { time: now + skew * 1000 }));
          const delta = timeStep({ time: now + skew * 1000 }) - timeStep({ time: now });
          expect(Math.abs(delta)).toBeLessThanOrEqual(2);
          // Nearest candidate first: the expected delta is the answer unless a nearer step happens
          // to show the same code (one chance in a million per candidate).
          const nearer = [0, -1, 1, -2, 2]
            .slice(0, [0, -1, 1, -2, 2].indexOf(delta))
            .some((d) => totp(secret, { time: now + d * 30_000 }) === code);
          if (!nearer) expect(verifyTotp(secret, code, { time: now, window: 2 })).toMatchObject({ ok: true, delta });
        },
      ),
    );
  });

  it('a phone 40 s slow shows the previous step, or the one before it, and verifies with delta −1 or −2', () => {
    const phone = simulateAuthenticator(uri, { skewSeconds: -40 });
    for (const secondInStep of [0, 5, 9, 10, 15, 29]) {
      const now = 1_800_000_000_000 - (1_800_000_000_000 % 30_000) + secondInStep * 1000;
      const expected = secondInStep < 10 ? -2 : -1; // 40 s back crosses two step boundaries in the first 10 s
      expect(verifyTotp(secret, phone.code(now), { time: now, window: 2 })).toMatchObject({
        ok: true,
        delta: expected,
      });
    }
  });

  it('counts HOTP presses', () => {
    const phone = simulateAuthenticator(buildOtpauthUri({ type: 'hotp', secret, account: 'a', counter: 5 }));
    phone.code();
    phone.code();
    expect(phone.counter).toBe(7);
  });
});

describe('arbitraries', () => {
  it('legacySecretArb: short secrets that strict parsing refuses and lenient parsing reads', () => {
    // (The build/parse round trip over otpauthParamsArb is the property in uri.test.ts.)
    fc.assert(
      fc.property(legacySecretArb(), (legacy) => {
        const legacyUri = `otpauth://totp/ACME:a?secret=${encodeBase32(legacy)}&issuer=ACME`;
        expect(() => parseOtpauthUri(legacyUri)).toThrow(expect.objectContaining({ code: 'ERR_URI_SECRET_TOO_SHORT' }));
        expect(parseOtpauthUri(legacyUri, { mode: 'lenient' }).secret).toEqual(legacy);
      }),
      { numRuns: 100 },
    );
  });

  it('codeArb is always well formed and malformedCodeArb never is', () => {
    const secret = new Uint8Array(20);
    fc.assert(
      fc.property(codeArb(), malformedCodeArb(), (good, bad) => {
        expect(verifyTotp(secret, good, { time: 0 })).not.toEqual({ ok: false, reason: 'malformed' });
        expect(verifyTotp(secret, bad as string, { time: 0 })).toEqual({ ok: false, reason: 'malformed' });
      }),
      { numRuns: 500 },
    );
  });
});

describe('guardStoreConformance (totpkit/testing)', () => {
  const cases = (make: Parameters<typeof guardStoreConformance>[0]) => guardStoreConformance(make);

  it('passes the memory store, and every case closes its stores', async () => {
    let open = 0;
    const store = memoryStore();
    const list = cases(async (n) => {
      open++;
      return { stores: Array.from({ length: n }, () => store), close: async () => void open-- };
    });
    expect(list.map((c) => c.name)).toContain(
      '1000 parallel failures over 4 connections: exactly maxFailures are counted, the rest are locked',
    );
    for (const c of list) await c.run();
    expect(open).toBe(0);
  });

  it('fails a store that accepts everything, and one that loses races, saying what differed', async () => {
    const yes: GuardStore = { settle: async () => ({ status: 'accepted', clearedFailures: 0 }) };
    const [steps] = cases(async (n) => ({ stores: Array.from({ length: n }, () => yes), close: async () => {} }));
    await expect(steps!.run()).rejects.toThrow(
      'step 5 again: expected {"failures":1,"retryAt":1795435260000,"status":"replayed"}, got ' +
        '{"clearedFailures":0,"status":"accepted"}',
    );

    // Reads, yields, then writes: two connections both see "no step yet".
    const seen = new Map<string, number>();
    const racy: GuardStore = {
      settle: async (id, r) => {
        const current = seen.get(id) ?? -1;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
        if (!r.verified || r.step === undefined || current >= r.step.value)
          return { status: 'replayed', failures: 1, retryAt: r.lockUntil };
        seen.set(id, r.step.value);
        return { status: 'accepted', clearedFailures: 0 };
      },
    };
    const race = cases(async (n) => ({ stores: Array.from({ length: n }, () => racy), close: async () => {} })).find(
      (c) => c.name.startsWith('200 parallel settlements'),
    )!;
    await expect(race.run()).rejects.toThrow(/^accepted: expected 1 × accepted, got \d+$/);
  });

  it('checks what makeStores gives', async () => {
    expect(() => guardStoreConformance('no' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    const [first] = cases(async () => ({ stores: [], close: async () => {} }));
    await expect(first!.run()).rejects.toThrow('makeStores(1) must give 1 stores');
  });
});

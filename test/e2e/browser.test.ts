/**
 * totpkit in a real browser, headless Chromium (Debian's, driven by playwright-core; never a
 * downloaded browser):
 * - the built core, QR and guard entries bundled for the browser (which fails on any `node:`
 *   import) and run in the page: RFC vectors, verification, enrollment, recovery codes, sealing,
 *   QR output and the guard, compared with the same calls in Node;
 * - the enrollment SVG as a person meets it: inlined into an HTML page, screenshotted and decoded
 *   with zbarimg.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOtpauthUri, generateSecret, manualEntry } from '../../src/index.js';
import { toPng, toSvg } from '../../src/qr/index.js';
import { browserToolsReady, launchChromium, root } from '../helpers.js';

const rfc6238 = JSON.parse(readFileSync(join(root, 'test/vectors/rfc6238.json'), 'utf8')) as {
  seeds: Record<'SHA1' | 'SHA256' | 'SHA512', string>;
  cases: Array<{ time: number } & Record<'SHA1' | 'SHA256' | 'SHA512', string>>;
};

const ready = browserToolsReady();

describe.runIf(ready)('in a real browser', () => {
  let browser: Browser;
  const work = mkdtempSync(join(tmpdir(), 'totpkit-browser-'));
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the core, QR and guard run in the page (no node: built-ins) and agree with Node', async () => {
    // Bundled from the built dist/ by package name, as a browser app would; esbuild refuses to
    // resolve `node:` modules for the browser platform, so this build is itself the check.
    const bundle = await build({
      stdin: {
        contents: `export * from 'totpkit'; export * as qr from 'totpkit/qr'; export * as guard from 'totpkit/guard';`,
        resolveDir: root,
      },
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'totpkit',
      platform: 'browser',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(bundle.metafile!.inputs);
    expect(inputs.filter((f) => f.startsWith('node:'))).toEqual([]);
    expect(inputs).toContain('dist/totp.js');

    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const fixedUri = buildOtpauthUri({
      type: 'totp',
      secret: new Uint8Array(20).fill(9),
      account: 'zoë@example.com',
      issuer: 'ACME',
    });
    const result = await page.evaluate(
      async ({ vectors, fixedUri }) => {
        // Runs in Chromium: only what the bundle put on globalThis.totpkit.
        // biome-ignore lint/suspicious/noExplicitAny: the bundle's globals are untyped in the page
        const t = (globalThis as unknown as { totpkit: any }).totpkit;
        const ascii = (x: string) => new TextEncoder().encode(x);
        const codes: string[] = [];
        for (const c of vectors.cases) {
          for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
            const seed = ascii(vectors.seeds[algorithm]);
            codes.push(t.totp(seed, { time: c.time * 1000, digits: 8, algorithm }));
            codes.push(t.totp(t.createOtpKey(seed, { algorithm }), { time: c.time * 1000, digits: 8 }));
          }
        }
        const now = Date.UTC(2026, 10, 23, 12, 0, 0);
        const secret = t.generateSecret();
        const earlier = t.totp(secret, { time: now - 30_000 });
        const verified = t.verifyTotp(secret, earlier, { time: now });
        const parsed = t.parseOtpauthUri(fixedUri);

        const keyring = { current: 'k1', keys: { k1: crypto.getRandomValues(new Uint8Array(32)) } };
        const started = t.startEnrollment({ account: 'alice@example.com', issuer: 'ACME', keyring, now });
        const enrolledSecret = t.parseOtpauthUri(started.uri).secret;
        const confirmed = t.confirmEnrollment(started.enrollment, {
          token: started.token,
          code: t.totp(enrolledSecret, { time: now }),
          keyring,
          now,
        });
        const later = now + 30_000;
        const login = t.verifyCredential(confirmed.credential, t.totp(enrolledSecret, { time: later }), {
          keyring,
          now: later,
        });
        const recovery = t.generateRecoveryCodes();
        const used = t.consumeRecoveryCode(recovery.set, recovery.codes[0]);

        const verifier = t.guard.createVerifier({ store: t.guard.memoryStore(), keyring });
        const code = t.totp(enrolledSecret, { time: later });
        const first = await verifier.verify({ credential: confirmed.credential, code, now: later });
        const second = await verifier.verify({ credential: confirmed.credential, code, now: later });

        return {
          codes,
          secretLength: secret.length,
          verified,
          parsedAccount: parsed.account,
          confirmed: confirmed.ok,
          login: login.ok,
          recovery: [recovery.codes.length, used.ok, used.remaining],
          guard: [first.ok, second.ok, second.reason],
          svg: t.qr.toSvg(fixedUri),
          png: Array.from(t.qr.toPng(fixedUri) as Uint8Array),
        };
      },
      { vectors: rfc6238, fixedUri },
    );
    await page.close();
    expect(pageErrors).toEqual([]);

    const expected = rfc6238.cases.flatMap((c) => (['SHA1', 'SHA256', 'SHA512'] as const).flatMap((a) => [c[a], c[a]]));
    expect(result.codes).toEqual(expected);
    expect(result.secretLength).toBe(20);
    expect(result.verified).toMatchObject({ ok: true, delta: -1 });
    expect(result.parsedAccount).toBe('zoë@example.com');
    expect(result.confirmed).toBe(true);
    expect(result.login).toBe(true);
    expect(result.recovery).toEqual([10, true, 9]);
    expect(result.guard).toEqual([true, false, 'replayed']);
    // Byte-identical QR output in both runtimes.
    expect(result.svg).toBe(toSvg(fixedUri));
    expect(Uint8Array.from(result.png)).toEqual(toPng(fixedUri));
  });

  it('an enrollment page with the inline SVG scans back to the exact URI', async () => {
    const secret = generateSecret();
    const params = { type: 'totp' as const, secret, account: 'zoë@example.com', issuer: 'ACME “Cloud” ✓' };
    const uri = buildOtpauthUri(params);
    const svg = toSvg(uri, { title: 'Scan with your authenticator app', moduleSize: 6, foreground: '#0d47a1' });
    const manual = manualEntry(params);
    const page = await browser.newPage({ viewport: { width: 520, height: 560 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(
      `<!doctype html><meta charset="utf-8"><body style="margin:24px;font-family:sans-serif">` +
        `<h1 style="font-size:18px">Set up two-factor login</h1>${svg}<pre id="manual"></pre></body>`,
    );
    await page.locator('#manual').evaluate((el, text) => (el.textContent = text), manual.text);
    const png = await page.screenshot();
    await page.close();
    const file = join(work, 'enrollment.png');
    writeFileSync(file, png);
    const decoded = execFileSync('zbarimg', ['--quiet', '--raw', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    expect(decoded).toBe(uri);
    // Nothing was fetched: the page, the SVG and its logo are all local.
    expect(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank')).toEqual([]);
  });
});

/**
 * End to end, as a person would: the example server (examples/server) on an embedded PGlite,
 * driven by Debian's Chromium through playwright-core. Sign up, enroll by scanning the QR code from
 * a screenshot with a real decoder, confirm, log in with a fresh code, see a replay refused, log in
 * with a recovery code, and get locked out after repeated wrong codes; and wrong passwords lock a
 * username (known or not) with the same messages.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOtpauthUri, timeStep, totp } from '../src/index.js';
import { browserToolsReady, launchChromium, root } from './helpers.js';

const ready = browserToolsReady();

describe.runIf(ready)('example server, end to end in Chromium', () => {
  const work = mkdtempSync(join(tmpdir(), 'totpkit-e2e-'));
  let server: ChildProcess;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    server = spawn(process.execPath, [join(root, 'examples/server/server.mjs')], {
      env: { ...process.env, PORT: '0', DATA_DIR: work, DATABASE_URL: '', REDIS_URL: '', MAX_FAILURES: '5', PASSWORD_MAX_FAILURES: '3' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start')), 30_000);
      server.stdout!.on('data', (d: Buffer) => {
        const m = /listening on (http:\/\/[^ ]+\/)/.exec(String(d));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    await new Promise((r) => server?.once('exit', r));
    rmSync(work, { recursive: true, force: true });
  });

  const submit = async (page: Page, fields: Record<string, string>, action?: string) => {
    const formSel = action ? `form[action="${action}"]` : 'form';
    for (const [name, value] of Object.entries(fields)) await page.fill(`${formSel} input[name="${name}"]`, value);
    await Promise.all([page.waitForLoadState('load'), page.click(`${formSel} button[type="submit"]`)]);
  };
  const flash = (page: Page) => page.locator('#flash').textContent();
  /** Wait until the current time step is newer than `step`, then return the code for now. */
  const freshCode = async (secret: Uint8Array, afterStep: number) => {
    while (timeStep() <= afterStep) await new Promise((r) => setTimeout(r, 250));
    return { code: totp(secret), step: timeStep() };
  };

  it('sign up → enroll from a screenshot → log in → replay refused → recovery code → lockout', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
    // Sign up.
    await page.goto(`${base}signup`);
    await submit(page, { username: 'alice', password: 'correct horse battery' });
    expect(await page.locator('h1').textContent()).toBe('Hello, alice');

    // Enroll: screenshot the page and scan the QR code with a real decoder.
    await page.click('a[href="/2fa/enroll"]');
    const shot = join(work, 'enroll.png');
    writeFileSync(shot, await page.screenshot({ fullPage: true }));
    const uri = execFileSync('zbarimg', ['--quiet', '--raw', shot], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const scanned = parseOtpauthUri(uri);
    expect(scanned).toMatchObject({ account: 'alice', issuer: 'totpkit example' });
    expect(await page.locator('#manual').textContent()).toContain('Account: alice');

    let { code, step } = await freshCode(scanned.secret, -1);
    await submit(page, { code }, '/2fa/enroll');
    expect(await page.locator('h1').textContent()).toBe('Two-factor login is on');
    const recovery = await page.locator('#recovery-codes li').allTextContents();
    expect(recovery).toHaveLength(10);

    // Log out; log in with password and a fresh code (the confirming code is spent).
    await page.goto(base);
    await submit(page, {}, '/logout');
    await page.goto(`${base}login`);
    await submit(page, { username: 'alice', password: 'correct horse battery' });
    expect(page.url()).toBe(`${base}login/2fa`);
    ({ code, step } = await freshCode(scanned.secret, step));
    await submit(page, { code });
    expect(await page.locator('h1').textContent()).toBe('Hello, alice');

    // The same code again, in a new login: refused as a replay.
    await submit(page, {}, '/logout');
    await page.goto(`${base}login`);
    await submit(page, { username: 'alice', password: 'correct horse battery' });
    await submit(page, { code });
    expect(page.url()).toBe(`${base}login/2fa`);
    expect(await flash(page)).toContain('already used');

    // A recovery code, typed in lower case without dashes.
    await page.click('a[href="/login/recovery"]');
    await submit(page, { code: recovery[3]!.toLowerCase().replaceAll('-', '') });
    expect(await page.locator('h1').textContent()).toBe('Hello, alice');
    expect(await flash(page)).toContain('9 left');
    await page.goto(`${base}audit`);
    expect(await page.locator('#audit').textContent()).toContain('replayed');

    // Wrong codes until locked out; then even the right code is refused.
    await page.goto(base);
    await submit(page, {}, '/logout');
    await page.goto(`${base}login`);
    await submit(page, { username: 'alice', password: 'correct horse battery' });
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 4; i++) {
      await submit(page, { code: wrong });
      expect(await flash(page)).toContain('not right');
    }
    await submit(page, { code: wrong });
    ({ code } = await freshCode(scanned.secret, step));
    await submit(page, { code });
    expect(await flash(page)).toContain('Too many wrong codes');
    await page.close();
  }, 120_000);

  it('locks a username after 3 wrong passwords, known or unknown alike, and audits it', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}signup`);
    await submit(page, { username: 'carol', password: 'carol-password-1' });
    await submit(page, {}, '/logout');
    const attempts = async (username: string, password: string, times: number) => {
      const flashes: (string | null)[] = [];
      for (let i = 0; i < times; i++) {
        await page.goto(`${base}login`);
        await submit(page, { username, password });
        flashes.push((await page.locator('#flash').count()) > 0 ? await flash(page) : null);
      }
      return flashes;
    };
    for (const username of ['carol', 'nobody-by-this-name']) {
      const flashes = await attempts(username, 'wrong-password', 4);
      expect(flashes.slice(0, 3), username).toEqual(Array(3).fill('Wrong username or password.'));
      expect(flashes[3], username).toContain('Too many failed logins');
    }
    // The right password is refused while locked: the attempt is counted before the check.
    expect(await attempts('carol', 'carol-password-1', 1)).toEqual([expect.stringContaining('Too many failed logins')]);
    // Another user is unaffected: two failures stay under the limit, a success resets the count,
    // and their audit log shows their own failed passwords, none of carol's.
    await page.goto(`${base}signup`);
    await submit(page, { username: 'dave', password: 'dave-password-1' });
    await submit(page, {}, '/logout');
    expect(await attempts('dave', 'wrong-password', 2)).toEqual(Array(2).fill('Wrong username or password.'));
    expect(await attempts('dave', 'dave-password-1', 1)).toEqual([null]);
    await page.goto(`${base}audit`);
    const rows = await page.locator('#audit tr').allTextContents();
    expect(rows.filter((r) => r.includes('password') && r.includes('failure'))).toHaveLength(2);
    await page.goto(base);
    await submit(page, {}, '/logout');
    expect(await attempts('dave', 'wrong-password', 3)).toEqual(Array(3).fill('Wrong username or password.'));
    await page.close();
  }, 60_000);

  it('refuses a form without the CSRF token', async () => {
    const response = await fetch(`${base}login`, { method: 'POST', body: 'username=alice&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(403);
    const cookie = (await fetch(base)).headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });
});

/**
 * The enrollment SVG as a person meets it: inlined into an HTML page, rendered by headless
 * Chromium (Debian's, driven by playwright-core; never a downloaded browser), screenshotted and
 * decoded with zbarimg.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOtpauthUri, generateSecret, manualEntry } from '../src/index.js';
import { toSvg } from '../src/qr/index.js';
import { haveTool } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ready = haveTool(CHROMIUM, '--version', 'apt-get install chromium') && haveTool('zbarimg', '--version', 'apt-get install zbar-tools');

describe.runIf(ready)('SVG in a real browser', () => {
  let browser: Browser;
  const work = mkdtempSync(join(tmpdir(), 'totpkit-browser-'));
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
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
    const decoded = execFileSync('zbarimg', ['--quiet', '--raw', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    expect(decoded).toBe(uri);
    // Nothing was fetched: the page, the SVG and its logo are all local.
    expect(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank')).toEqual([]);
  });
});

/**
 * The authenticator compatibility table: every claim has a source, unknown stays unknown, the
 * document shows exactly the data, and the concerns reported for a URI follow from the table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEnrollment } from '../../src/index.js';
import { AUTHENTICATOR_APPS, authenticatorConcerns, type AuthenticatorApp } from '../../src/compat.js';
import { root } from '../helpers.js';

const APPS = [
  'Google Authenticator',
  'Microsoft Authenticator',
  'Authy (Twilio)',
  '1Password',
  'Bitwarden',
  'FreeOTP',
  'Aegis',
  'Apple Passwords',
  'KeePassXC',
];
const PARAMETERS = ['SHA256', 'SHA512', 'digits', 'period'] as const;

describe('authenticator compatibility', () => {
  it('covers the widely used apps and every parameter', () => {
    expect(AUTHENTICATOR_APPS.map((a) => a.name)).toEqual(APPS);
    for (const app of AUTHENTICATOR_APPS) expect(Object.keys(app.support).sort()).toEqual([...PARAMETERS].sort());
  });

  it('backs every known cell with public sources, and leaves the rest unknown', () => {
    for (const app of AUTHENTICATOR_APPS) {
      for (const parameter of PARAMETERS) {
        const c = app.support[parameter];
        const where = `${app.name} / ${parameter}`;
        for (const url of c.sources) expect(url, where).toMatch(/^https:\/\/[a-z0-9.-]+\/\S+$/);
        if (c.support === 'unknown') {
          // Unknown with sources only when they disagree, and then it says so.
          if (c.sources.length > 0) expect(c.note, where).toBe('reports disagree');
        } else {
          expect(c.sources.length, where).toBeGreaterThan(0);
        }
        if (c.support === 'varies') expect(c.note, `${where}: what it varies with`).toBeTruthy();
      }
    }
  });

  it('docs/compatibility.md shows exactly the data (regenerate with node scripts/compat-table.mjs)', async () => {
    const { withTable } = (await import(join(root, 'scripts/compat-table.mjs'))) as {
      withTable: (doc: string, apps: readonly AuthenticatorApp[]) => string;
    };
    const doc = readFileSync(join(root, 'docs/compatibility.md'), 'utf8');
    expect(doc).toBe(withTable(doc, AUTHENTICATOR_APPS));
    expect(doc).toContain('| Microsoft Authenticator | ❌ no');
  });

  it('reports the apps that would not honour non-default settings, and nothing for the defaults', () => {
    expect(authenticatorConcerns({})).toEqual([]);
    expect(authenticatorConcerns({ algorithm: 'SHA1', digits: 6, period: 30 })).toEqual([]);
    const sha256 = authenticatorConcerns({ algorithm: 'SHA256' });
    expect(sha256.filter((c) => c.support === 'unsupported').map((c) => c.app)).toEqual([
      'Microsoft Authenticator',
      'Authy (Twilio)',
    ]);
    expect(sha256.map((c) => c.app)).not.toContain('Bitwarden');
    expect(sha256.map((c) => c.app)).toContain('Apple Passwords'); // unknown is a concern too
    const period = authenticatorConcerns({ period: 60 });
    expect(period.every((c) => c.parameter === 'period')).toBe(true);
    expect(period.map((c) => c.app)).not.toContain('FreeOTP');
    expect(authenticatorConcerns({ digits: 8 }).find((c) => c.app === '1Password')).toMatchObject({
      support: 'unsupported',
      parameter: 'digits',
    });
  });

  it('startEnrollment returns the concerns of its settings', () => {
    const keyring = { current: 'k', keys: { k: new Uint8Array(32).fill(1) } };
    expect(startEnrollment({ account: 'a', issuer: 'I', keyring }).appConcerns).toEqual([]);
    const eight = startEnrollment({ account: 'a', issuer: 'I', keyring, digits: 8 });
    expect(eight.appConcerns).toEqual(authenticatorConcerns({ digits: 8 }));
    expect(eight.appConcerns.length).toBeGreaterThan(0);
  });
});

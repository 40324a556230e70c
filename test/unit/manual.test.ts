/**
 * manualEntry: the text a user types instead of scanning.
 */
import { describe, expect, it } from 'vitest';
import { manualEntry, type Keyring } from '../../src/index.js';
import { KEYRING } from '../conformance.js';
import { errorCode } from '../helpers.js';

const _keyring: Keyring = KEYRING;

describe('manualEntry applies the URI label rules', () => {
  const secret = new Uint8Array(20).fill(5);
  it('refuses an account or issuer that would forge a line', () => {
    expect(errorCode(() => manualEntry({ type: 'totp', secret, account: 'bob\nKey: AAAA BBBB' }))).toBe(
      'ERR_URI_LABEL',
    );
    expect(errorCode(() => manualEntry({ type: 'totp', secret, account: 'bob', issuer: 'ACME\r\nKey: X' }))).toBe(
      'ERR_URI_LABEL',
    );
    expect(errorCode(() => manualEntry({ type: 'totp', secret, account: 'a:b' }))).toBe('ERR_URI_LABEL');
    expect(errorCode(() => manualEntry({ type: 'totp', secret, account: 'bob\uD800' }))).toBe('ERR_URI_LABEL');
    expect(
      manualEntry({ type: 'totp', secret, account: 'bøb@example.com', issuer: 'ACME Ünïcode' }).text.split('\n'),
    ).toHaveLength(4);
  });
});

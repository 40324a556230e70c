#!/usr/bin/env node
// A whole two-factor lifecycle with totpkit on an injected clock: enroll (QR in the terminal),
// confirm with the first code, log in, refuse a replay, tolerate drift, use a recovery code.
// Run: npm run build && node examples/quickstart.mjs
import {
  confirmEnrollment,
  consumeRecoveryCode,
  generateRecoveryCodes,
  parseOtpauthUri,
  startEnrollment,
  totp,
  verifyCredential,
} from '../dist/index.js';
import { toTerminal } from '../dist/qr/index.js';

const show = (label, value) =>
  console.log(`${label.padEnd(30)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);

// The server's sealing key (in production: 32 random bytes from a secret manager, rotated by id).
const keyring = { current: 'demo-2026', keys: { 'demo-2026': crypto.getRandomValues(new Uint8Array(32)) } };
let now = Date.UTC(2026, 10, 23, 12, 0, 0); // the injected clock

// 1. Enrollment: store `enrollment`, give `token` to the browser session, show the QR once.
const { enrollment, token, uri, manual } = startEnrollment({
  account: 'alice@example.com',
  issuer: 'ACME Co',
  keyring,
  now,
});
console.log(toTerminal(uri));
console.log(manual.text, '\n');
show('stored enrollment', { status: enrollment.status, secret: `${enrollment.secret.slice(0, 24)}…` });

// 2. The phone scans the QR (here: parses the URI) and shows its first code.
const phone = parseOtpauthUri(uri);
const first = totp(phone.secret, { time: now });
const confirmed = confirmEnrollment(enrollment, { token, code: first, keyring, now });
show('confirm with the first code', { ok: confirmed.ok, lastStep: confirmed.ok && confirmed.credential.lastStep });
let credential = confirmed.credential;

// 3. Logins: the confirming code is spent; the next period's code works once.
const login = (code) => {
  const r = verifyCredential(credential, code, { keyring, now });
  if (r.ok) credential = r.credential; // production: compare-and-set on lastStep
  return r.ok ? { ok: true, delta: r.delta } : r;
};
show('log in with the same code', login(first));
now += 30_000;
const second = totp(phone.secret, { time: now });
show('log in 30 s later', login(second));
show('replay that code', login(second));
now += 60_000;
show('slow phone (30 s behind)', login(totp(phone.secret, { time: now - 30_000 })));
show('malformed input', login(' 123456'));

// 4. Recovery codes: shown once, stored hashed, single use in any spelling.
const { codes, set } = generateRecoveryCodes({ count: 4, now });
show('recovery codes', codes.join('  '));
const used = consumeRecoveryCode(set, codes[0].toLowerCase(), { now });
show('use one (lower case)', { ok: used.ok, remaining: used.ok && used.remaining });
show('use it again', consumeRecoveryCode(used.set, codes[0], { now }));

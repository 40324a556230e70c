#!/usr/bin/env node
// A whole TOTP lifecycle with totpkit's core, on an injected clock: enroll, confirm, log in,
// refuse a replay, tolerate one step of drift. Run: npm run build && node examples/quickstart.mjs
import {
  buildOtpauthUri,
  createOtpKey,
  encodeBase32,
  generateSecret,
  parseOtpauthUri,
  totp,
  verifyTotp,
} from '../dist/index.js';

const log = (label, value) => console.log(`${label.padEnd(28)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);

// 1. Enrollment: a fresh 160-bit secret and the URI the QR code carries.
const secret = generateSecret();
const uri = buildOtpauthUri({ type: 'totp', secret, account: 'alice@example.com', issuer: 'ACME Co' });
log('otpauth URI', uri);
log('manual entry', encodeBase32(secret).replace(/(.{4})/g, '$1 ').trim());

// 2. The phone scans it (here: parses it) and shows a code.
const phone = parseOtpauthUri(uri);
let now = Date.UTC(2026, 10, 23, 12, 0, 0); // the server's clock, injected
const first = totp(phone.secret, { time: now });
log('code on the phone', first);

// 3. The server keeps one compiled key per credential and the last accepted step.
const key = createOtpKey(secret);
let lastStep;
const login = (code) => {
  const result = verifyTotp(key, code, { time: now, afterStep: lastStep });
  if (result.ok) lastStep = result.step;
  return result;
};
log('confirm first code', login(first));
log('same code again', login(first));

// 4. A minute later, on a phone whose clock runs 30 s slow: its code is for the previous step,
//    which is still newer than the last one accepted, so it passes with delta −1.
now += 60_000;
log('code from a slow phone', login(totp(phone.secret, { time: now - 30_000 })));
log('malformed input', login(' 123456'));
log('wrong code', login(first === '000000' ? '000001' : '000000'));

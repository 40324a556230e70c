#!/usr/bin/env node
// `npm run bench`: totpkit next to otplib, otpauth and speakeasy in one run.
// Usage: node bench/run.mjs [--quick] [--json FILE] [--readme]
//   --readme  also writes the table into README.md between the bench markers
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGroups } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonIndex = args.indexOf('--json');

if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('building totpkit first (npm run build)…');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
if (!existsSync(join(here, 'peers/node_modules'))) {
  console.error('installing the competitors into bench/peers (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: join(here, 'peers'), stdio: 'inherit' });
}

const t = await import('../dist/index.js');
const { otplib, otplibUri, OTPAuth, speakeasy, qrcodeLib } = await import('./peers/peers.mjs');
const qr = await import('../dist/qr/index.js');
const { hmac } = await import('@noble/hashes/hmac.js');
const { sha1 } = await import('@noble/hashes/legacy.js');

const ascii = (s) => new TextEncoder().encode(s);
const SEEDS = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
};
// RFC 6238 Appendix B at T = 1111111111 s, 8 digits: every generate case must reproduce these.
const T = 1_111_111_111;
const EXPECTED = { SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' };

function generateGroup(algorithm) {
  const seed = SEEDS[algorithm];
  const b32 = t.encodeBase32(seed);
  const key = t.createOtpKey(seed, { algorithm });
  const lower = algorithm.toLowerCase();
  const otpauthTotp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(b32), algorithm, digits: 8 });
  const expected = EXPECTED[algorithm];
  const is = (x) => x === expected;
  return {
    name: `generate ${algorithm}, 8 digits, reused secret`,
    cases: [
      { name: 'totpkit (OtpKey)', fn: () => t.totp(key, { time: T * 1000, digits: 8 }), check: is },
      { name: 'totpkit (Uint8Array)', fn: () => t.totp(seed, { time: T * 1000, algorithm, digits: 8 }), check: is },
      { name: 'otpauth', fn: () => otpauthTotp.generate({ timestamp: T * 1000 }), check: is },
      {
        name: 'otplib',
        fn: () => otplib.generateSync({ secret: b32, epoch: T, digits: 8, algorithm: lower }),
        check: is,
      },
      {
        name: 'speakeasy',
        fn: () => speakeasy.totp({ secret: b32, encoding: 'base32', time: T, digits: 8, algorithm: lower }),
        check: is,
      },
    ],
  };
}

// The floor from issue #8: HMAC-SHA1 with its inner/outer key state precomputed once and cloned
// per message, plus truncation; nothing else.
function floorCase() {
  const mac = hmac.create(sha1, SEEDS.SHA1);
  const msg = new Uint8Array(8);
  const step = Math.floor(T / 30);
  return {
    name: 'floor: precomputed noble HMAC-SHA1 + truncation',
    fn: () => {
      msg[4] = step >>> 24;
      msg[5] = step >>> 16;
      msg[6] = step >>> 8;
      msg[7] = step;
      const d = mac.clone().update(msg).digest();
      const o = d[19] & 15;
      const v = ((d[o] & 0x7f) << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3];
      return String(v % 1e8).padStart(8, '0');
    },
    check: (x) => x === EXPECTED.SHA1,
  };
}

function verifyGroup(label, offsetSteps, expectDelta) {
  const seed = t.generateSecret();
  const b32 = t.encodeBase32(seed);
  const key = t.createOtpKey(seed);
  const now = 1_700_000_000;
  // A code from `offsetSteps` away; for the invalid case, one from far away that matches nothing.
  const code = t.totp(seed, { time: (now + offsetSteps * 30) * 1000 });
  const otpauthTotp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(b32) });
  const ok = (d) => d === expectDelta;
  return {
    name: `verify ±1, ${label}`,
    cases: [
      {
        name: 'totpkit (OtpKey)',
        fn: () => {
          const r = t.verifyTotp(key, code, { time: now * 1000 });
          return r.ok ? r.delta : null;
        },
        check: ok,
      },
      {
        name: 'totpkit (Uint8Array)',
        fn: () => {
          const r = t.verifyTotp(seed, code, { time: now * 1000 });
          return r.ok ? r.delta : null;
        },
        check: ok,
      },
      { name: 'otpauth', fn: () => otpauthTotp.validate({ token: code, timestamp: now * 1000, window: 1 }), check: ok },
      {
        name: 'otplib',
        fn: () => {
          const r = otplib.verifySync({ secret: b32, token: code, epoch: now, epochTolerance: 30 });
          return r.valid ? r.delta : null;
        },
        check: ok,
      },
      {
        name: 'speakeasy',
        fn: () => {
          const r = speakeasy.totp.verifyDelta({ secret: b32, encoding: 'base32', token: code, time: now, window: 1 });
          return r ? r.delta : null;
        },
        check: ok,
      },
    ],
  };
}

function coldGroup() {
  const pool = Array.from({ length: 1024 }, () => t.encodeBase32(t.generateSecret()));
  let i = 0;
  const next = () => {
    i = (i + 1) & 1023;
    return pool[i];
  };
  const time = 1_700_000_000;
  const six = (x) => typeof x === 'string' && /^\d{6}$/.test(x);
  return {
    name: 'generate SHA1, new base32 secret every call (cold path)',
    cases: [
      { name: 'totpkit', fn: () => t.totp(t.decodeBase32(next()), { time: time * 1000 }), check: six },
      {
        name: 'otpauth',
        fn: () => OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(next()), timestamp: time * 1000 }),
        check: six,
      },
      { name: 'otplib', fn: () => otplib.generateSync({ secret: next(), epoch: time }), check: six },
      { name: 'speakeasy', fn: () => speakeasy.totp({ secret: next(), encoding: 'base32', time }), check: six },
    ],
  };
}

function uriGroups() {
  const seed = SEEDS.SHA1;
  const b32 = t.encodeBase32(seed);
  const expectedUri = `otpauth://totp/ACME%20Co:alice%40example.com?secret=${b32}&issuer=ACME%20Co`;
  const hasParts = (u) =>
    typeof u === 'string' &&
    u.startsWith('otpauth://totp/ACME%20Co:alice%40example.com?') &&
    u.includes(`secret=${b32}`);
  const parsedOk = (p) => p === 'alice@example.com';
  return [
    {
      name: 'build otpauth URI',
      cases: [
        {
          name: 'totpkit',
          fn: () => t.buildOtpauthUri({ type: 'totp', secret: seed, account: 'alice@example.com', issuer: 'ACME Co' }),
          check: (u) => u === expectedUri,
        },
        {
          name: 'otpauth',
          fn: () =>
            new OTPAuth.TOTP({
              secret: OTPAuth.Secret.fromBase32(b32),
              issuer: 'ACME Co',
              label: 'alice@example.com',
            }).toString(),
          check: hasParts,
        },
        {
          name: 'otplib',
          fn: () => otplibUri.generateTOTP({ secret: b32, issuer: 'ACME Co', label: 'alice@example.com' }),
          check: hasParts,
        },
        {
          name: 'speakeasy',
          fn: () =>
            speakeasy.otpauthURL({
              secret: b32,
              encoding: 'base32',
              label: 'ACME Co:alice@example.com',
              issuer: 'ACME Co',
            }),
          check: (u) => typeof u === 'string' && u.startsWith('otpauth://totp/'),
        },
      ],
    },
    {
      name: 'parse otpauth URI',
      cases: [
        { name: 'totpkit', fn: () => t.parseOtpauthUri(expectedUri).account, check: parsedOk },
        { name: 'otpauth', fn: () => OTPAuth.URI.parse(expectedUri).label, check: parsedOk },
        {
          name: 'otplib',
          fn: () => otplibUri.parse(expectedUri).label,
          check: (x) => typeof x === 'string' && x.includes('alice@example.com'),
        },
      ],
    },
  ];
}

/** Decodes an image with zbarimg when it is installed, so a QR case must render the right thing. */
function decodes(uri, svg) {
  try {
    execFileSync('zbarimg', ['--version'], { stdio: 'ignore' });
  } catch {
    console.error('zbarimg not installed: QR outputs are checked for shape only');
    return (out) => (svg ? out.startsWith('<svg') : out[0] === 0x89);
  }
  return (out) => {
    const png = svg ? execFileSync('rsvg-convert', ['--format', 'png'], { input: out }) : out;
    const file = join(tmpdir(), `totpkit-bench-${process.pid}.png`);
    writeFileSync(file, png);
    const decoded = execFileSync('zbarimg', ['--quiet', '--raw', file], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    rmSync(file);
    return decoded === uri;
  };
}

function qrGroups() {
  const uri = t.buildOtpauthUri({ type: 'totp', secret: SEEDS.SHA1, account: 'alice@example.com', issuer: 'ACME Co' });
  return [
    {
      name: 'QR SVG, typical URI, level M',
      cases: [
        { name: 'totpkit', fn: () => qr.toSvg(uri), check: decodes(uri, true) },
        { name: 'qrcode', fn: () => qrcodeLib.svg(uri), check: decodes(uri, true) },
      ],
    },
    {
      name: 'QR PNG, typical URI, level M, 8 px modules',
      cases: [
        { name: 'totpkit', fn: () => qr.toPng(uri), check: decodes(uri, false) },
        { name: 'qrcode', fn: () => qrcodeLib.png(uri), check: decodes(uri, false) },
      ],
    },
  ];
}

const groups = [
  { ...generateGroup('SHA1'), cases: [...generateGroup('SHA1').cases, floorCase()] },
  generateGroup('SHA256'),
  generateGroup('SHA512'),
  verifyGroup('valid at −1', -1, -1),
  verifyGroup('valid at +1', 1, 1),
  verifyGroup('invalid', 40, null),
  coldGroup(),
  ...uriGroups(),
  ...qrGroups(),
];

const results = runGroups(groups, quick ? { rounds: 5, targetMs: 15 } : { rounds: 15, targetMs: 40 });

const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const lines = [
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ` +
    new Date().toISOString().slice(0, 10),
  '',
  '| case | implementation | time/op | relative to totpkit |',
  '| --- | --- | ---: | ---: |',
];
for (const { group, rows } of results) {
  const base = rows.find((r) => r.name.startsWith('totpkit'))?.ns ?? rows[0].ns;
  for (const r of rows) {
    const ratio = r.ns / base;
    const rel =
      r.name.startsWith('totpkit') && r.ns === base
        ? 'baseline'
        : ratio >= 1
          ? `${ratio.toFixed(2)}× slower`
          : `${(1 / ratio).toFixed(2)}× faster`;
    lines.push(`| ${group} | ${r.name} | ${fmt(r.ns)} | ${rel} |`);
  }
}

// ---- verifying against an account: k authenticators, one settle --------------------------------
// Local work grows with k (every authenticator is tried, whichever matches); the store is asked
// once per attempt whatever k is. Measured with the memory store, so the settle is cheap and the
// local work shows: a shared store adds its round trip once per attempt.
const g = await import('../dist/guard/index.js');
const acct = await import('../dist/account/index.js');
const KEYRING = { current: 'k', keys: { k: new Uint8Array(32).fill(7) } };
function enrolledCredential(i) {
  const s = t.startEnrollment({ account: `bench${i}@example.com`, issuer: 'Bench', keyring: KEYRING, now: 0 });
  const secret = t.parseOtpauthUri(s.uri).secret;
  const r = t.confirmEnrollment(s.enrollment, {
    token: s.token,
    code: t.totp(secret, { time: 0 }),
    keyring: KEYRING,
    now: 0,
  });
  if (!r.ok) throw new Error('bench enrollment failed');
  return { credential: r.credential, secret };
}
const ITERATIONS = quick ? 2000 : 6000;
/** ns per login: `makeVerify()` gives a fresh verifier (a fresh store) per round, as steps are spent. */
async function timeLogins(makeVerify, secret) {
  // Codes for consecutive steps, computed before timing: each login is a new step, so none is a replay.
  const codes = Array.from({ length: ITERATIONS }, (_, i) => t.totp(secret, { time: (i + 10) * 30_000 }));
  const rounds = [];
  // Round 0 warms the JIT up and is not counted.
  for (let r = 0; r <= (quick ? 3 : 7); r++) {
    const verify = makeVerify();
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) {
      const result = await verify(codes[i], (i + 10) * 30_000 + 1);
      if (!result.ok) throw new Error(`bench login refused: ${result.reason}`);
    }
    if (r > 0) rounds.push(Number(process.hrtime.bigint() - start) / ITERATIONS);
  }
  return rounds.sort((x, y) => x - y)[rounds.length >> 1];
}
const accountLines = ['', '| verify against | time/login | relative to one credential |', '| --- | ---: | ---: |'];
{
  const one = enrolledCredential(0);
  const fresh = () => g.createVerifier({ store: g.memoryStore(), keyring: KEYRING });
  const oneNs = await timeLogins(() => {
    const v = fresh();
    return (code, now) => v.verify({ credential: one.credential, code, now });
  }, one.secret);
  accountLines.push(`| one credential (\`{ credential }\`) | ${fmt(oneNs)} | baseline |`);
  for (const k of [1, 3, 10]) {
    let account = acct.createAccount({ id: `bench-${k}` });
    const all = Array.from({ length: k }, (_, i) => enrolledCredential(i + 1));
    for (const [i, e] of all.entries())
      account = acct.addAuthenticator(account, { credential: e.credential, label: `Phone ${i + 1}`, now: 0 }).account;
    // The last authenticator's codes: every one before it is tried (and refused) first.
    const ns = await timeLogins(() => {
      const v = fresh();
      return (code, now) => v.verify({ account, code, now });
    }, all.at(-1).secret);
    accountLines.push(`| an account of ${k} (\`{ account }\`) | ${fmt(ns)} | ${(ns / oneNs).toFixed(2)}× |`);
  }
}
lines.push(...accountLines);
console.log(lines.join('\n'));
if (args.includes('--readme')) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const updated = text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), `${start}\n${lines.join('\n')}\n${end}`);
  if (updated === text && !text.includes(lines[0])) throw new Error('README.md has no bench markers');
  writeFileSync(readme, updated);
  console.error('README.md updated');
}
if (jsonIndex >= 0)
  writeFileSync(
    args[jsonIndex + 1],
    JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2),
  );

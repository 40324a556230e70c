/**
 * Drift watch (issue 15, item 2): totpkit pins @noble/hashes exactly because it drives noble's
 * compression classes through members outside noble's semver promise. This test installs the
 * packed totpkit into a scratch project with @noble/hashes overridden to the newest published 2.x
 * and runs the RFC 4226/6238 vectors and a node:crypto differential there, so a noble release that
 * would break totpkit shows up in CI before anyone raises the pin. It needs the npm registry:
 * without it the test skips with the reason, or fails under CI=true.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inCI, root } from '../helpers.js';

function newest2x(): string | undefined {
  try {
    const out = execFileSync('npm', ['view', '@noble/hashes@2', 'version', '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const versions = ([] as string[]).concat(JSON.parse(out) as string | string[]);
    const key = (v: string) => v.split('.').map(Number) as [number, number, number];
    return versions
      .filter((v) => /^2\.\d+\.\d+$/.test(v))
      .sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
      })
      .at(-1);
  } catch (error) {
    const reason = `the npm registry did not answer (${(error as Error).message.split('\n')[0]})`;
    if (inCI) throw new Error(`${reason}: required under CI=true`);
    console.warn(`skipping the newest-@noble/hashes check: ${reason}`);
    return undefined;
  }
}

const latest = newest2x();
const pinned = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
).dependencies['@noble/hashes'];

// Runs inside the scratch project: every RFC vector through raw bytes and through an OtpKey, and
// 300 random cases (keys 1..200 bytes, so over-long keys are hashed first) against node:crypto.
const PROBE = `
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createOtpKey, hotp, totp } from 'totpkit';
const r6238 = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const r4226 = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const ascii = (s) => new TextEncoder().encode(s);
const failures = [];
let count = 0;
const check = (label, got, want) => { count++; if (got !== want) failures.push(label + ': ' + got + ' != ' + want); };
for (const c of r6238.cases) for (const alg of ['SHA1', 'SHA256', 'SHA512']) {
  const seed = ascii(r6238.seeds[alg]);
  check('6238 ' + alg + ' ' + c.time, totp(seed, { time: c.time * 1000, digits: 8, algorithm: alg }), c[alg]);
  const key = createOtpKey(seed, { algorithm: alg });
  check('6238 key ' + alg + ' ' + c.time, totp(key, { time: c.time * 1000, digits: 8 }), c[alg]);
}
for (const c of r4226.cases) check('4226 ' + c.counter, hotp(ascii(r4226.secretAscii), c.counter), c.hotp);
const NODE = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
for (let i = 0; i < 300; i++) {
  const alg = ['SHA1', 'SHA256', 'SHA512'][i % 3];
  const key = randomBytes(randomInt(1, 201));
  const counter = randomInt(0, 2 ** 40);
  const msg = Buffer.alloc(8); msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(NODE[alg], key).update(msg).digest();
  const o = mac[mac.length - 1] & 15;
  const want = String((mac.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
  const label = 'random ' + alg + ' key ' + key.length + ' counter ' + counter;
  check(label, hotp(new Uint8Array(key), counter, { algorithm: alg }), want);
}
// The copy totpkit itself resolves: nested under it if npm did not dedupe, else the top-level one.
const nested = 'node_modules/totpkit/node_modules/@noble/hashes/package.json';
const manifest = existsSync(nested) ? nested : 'node_modules/@noble/hashes/package.json';
const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
console.log(JSON.stringify({ version, count, failures }));
`;

describe.runIf(latest !== undefined)(`totpkit on the newest @noble/hashes 2.x (pinned: ${pinned})`, () => {
  it(`computes every RFC vector and agrees with node:crypto on @noble/hashes ${latest}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'totpkit-noble-'));
    try {
      const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      })
        .trim()
        .split('\n')
        .at(-1)!;
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          private: true,
          type: 'module',
          dependencies: { totpkit: `file:./${tarball}` },
          overrides: { '@noble/hashes': latest },
        }),
      );
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 180_000,
      });
      writeFileSync(join(dir, 'probe.mjs'), PROBE);
      const out = execFileSync(
        process.execPath,
        ['probe.mjs', join(root, 'test/vectors/rfc6238.json'), join(root, 'test/vectors/rfc4226.json')],
        { cwd: dir, encoding: 'utf8', timeout: 60_000 },
      );
      const result = JSON.parse(out) as { version: string; count: number; failures: string[] };
      expect(result.version).toBe(latest);
      expect(result.failures).toEqual([]);
      expect(result.count).toBeGreaterThan(300);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

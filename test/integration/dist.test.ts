/**
 * Test what ships: the built dist/ through `import` and `require` (in a child process, as a user's
 * program would load it), through the package's own `exports` map, and bundled for the browser.
 * Requires `npm run build` first; the README's test command does that.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import type ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { root } from '../helpers.js';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

// A program that exercises the main exports and prints one line of JSON.
const PROBE = `
  const enc = new TextEncoder();
  const s = enc.encode('12345678901234567890');
  const key = t.createOtpKey(s);
  let code = 'none';
  try { t.parseOtpauthUri('otpauth://totp/a?secret=MZXW6YTBOI&issuer=A'); } catch (e) { code = e.code; }
  const out = {
    hotp: t.hotp(s, 1),
    totp: t.totp(key, { time: 59000, digits: 8 }),
    verify: t.verifyTotp(key, '94287082', { time: 59000, digits: 8 }),
    base32: t.encodeBase32(enc.encode('foobar')),
    uri: t.buildOtpauthUri({ type: 'totp', secret: s, account: 'a b', issuer: 'X' }),
    errorCode: code,
    errorName: (() => { try { t.hotp(s, -1) } catch (e) { return e.constructor.name + ':' + e.code } })(),
  };
  console.log(JSON.stringify(out));
`;
const EXPECTED = {
  hotp: '287082',
  totp: '94287082',
  verify: { ok: true, step: 1, delta: 0 },
  base32: 'MZXW6YTBOI',
  uri: 'otpauth://totp/X:a%20b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=X',
  errorCode: 'ERR_URI_SECRET_TOO_SHORT',
  errorName: 'RangeError:ERR_OUT_OF_RANGE',
};

/** Modules that must never be in a bundle of only `{ totp, verifyTotp }`. */
const culpritPattern = new RegExp(
  [
    String.raw`qrcode-generator|@noble\/ciphers|base32-|ioredis|\/pg\/|pglite`,
    String.raw`\/(uri|enrollment|recovery|seal|credential|manual)\.js$`,
    String.raw`\/(qr|guard|adapters|testing)\/`,
  ].join('|'),
);

/**
 * Bundles `program` for the browser with esbuild and lists the files that contribute bytes to it
 * (esbuild's metafile also lists files it read and then shook out).
 */
async function bundledInputs(program: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: program, resolveDir: root },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    metafile: true,
  });
  return Object.values(result.metafile!.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([k]) => k),
  );
}

function node(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim());
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
});

describe('built package', () => {
  it('works through import (ESM) by package name', () => {
    expect(node(['--input-type=module', '-e', `import * as t from 'totpkit'; ${PROBE}`])).toEqual(EXPECTED);
  });

  it('works through require (CJS) by package name', () => {
    expect(node(['-e', `const t = require('totpkit'); ${PROBE}`])).toEqual(EXPECTED);
  });

  it('CJS build does not require the ESM-only dependencies (works without require(esm))', () => {
    const cjs = readFileSync(join(root, 'dist/index.cjs'), 'utf8');
    for (const dep of ['@noble/hashes', 'base32-encode']) expect(cjs).not.toMatch(new RegExp(`require\\(["']${dep}`));
    // And really loads with require(esm) switched off.
    expect(node(['--no-experimental-require-module', '-e', `const t = require('./dist/index.cjs'); ${PROBE}`])).toEqual(
      EXPECTED,
    );
  });

  it('exports map points at files that exist, with types for both conditions', () => {
    const main = pkg.exports['.'] as Record<string, Record<string, string>>;
    for (const condition of ['import', 'require']) {
      for (const file of Object.values(main[condition]!)) expect(existsSync(join(root, file)), file).toBe(true);
    }
    expect(main.import!.types).toMatch(/\.d\.ts$/);
    expect(main.require!.types).toMatch(/\.d\.cts$/);
    expect(createRequire(import.meta.url).resolve('totpkit')).toBe(join(root, 'dist/index.cjs'));
  });

  it('installs from its tarball, and `npx totpkit` runs the CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'totpkit-pack-'));
    try {
      execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: root, stdio: 'ignore' });
      const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
      writeFileSync(join(dir, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}');
      // --prefer-offline, not --offline: `npm ci` caches tarballs but not the registry metadata an
      // install needs to resolve the tarball's dependency ranges, so a fresh machine must fetch it.
      // stderr is kept so a failure says why.
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      expect(
        execFileSync(
          'npx',
          ['--no-install', 'totpkit', 'code', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', '--time', '59', '--digits', '8'],
          { cwd: dir, encoding: 'utf8' },
        ),
      ).toBe('94287082  1s left\n');
      // fast-check is an optional peer and is not installed here: totpkit/testing must still load,
      // and only the arbitraries entry point may ask for it.
      const clock = `const c = h.createFakeClock(0); c.advance(1500); console.log(c())`;
      const inDir = (args: string[]) => execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' }).trim();
      expect(inDir(['--input-type=module', '-e', `import * as h from 'totpkit/testing'; ${clock}`])).toBe('1500');
      expect(inDir(['-e', `const h = require('totpkit/testing'); ${clock}`])).toBe('1500');
      const missing = (args: string[]) => {
        try {
          execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
          return 'loaded';
        } catch (e) {
          return /Cannot find (package|module) 'fast-check'/.test(String((e as { stderr?: string }).stderr))
            ? 'fast-check missing'
            : String((e as { stderr?: string }).stderr);
        }
      };
      expect(missing(['--input-type=module', '-e', `import 'totpkit/testing/arbitraries'`])).toBe('fast-check missing');
      expect(missing(['-e', `require('totpkit/testing/arbitraries')`])).toBe('fast-check missing');
      const files = execFileSync('tar', ['tzf', join(dir, tarball)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      expect(
        files.every((f) => /^package\/(dist\/|package\.json$|README\.md$|LICENSE$)/.test(f)),
        files.join(' '),
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the totpkit/qr subpath works through import and require', () => {
    const probe = `const svg = q.toSvg('otpauth://totp/a?secret=A'); const png = q.toPng('x');
      console.log(JSON.stringify([svg.startsWith('<svg'), png[1] === 0x50, q.toMatrix('x').size]))`;
    expect(node(['--input-type=module', '-e', `import * as q from 'totpkit/qr'; ${probe}`])).toEqual([true, true, 21]);
    expect(node(['-e', `const q = require('totpkit/qr'); ${probe}`])).toEqual([true, true, 21]);
  });

  it('the guard and adapter subpaths work through import and require', () => {
    const probe =
      'const s = g.memoryStore(); console.log(JSON.stringify(' +
      '[typeof g.createVerifier, typeof r.redisStore, typeof p.postgresStore, typeof p.migrate, s.size]))';
    const expected = ['function', 'function', 'function', 'function', 0];
    expect(
      node([
        '--input-type=module',
        '-e',
        `import * as g from 'totpkit/guard'; import * as r from 'totpkit/redis';
         import * as p from 'totpkit/postgres'; ${probe}`,
      ]),
    ).toEqual(expected);
    expect(
      node([
        '-e',
        `const g = require('totpkit/guard'), r = require('totpkit/redis'), p = require('totpkit/postgres'); ${probe}`,
      ]),
    ).toEqual(expected);
  });

  it('the testing subpaths work through import and require', () => {
    const probe =
      'const c = h.createFakeClock(0); c.advance(30_000); console.log(JSON.stringify(' +
      "[c(), a.secretArb().filter(Boolean) !== undefined, h.decodeQrMatrix(q.toMatrix('hi').modules)]))";
    expect(
      node([
        '--input-type=module',
        '-e',
        `import * as h from 'totpkit/testing'; import * as a from 'totpkit/testing/arbitraries';
         import * as q from 'totpkit/qr'; ${probe}`,
      ]),
    ).toEqual([30000, true, 'hi']);
    expect(
      node([
        '-e',
        `const h = require('totpkit/testing'), a = require('totpkit/testing/arbitraries');
         const q = require('totpkit/qr'); ${probe}`,
      ]),
    ).toEqual([30000, true, 'hi']);
  });

  it('tree-shakes: the core entry pulls in no QR code', async () => {
    const inputs = await bundledInputs(
      `import * as t from 'totpkit';
       console.log(t.hotp, t.totp, t.verifyTotp, t.buildOtpauthUri, t.parseOtpauthUri, t.manualEntry);`,
    );
    const culprits = inputs.filter((f) => /qrcode-generator|\/qr\//.test(f));
    expect(culprits, `core bundle pulled in: ${culprits.join(', ')}`).toEqual([]);
  });

  it(
    'tree-shakes: { totp, verifyTotp } pulls in no URI, QR, enrollment, recovery, sealing, ' + 'guard or adapter code',
    async () => {
      const inputs = await bundledInputs(`import { totp, verifyTotp } from 'totpkit'; console.log(totp, verifyTotp);`);
      const culprits = inputs.filter((f) => culpritPattern.test(f));
      expect(culprits, `{ totp, verifyTotp } pulled in: ${culprits.join(', ')}`).toEqual([]);
      expect(inputs).toContain('dist/totp.js'); // positive control: the filter sees what is bundled
      // and it recognises every heavy part when a program does use them
      const heavy = await bundledInputs(
        `import { startEnrollment } from 'totpkit'; import { toSvg } from 'totpkit/qr';
       import { createVerifier } from 'totpkit/guard';
       import { redisStore } from 'totpkit/redis'; import { postgresStore } from 'totpkit/postgres';
       console.log(startEnrollment, toSvg, createVerifier, redisStore, postgresStore);`,
      );
      for (const part of [
        'qrcode-generator',
        '@noble/ciphers',
        'dist/enrollment.js',
        'dist/qr/',
        'dist/guard/',
        'dist/adapters/redis',
        'dist/adapters/postgres',
      ]) {
        expect(
          heavy.some((f) => f.includes(part)),
          part,
        ).toBe(true);
      }
      expect(heavy.filter((f) => culpritPattern.test(f)).length).toBeGreaterThan(10);
    },
  );

  it('size budget: { totp, verifyTotp } for the browser stays within 6.9 KiB min+gzip', async () => {
    // A regression guard at today's size (6.75 KiB, of which @noble/hashes' SHA-1/256/512 compression
    // classes are 4.7 KiB). Issue #8 asks for 6 KiB; docs/performance.md explains the gap.
    const result = await build({
      stdin: {
        contents: `import { totp, verifyTotp } from 'totpkit'; globalThis.x = [totp, verifyTotp];`,
        resolveDir: root,
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      minify: true,
    });
    const gzipped = gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
    expect(gzipped, `${(gzipped / 1024).toFixed(2)} KiB`).toBeLessThanOrEqual(6.9 * 1024);
  });

  it('tree-shakes: a browser bundle of { hotp } has no URI, base32 or verification code', async () => {
    const result = await build({
      stdin: {
        contents: `import { hotp } from 'totpkit'; console.log(hotp(new Uint8Array(20), 1));`,
        resolveDir: root,
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      minify: false,
    });
    const text = result.outputFiles[0]!.text;
    // Functions by their declarations (an error message may name decodeBase32 without carrying it).
    const culprits = [
      'otpauth',
      'function parseOtpauthUri',
      'function decodeBase32',
      'base32Encode',
      'RFC4648',
      'function verifyTotp',
      'getRandomValues',
    ].filter((marker) => text.includes(marker));
    expect(culprits, `bundle of { hotp } pulled in: ${culprits.join(', ')}`).toEqual([]);
    expect(text).not.toMatch(/from ['"]node:/);
  });
});

describe('built declarations', () => {
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.startsWith('cli'))
    .map((f) => f.replace(/\\/g, '/').replace(/\.ts$/, ''));

  it('mirror the source: one .d.ts and one .d.cts per source file, no hashed chunks', () => {
    expect(sources.length).toBeGreaterThan(30);
    const missing = sources
      .flatMap((f) => ['.d.ts', '.d.cts'].map((ext) => `${f}${ext}`))
      .filter((f) => !existsSync(join(root, 'dist', f)));
    expect(missing).toEqual([]);
    const declarations = readdirSync(join(root, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.d\.c?ts$/.test(f),
    );
    expect(declarations.filter((f) => !sources.includes(f.replace(/\\/g, '/').replace(/\.d\.c?ts$/, '')))).toEqual([]);
  });

  it(
    'type-check a consumer through import and require (skipLibCheck off), and ' +
      'go-to-definition lands in the defining file',
    async () => {
      const ts = (await import('typescript')).default;
      const dir = mkdtempSync(join(tmpdir(), 'totpkit-types-'));
      try {
        mkdirSync(join(dir, 'node_modules'));
        symlinkSync(root, join(dir, 'node_modules', 'totpkit'), 'dir');
        writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
        const subpaths = Object.keys(pkg.exports)
          .filter((k) => k !== './package.json')
          .map((k) => `totpkit${k.slice(1)}`);
        const esm = [
          ...subpaths.map((s, i) => `import * as m${i} from '${s}';`),
          `import { parseOtpauthUri, type VerifyTotpResult } from 'totpkit';`,
          `export const r: VerifyTotpResult = m0.verifyTotp(new Uint8Array(20), '123456');`,
          `export const p = parseOtpauthUri;`,
          `export const all = [${subpaths.map((_, i) => `m${i}`).join(', ')}];`,
        ].join('\n');
        const cjs = [
          ...subpaths.map((s, i) => `import m${i} = require('${s}');`),
          `import { parseOtpauthUri } from 'totpkit';`,
          `export const r: import('totpkit').VerifyTotpResult = m0.verifyTotp(new Uint8Array(20), '123456');`,
          `export const p = parseOtpauthUri;`,
          `export const all = [${subpaths.map((_, i) => `m${i}`).join(', ')}];`,
        ].join('\n');
        writeFileSync(join(dir, 'esm.mts'), esm);
        writeFileSync(join(dir, 'cjs.cts'), cjs);
        const program = ts.createProgram([join(dir, 'esm.mts'), join(dir, 'cjs.cts')], {
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          target: ts.ScriptTarget.ES2022,
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        });
        const diagnostics = ts
          .getPreEmitDiagnostics(program)
          .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
        expect(diagnostics).toEqual([]);
        const checker = program.getTypeChecker();
        const definedIn = (file: string) => {
          const source = program.getSourceFile(join(dir, file))!;
          const statement = source.statements.find(
            (s) => ts.isVariableStatement(s) && s.declarationList.declarations[0]!.name.getText(source) === 'p',
          ) as ts.VariableStatement;
          const symbol = checker.getSymbolAtLocation(statement.declarationList.declarations[0]!.initializer!)!;
          return checker.getAliasedSymbol(symbol).declarations![0]!.getSourceFile().fileName.replace(/\\/g, '/');
        };
        expect(definedIn('esm.mts')).toMatch(/\/dist\/uri\.d\.ts$/);
        expect(definedIn('cjs.cts')).toMatch(/\/dist\/uri\.d\.cts$/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

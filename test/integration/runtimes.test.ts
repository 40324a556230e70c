/**
 * The built package in every runtime the README names, compared byte for byte with Node: Bun and
 * Deno (from the npm registry's `bun` and `deno` packages) run the built ESM files directly, and
 * Cloudflare's workerd (through miniflare) runs a bundle of them as a Worker. Each runs the same
 * program, test/fixtures/runtime-probe.mjs: RFC 4226/6238 vectors through both code paths, URI
 * build/parse, enrollment with a sealed secret, recovery codes, the memory guard, SVG and PNG output.
 * Chromium is covered by browser.test.ts. A missing runtime skips with the reason, and fails under
 * CI=true.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTool, root } from '../helpers.js';

const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const vectorsFile = join(root, 'test/vectors/rfc6238.json');
const probeFile = join(root, 'test/fixtures/runtime-probe.mjs');
const work = join(root, '.artifacts', 'runtimes');
const dist = (path: string) => pathToFileURL(join(root, 'dist', path)).href;

/** An ES module that runs the probe on the built files and prints its JSON. */
const ENTRY = `
import * as t from ${JSON.stringify(dist('index.js'))};
import * as qr from ${JSON.stringify(dist('qr/index.js'))};
import * as guard from ${JSON.stringify(dist('guard/index.js'))};
import * as testing from ${JSON.stringify(dist('testing/index.js'))};
import { probe } from ${JSON.stringify(pathToFileURL(probeFile).href)};
const vectors = ${readFileSync(vectorsFile, 'utf8')};
const out = await probe({ t, qr, guard, testing }, vectors);
console.log(JSON.stringify(out));
`;

// The probe returns plain JSON data (codes are strings), so a round trip gives what the others print.
const jsonOf = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

let expected: Record<string, unknown>;
beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'entry.mjs'), ENTRY);
  const { probe } = (await import(probeFile)) as { probe: (m: object, v: unknown) => Promise<unknown> };
  expected = jsonOf(
    await probe(
      {
        t: await import(dist('index.js')),
        qr: await import(dist('qr/index.js')),
        guard: await import(dist('guard/index.js')),
        testing: await import(dist('testing/index.js')),
      },
      JSON.parse(readFileSync(vectorsFile, 'utf8')),
    ),
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('the probe checks what it claims in Node itself (all vectors match, replay refused)', () => {
  expect(JSON.stringify(expected.rfc6238)).not.toContain('MISMATCH');
  expect((expected.rfc6238 as unknown[]).length).toBe(6);
  expect(expected.rfc4226).toEqual([
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ]);
  expect(expected.guard).toEqual([true, 'replayed']);
  expect(expected).toMatchObject({ shown: true, error: 'TotpkitError:ERR_URI_SECRET_TOO_SHORT', login: { ok: true } });
  expect(String(expected.svg)).toMatch(/^<svg /);
  expect(String(expected.png)).toMatch(/^89504e47/);
});

describe.runIf(haveTool(bin('bun'), '--version', 'npm ci installs it'))('Bun', () => {
  it('runs the built package and agrees with Node byte for byte', () => {
    const version = execFileSync(bin('bun'), ['--version'], { encoding: 'utf8' }).trim();
    const out = execFileSync(bin('bun'), ['run', join(work, 'entry.mjs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(JSON.parse(out), `bun ${version}`).toEqual(expected);
  }, 60_000);
});

/** The SQLite store's conformance run in another runtime, on that runtime's own SQLite. */
const sqliteRuntime = join(root, 'test/fixtures/sqlite-runtime.mjs');
const expectAllPassed = (out: string) => {
  const { passed, failed } = JSON.parse(out.trim().split('\n').at(-1)!) as { passed: string[]; failed: string[] };
  expect(failed).toEqual([]);
  expect(passed.length).toBeGreaterThanOrEqual(10);
};

describe.runIf(haveTool(bin('bun'), '--version', 'npm ci installs it'))('Bun: totpkit/sqlite on bun:sqlite', () => {
  it('passes the GuardStore conformance suite, races over four connections included', () => {
    const scratch = join(work, `bun-sqlite-${process.pid}`);
    mkdirSync(scratch, { recursive: true });
    const out = execFileSync(bin('bun'), ['run', sqliteRuntime, pathToFileURL(join(root, 'dist')).href, scratch], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expectAllPassed(out);
  }, 120_000);
});

describe.runIf(haveTool(bin('deno'), '--version', 'npm ci installs it'))('Deno: totpkit/sqlite on node:sqlite', () => {
  it("passes the GuardStore conformance suite on node:sqlite's DatabaseSync", () => {
    const scratch = join(work, `deno-sqlite-${process.pid}`);
    mkdirSync(scratch, { recursive: true });
    const out = execFileSync(
      bin('deno'),
      [
        'run',
        '--no-prompt',
        `--allow-read=${root}`,
        `--allow-write=${scratch}`,
        '--allow-env',
        sqliteRuntime,
        pathToFileURL(join(root, 'dist')).href,
        scratch,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(work, 'deno-cache') },
      },
    );
    expectAllPassed(out);
  }, 120_000);
});

describe.runIf(haveTool(bin('deno'), '--version', 'npm ci installs it'))('Deno', () => {
  it('runs the built package (read permission only) and agrees with Node byte for byte', () => {
    const out = execFileSync(bin('deno'), ['run', '--no-prompt', `--allow-read=${root}`, join(work, 'entry.mjs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(work, 'deno-cache') },
    });
    expect(JSON.parse(out)).toEqual(expected);
  }, 120_000);
});

describe.runIf(haveTool(bin('workerd'), '--version', 'npm ci installs it with miniflare'))('Cloudflare workerd', () => {
  it('runs a Worker bundled from the built package (no Node compatibility flag) and agrees ' +
    'with Node byte for byte', async () => {
    const bundle = await build({
      stdin: {
        contents: `
          import * as t from 'totpkit'; import * as qr from 'totpkit/qr';
          import * as guard from 'totpkit/guard'; import * as testing from 'totpkit/testing';
          import { probe } from ${JSON.stringify(probeFile)};
          import vectors from ${JSON.stringify(vectorsFile)};
          export default {
            async fetch() {
              const out = await probe({ t, qr, guard, testing }, vectors);
              return new Response(JSON.stringify(out), { headers: { 'content-type': 'application/json' } });
            },
          };`,
        resolveDir: root,
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      conditions: ['workerd', 'worker', 'browser'],
      logLevel: 'silent',
    });
    const { Miniflare } = await import('miniflare');
    const mf = new Miniflare({ modules: true, script: bundle.outputFiles[0]!.text, compatibilityDate: '2026-01-01' });
    try {
      const response = await mf.dispatchFetch('http://localhost/');
      const text = await response.text();
      expect(response.status, text.slice(0, 500)).toBe(200);
      expect(JSON.parse(text)).toEqual(expected);
    } finally {
      await mf.dispose();
    }
  }, 120_000);
});

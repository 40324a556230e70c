/**
 * totpkit/cloudflare inside workerd (miniflare): the GuardStore conformance suite runs in a Worker
 * against the simulated D1 and Durable Objects, with its parallel requests; a store that is down
 * answers `storage` within the deadline. Bad input is checked in Node, before anything is sent.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { d1Store, durableObjectStore } from '../../src/adapters/cloudflare.js';
import { errorCode, root } from '../helpers.js';

type Miniflare = import('miniflare').Miniflare;
let mf: Miniflare;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(root, 'test/fixtures/cloudflare-worker.mjs')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'import'],
    // `totpkit/…` resolves to the build through package.json `exports` (a self-reference).
  });
  const { Miniflare } = await import('miniflare');
  mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]!.text,
    compatibilityDate: '2026-01-01',
    d1Databases: ['GUARD_DB'],
    durableObjects: { GUARD: 'GuardObject' },
  });
}, 120_000);
afterAll(async () => mf?.dispose());

const conformance = async (path: string) => {
  const response = await mf.dispatchFetch(`http://localhost${path}`);
  const text = await response.text();
  expect(response.status, text.slice(0, 500)).toBe(200);
  return JSON.parse(text) as { passed: string[]; failed: string[] };
};

describe('inside workerd (miniflare)', () => {
  it('D1: the conformance suite passes, races included (one batch per settle)', async () => {
    const r = await conformance('/d1');
    expect(r.failed).toEqual([]);
    expect(r.passed.length).toBeGreaterThanOrEqual(10);
  }, 180_000);

  it('Durable Objects: the conformance suite passes, races included (one object per credential)', async () => {
    const r = await conformance('/durable-objects');
    expect(r.failed).toEqual([]);
    expect(r.passed.length).toBeGreaterThanOrEqual(10);
  }, 180_000);

  it('a store that is down answers storage within the deadline', async () => {
    const response = await mf.dispatchFetch('http://localhost/down');
    const answers = (await response.json()) as { reason: string; ms: number }[];
    expect(answers.map((a) => a.reason)).toEqual(['storage', 'storage']);
    for (const a of answers) expect(a.ms).toBeLessThan(1000);
  }, 60_000);
});

describe('bad input, before anything is sent', () => {
  it('a binding of the wrong kind, a prefix that is not an identifier, an id that is not well-formed', async () => {
    expect(errorCode(() => d1Store({ database: {} as never }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => d1Store({ database: { prepare() {}, exec() {} } as never }))).toBe('ERR_INVALID_ARG_TYPE');
    const sent: unknown[] = [];
    const d1 = {
      prepare: (sql: string) => ({
        bind: (...v: unknown[]) => {
          sent.push(sql, v);
          return {};
        },
      }),
      batch: async () => [],
    };
    for (const prefix of ['Bad', 'x;drop table', ''])
      expect(errorCode(() => d1Store({ database: d1 as never, prefix }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => durableObjectStore({ namespace: { get() {} } as never }))).toBe('ERR_INVALID_ARG_TYPE');
    const fetched: unknown[] = [];
    const ns = {
      idFromName: (n: string) => n,
      get: () => ({
        fetch: async (...a: unknown[]) => {
          fetched.push(a);
          return new Response('{}');
        },
      }),
    };
    for (const store of [d1Store({ database: d1 as never }), durableObjectStore({ namespace: ns as never })])
      await expect(
        store.settle('a\uD800', { now: 1, maxFailures: 2, lockUntil: 2, verified: false }),
      ).rejects.toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
      });
    expect(sent).toEqual([]);
    expect(fetched).toEqual([]);
  });
});

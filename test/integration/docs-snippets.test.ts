/**
 * Every `ts` and `js` block of the README and docs/*.md type-checks under `strict` against the
 * built package, as a user's copy would: each block is saved as a module inside the package (so
 * `import 'totpkit'` resolves through package.json `exports` to dist/, like an installed copy) and
 * compiled with `moduleResolution: "nodenext"`. The names a snippet may use without defining them
 * (`db`, `user`, `form`, `session`, `render`, …) are declared once, in PLACEHOLDERS below; nothing
 * else is. Blocks of other libraries (the otplib, otpauth and speakeasy halves of docs/migrating.md)
 * are run against those libraries by migrating.test.ts instead. Blocks that run (the quick start,
 * docs/testing.md, docs/migrating.md) keep running in their own tests.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../helpers.js';

/** What a snippet may use without defining it: the application around the library. */
const PLACEHOLDERS = `
import type { Credential, Enrollment, Keyring, RecoveryCodeSet } from 'totpkit';
declare global {
  // the application's storage, request, session and page
  const db: any;
  const user: { id: string; email: string; recovery: RecoveryCodeSet; [field: string]: any };
  const form: { code: string; [field: string]: string };
  const session: { enrollmentToken: string; [field: string]: unknown };
  function render(...content: unknown[]): void;
  function showWarning(...details: unknown[]): void;
  const audit: { log(event: unknown): void };
  const log: { warn(...args: unknown[]): void };
  // values a snippet works with
  const keyring: Keyring;
  const sealingKey32: Uint8Array;
  const secret: Uint8Array;
  const credential: Credential;
  const credentialId: string;
  const enrollment: Enrollment;
  const set: RecoveryCodeSet;
  const token: string;
  const code: string;
  const uri: string;
  const scanned: string;
  const text: string;
  const ip: string;
  const deviceId: string;
  const brandSvg: string;
  // docs/accounts.md: the account read, the verifier, the response, the mailer and the password check
  const account: import('totpkit/account').Account;
  const verifier: import('totpkit/guard').Verifier;
  const res: { setHeader(name: string, value: string): void };
  const cookies: Record<string, string | undefined>;
  function sendMail(accountId: string, notice: import('totpkit/account').Notice): void;
  function save(
    old: import('totpkit/account').Account,
    change: import('totpkit/account').AccountChange,
  ): Promise<boolean>;
  function checkPassword(user: unknown, password: string): Promise<boolean>;
  // the clients the README's store section creates
  const redis: import('ioredis').Redis;
  const pool: import('pg').Pool;
  // a test runner's globals and a store of the reader's own (docs/custom-store.md)
  function describe(name: string, body: () => void): void;
  function it(name: string, body: () => unknown, timeout?: number): void;
  function connect(): Promise<{ quit(): Promise<void> }>;
  function myStore(options: { client: unknown }): import('totpkit/guard').GuardStore;
}
`;

const PEERS = new Set(['otplib', 'otpauth', 'speakeasy']);
const docs = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));

interface Snippet {
  doc: string;
  line: number;
  code: string;
}

const snippets: Snippet[] = docs.flatMap((doc) => {
  const text = readFileSync(join(root, doc), 'utf8');
  return [...text.matchAll(/^( *)```(ts|js|typescript|javascript)(?: (\w+))?\n([\s\S]*?)^\1```$/gm)]
    .filter((m) => !PEERS.has(m[3] ?? ''))
    .map((m) => ({
      doc,
      line: text.slice(0, m.index).split('\n').length + 1,
      code: m[4]!
        .split('\n')
        .map((l) => l.slice(m[1]!.length))
        .join('\n'),
    }));
});

const dir = join(root, '.artifacts', 'snippets');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Type-checks the snippets; the diagnostics of each, as `doc:line: message`. */
function check(list: Snippet[]): Map<Snippet, string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'placeholders.d.ts'), `${PLACEHOLDERS}\nexport {};\n`);
  const files = new Map<string, Snippet>();
  list.forEach((s, i) => {
    const file = join(dir, `${s.doc.replace(/[^\w]/g, '_')}-${s.line}-${i}.ts`);
    // A module of its own (top-level await, no clashes between snippets).
    writeFileSync(file, `${s.code}\nexport {};\n`);
    files.set(file, s);
  });
  const program = ts.createProgram([join(dir, 'placeholders.d.ts'), ...files.keys()], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    skipLibCheck: true,
  });
  const found = new Map<Snippet, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const snippet = d.file === undefined ? undefined : files.get(d.file.fileName);
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (snippet === undefined) {
      const where = d.file === undefined ? 'program' : relative(root, d.file.fileName);
      throw new Error(`${where}: ${message}`);
    }
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    found.set(snippet, [...(found.get(snippet) ?? []), `${snippet.doc}:${snippet.line + line}: ${message}`]);
  }
  return found;
}

describe('code blocks of the README and docs/*.md', () => {
  it('are found: the README and every doc with code', () => {
    expect(new Set(snippets.map((s) => s.doc))).toEqual(
      new Set(
        ['README.md', 'docs/custom-store.md', 'docs/migrating.md', 'docs/testing.md', 'docs/accounts.md'].filter((d) =>
          docs.includes(d),
        ),
      ),
    );
    expect(snippets.length).toBeGreaterThanOrEqual(20);
  });

  it('type-check under strict against the built package', () => {
    const errors = [...check(snippets).values()].flat();
    expect(errors).toEqual([]);
  }, 120_000);

  it('the check can fail: a wrong call, an unknown import and an undeclared name are each reported', () => {
    const bad = [
      { doc: 'bad.md', line: 1, code: `import { totp } from 'totpkit';\ntotp('not bytes', { digits: '6' });` },
      { doc: 'bad.md', line: 10, code: `import { noSuchExport } from 'totpkit';` },
      { doc: 'bad.md', line: 20, code: `console.log(undeclaredPlaceholder);` },
      { doc: 'bad.md', line: 30, code: `import { totp } from 'totpkit';\nconsole.log(totp(secret));` },
    ];
    const found = check(bad);
    expect(found.get(bad[0]!)?.join('\n')).toMatch(/^bad\.md:2: /);
    expect(found.get(bad[1]!)?.join('\n')).toMatch(/noSuchExport/);
    expect(found.get(bad[2]!)?.join('\n')).toMatch(/undeclaredPlaceholder/);
    expect(found.has(bad[3]!)).toBe(false); // a correct snippet using a placeholder passes
  }, 120_000);
});

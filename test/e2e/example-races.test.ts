/**
 * The example server under concurrent requests, on real PostgreSQL: each race from the accounts
 * issue is fired 50 times, as two HTTP requests sent together (each from its own session where the
 * race needs two). After every trial:
 *
 * - whenever a response told the user two-factor login is on, a password-only login is refused;
 * - the answers agree with the stored account (a change that was reported happened, one reported
 *   as refused did not);
 * - the notices and the audit log replay to the stored account: authenticators added minus removed
 *   are the ones stored, recovery codes used since the last replacement are the ones marked used,
 *   and every notice is in the audit log.
 *
 * Every account write in the example is a compare-and-set on the account version, so of two
 * requests that read the same version one writes and the other answers "changed meanwhile".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmEnrollment, generateRecoveryCodes, parseOtpauthUri, startEnrollment, totp } from '../../src/index.js';
import { root } from '../helpers.js';
import { DATABASE_URL as databaseUrl, havePostgres } from '../services.js';

const TRIALS = 50;
const PASSWORD = 'correct horse battery staple';

/** One browser: its cookie and the CSRF token of the last page it saw. */
class Client {
  cookie = '';
  csrf = '';
  constructor(private readonly base: string) {}

  private remember(res: Response): void {
    const set = res.headers.get('set-cookie');
    const m = set && /^(sid=[^;]*)/.exec(set);
    if (m) this.cookie = m[1]!.endsWith('=') ? '' : m[1]!;
  }

  /** GET a page; returns its HTML (redirects are followed by hand, keeping the cookie). */
  async get(path: string): Promise<{ status: number; html: string; path: string }> {
    let at = path;
    for (let hop = 0; hop < 5; hop++) {
      const res = await fetch(new URL(at, this.base), { headers: { cookie: this.cookie }, redirect: 'manual' });
      this.remember(res);
      const location = res.headers.get('location');
      if (res.status === 303 && location) {
        at = location;
        continue;
      }
      const html = await res.text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(html);
      if (csrf) this.csrf = csrf[1]!;
      return { status: res.status, html, path: at };
    }
    throw new Error(`too many redirects from ${path}`);
  }

  /** POST a form with the CSRF token; returns where it redirects (path and `m` message). */
  async post(path: string, fields: Record<string, string> = {}): Promise<{ to: string; m: string | null }> {
    const res = await fetch(new URL(path, this.base), {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: this.csrf, ...fields }).toString(),
      redirect: 'manual',
    });
    this.remember(res);
    await res.arrayBuffer();
    // 403: the session was ended by the other request (a 2FA change logs out every other session).
    if (res.status === 403) return { to: '', m: 'form_expired' };
    expect(res.status, `POST ${path}`).toBe(303);
    const to = new URL(res.headers.get('location')!, this.base);
    return { to: to.pathname, m: to.searchParams.get('m') };
  }
}

describe.runIf(havePostgres)('example server: every race 50 times on PostgreSQL', () => {
  const work = mkdtempSync(join(tmpdir(), 'totpkit-races-'));
  const clockFile = join(work, 'clock');
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  /** Moves the server's clock to a fresh TOTP step (each accepted code spends its step). */
  const nextStep = () => {
    now += 30_000;
    writeFileSync(clockFile, String(now));
  };
  let child: ChildProcess;
  let base = '';
  let db: pg.Client;
  const prefix = `race${Date.now().toString(36)}`;
  let serial = 0;

  beforeAll(async () => {
    writeFileSync(clockFile, String(now));
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    child = spawn(process.execPath, [join(root, 'examples/server/server.mjs')], {
      env: {
        ...process.env,
        PORT: '0',
        DATA_DIR: work,
        DATABASE_URL: databaseUrl,
        REDIS_URL: '',
        EXAMPLE_CLOCK_FILE: clockFile,
        EXAMPLE_SCRYPT_LOG2N: '10',
        MAX_FAILURES: '100',
        PASSWORD_MAX_FAILURES: '100',
        LOCK_MINUTES: '7',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const errors: string[] = [];
    child.stderr!.on('data', (d: Buffer) => errors.push(String(d)));
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`example did not start: ${errors.join('')}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        const m = /listening on (http:\/\/[^ ]+\/)/.exec(String(d));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`example exited with ${code}: ${errors.join('')}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await db?.query("DELETE FROM example_users WHERE username LIKE $1 || '%'", [prefix]).catch(() => {});
    await db?.end();
    rmSync(work, { recursive: true, force: true });
  });

  /** A new user, logged in (2FA off). */
  async function signUp(): Promise<{ username: string; client: Client }> {
    const username = `${prefix}-${serial++}`;
    const client = new Client(base);
    await client.get('/signup');
    expect(await client.post('/signup', { username, password: PASSWORD })).toEqual({ to: '/', m: 'welcome' });
    await client.get('/');
    return { username, client };
  }

  /** A second browser of the same user, logged in with the password (and a code when 2FA is on). */
  async function logIn(username: string, secret?: Uint8Array, stopAtCode = false): Promise<Client> {
    const client = new Client(base);
    await client.get('/login');
    const r = await client.post('/login', { username, password: PASSWORD });
    if (r.to === '/login/2fa' && !stopAtCode) {
      nextStep();
      await client.get('/login/2fa');
      expect(await client.post('/login/2fa', { code: totp(secret!, { time: now }) })).toEqual({
        to: '/',
        m: 'logged_in',
      });
    }
    await client.get(r.to === '/login/2fa' && stopAtCode ? '/login/recovery' : '/');
    return client;
  }

  /** Whether a password alone logs `username` in (the one thing a race must never cause wrongly). */
  async function passwordAloneLogsIn(username: string): Promise<boolean> {
    const client = new Client(base);
    await client.get('/login');
    const r = await client.post('/login', { username, password: PASSWORD });
    expect(['/', '/login/2fa']).toContain(r.to);
    return r.to === '/';
  }

  /** Starts a set-up in `client`'s session; returns the new authenticator's secret. */
  async function startSetUp(client: Client): Promise<Uint8Array> {
    await client.post('/2fa/enroll/start');
    const page = await client.get('/2fa/enroll');
    const uri = /id="open-in-app" href="([^"]+)"/.exec(page.html)![1]!.replaceAll('&amp;', '&');
    return parseOtpauthUri(uri).secret;
  }

  /** A user with one authenticator and recovery codes; their session, secret and codes. */
  async function enrolledUser(): Promise<{ username: string; client: Client; secret: Uint8Array; codes: string[] }> {
    const { username, client } = await signUp();
    const secret = await startSetUp(client);
    nextStep();
    expect(await client.post('/2fa/enroll', { code: totp(secret, { time: now }) })).toEqual({
      to: '/2fa/recovery-codes',
      m: 'two_factor_on',
    });
    const shown = await client.get('/2fa/recovery-codes');
    const codes = [...shown.html.matchAll(/<li>([A-Z0-9-]+)<\/li>/g)].map((m) => m[1]!);
    expect(codes.length).toBe(10);
    await client.post('/2fa/recovery-codes/done');
    await client.get('/');
    return { username, client, secret, codes };
  }

  interface Stored {
    authenticators: { id: string }[];
    recovery: { codes: { usedAt: number | null }[] } | null;
    pendingEnrollment: { status: string } | null;
    version: number;
  }
  /** The stored account, after checking that the notices and the audit log replay to it. */
  async function storedAccount(username: string): Promise<Stored> {
    const { rows } = await db.query('SELECT id, account FROM example_users WHERE username = $1', [username]);
    const { id, account } = rows[0] as { id: number; account: Stored };
    const notices = (
      await db.query('SELECT notice FROM example_notices WHERE user_id = $1 ORDER BY id', [id])
    ).rows.map((r) => r.notice as { kind: string; authenticatorId?: string });
    const ids = new Set<string>();
    let usedSinceReplaced = 0;
    for (const n of notices) {
      if (n.kind === 'authenticator_added') ids.add(n.authenticatorId!);
      if (n.kind === 'authenticator_removed') ids.delete(n.authenticatorId!);
      if (n.kind === 'two_factor_off') ids.clear();
      if (n.kind === 'recovery_codes_replaced') usedSinceReplaced = 0;
      if (n.kind === 'recovery_code_used') usedSinceReplaced++;
    }
    expect([...ids].sort()).toEqual(account.authenticators.map((a) => a.id).sort());
    if (account.recovery)
      expect(account.recovery.codes.filter((c) => c.usedAt !== null).length).toBe(usedSinceReplaced);
    // The audit log is written after the response (in order, by one writer): wait for it, bounded.
    let audited: unknown[] = [];
    for (let i = 0; i < 100 && audited.length < notices.length; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      audited = (
        await db.query(
          "SELECT event->'notice' AS notice FROM example_audit WHERE user_id = $1 AND event->>'kind' = 'notice' " +
            'ORDER BY id',
          [id],
        )
      ).rows.map((r) => r.notice);
    }
    expect(audited).toEqual(notices);
    return account;
  }

  it('a GET without a cookie stores no session; the first POST from that browser does', async () => {
    const client = new Client(base);
    const count = async () => {
      const id = /^sid=(.+)$/.exec(client.cookie)![1]!;
      const hash = createHash('sha256').update(id).digest('base64url');
      return Number((await db.query('SELECT count(*) FROM example_sessions WHERE id_hash = $1', [hash])).rows[0].count);
    };
    await client.get('/login');
    expect(client.cookie).toMatch(/^sid=/);
    expect(await count()).toBe(0);
    await client.get('/signup'); // the same id and token on the next page
    expect(await count()).toBe(0);
    // A wrong password: the POST stores the anonymous session (and is answered normally).
    expect(await client.post('/login', { username: `${prefix}-nobody`, password: 'wrong password!' })).toMatchObject({
      to: '/login',
      m: 'wrong_password',
    });
    expect(await count()).toBe(1);
    // The lock duration comes from LOCK_MINUTES, in the hint and in the messages.
    const hint = await client.get('/login?left=99&m=password_locked');
    expect(hint.html).toContain('99 attempts left before a 7-minute lock.');
    expect(hint.html).toContain('Too many failed logins for this username. Try again in 7 minutes.');
  });

  it(
    'a user row of an earlier version (credential and recovery columns) keeps 2FA on and is converted ' +
      'by its first write',
    async () => {
      // What the example stored before accounts: a credential sealed with the server's key, a recovery set.
      const key = new Uint8Array(Buffer.from(readFileSync(join(work, 'sealing.key'), 'utf8'), 'base64url'));
      const keyring = { current: 'k1', keys: { k1: key } };
      const { username } = await signUp();
      const started = startEnrollment({ account: username, issuer: 'totpkit example', keyring, now });
      const secret = parseOtpauthUri(started.uri).secret;
      const confirmed = confirmEnrollment(started.enrollment, {
        token: started.token,
        code: totp(secret, { time: now }),
        keyring,
        now,
      });
      if (!confirmed.ok) throw new Error(`set-up failed: ${confirmed.reason}`);
      const { set } = generateRecoveryCodes({ now });
      await db.query('UPDATE example_users SET account = NULL, credential = $2, recovery = $3 WHERE username = $1', [
        username,
        confirmed.credential,
        set,
      ]);
      expect(await passwordAloneLogsIn(username)).toBe(false);
      await logIn(username, secret); // the code step: the first write, from version 0
      const { rows } = await db.query('SELECT account, credential, recovery FROM example_users WHERE username = $1', [
        username,
      ]);
      expect(rows[0]).toMatchObject({ credential: null, recovery: null, account: { version: 1 } });
      expect(rows[0].account.authenticators.map((a: { id: string }) => a.id)).toEqual([confirmed.credential.id]);
      expect(rows[0].account.recovery.codes).toHaveLength(10);
    },
  );

  it(`a double-submitted set-up confirmation (${TRIALS} trials)`, async () => {
    const outcomes = new Map<string, number>();
    for (let trial = 0; trial < TRIALS; trial++) {
      const { username, client } = await signUp();
      const secret = await startSetUp(client);
      nextStep();
      const code = totp(secret, { time: now });
      const answers = await Promise.all([client.post('/2fa/enroll', { code }), client.post('/2fa/enroll', { code })]);
      const toldOn = answers.filter((a) => a.m === 'two_factor_on').length;
      expect(toldOn).toBeLessThanOrEqual(1);
      const stored = await storedAccount(username);
      expect(stored.authenticators.length).toBe(toldOn);
      if (toldOn === 1) expect(await passwordAloneLogsIn(username)).toBe(false);
      const key = answers
        .map((a) => a.m)
        .sort()
        .join('+');
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.log('double confirmation outcomes:', Object.fromEntries(outcomes));
  }, 120_000);

  it(`set-up confirmation against "cancel" from another session (${TRIALS} trials)`, async () => {
    const outcomes = new Map<string, number>();
    for (let trial = 0; trial < TRIALS; trial++) {
      const { username, client } = await signUp();
      const other = await logIn(username);
      const secret = await startSetUp(client);
      nextStep();
      const [confirm, cancel] = await Promise.all([
        client.post('/2fa/enroll', { code: totp(secret, { time: now }) }),
        other.post('/2fa/enroll/cancel'),
      ]);
      const on = confirm.m === 'two_factor_on';
      const cancelled = cancel.m === 'setup_cancelled';
      expect(Number(on) + Number(cancelled), JSON.stringify({ confirm, cancel })).toBe(1);
      const stored = await storedAccount(username);
      expect(stored.authenticators.length).toBe(on ? 1 : 0);
      if (cancelled) expect(stored.pendingEnrollment?.status).toBe('revoked');
      expect(await passwordAloneLogsIn(username)).toBe(!on);
      const key = `${confirm.m}+${cancel.m}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.log('confirm against cancel outcomes:', Object.fromEntries(outcomes));
  }, 120_000);

  it(`adding an authenticator against removing one (${TRIALS} trials)`, async () => {
    const outcomes = new Map<string, number>();
    for (let trial = 0; trial < TRIALS; trial++) {
      const { username, client, secret, codes } = await enrolledUser();
      const other = await logIn(username, secret);
      const before = await storedAccount(username);
      nextStep();
      // One adds a second authenticator (proved with a recovery code), the other removes the only one.
      const [add, remove] = await Promise.all([
        client.post('/2fa/add', { label: 'Second phone', code: codes[0]! }),
        other.post('/2fa/remove', { id: before.authenticators[0]!.id, code: totp(secret, { time: now }) }),
      ]);
      const stored = await storedAccount(username);
      const removed = remove.m === 'two_factor_off';
      const started = add.to === '/2fa/enroll' && add.m === null;
      expect(removed || ['conflict', 'form_expired'].includes(remove.m!), JSON.stringify(remove)).toBe(true);
      expect(stored.authenticators.length).toBe(removed ? 0 : 1);
      expect(await passwordAloneLogsIn(username)).toBe(removed);
      // A set-up started after the removal would be a stale write: it must have lost.
      if (removed && started) expect(stored.pendingEnrollment).toBeNull();
      const key = `${add.m ?? add.to}+${remove.m}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.log('add against remove outcomes:', Object.fromEntries(outcomes));
  }, 120_000);

  it(`new recovery codes against a recovery-code login (${TRIALS} trials)`, async () => {
    const outcomes = new Map<string, number>();
    for (let trial = 0; trial < TRIALS; trial++) {
      const { username, client, secret, codes } = await enrolledUser();
      const other = await logIn(username, secret, true); // at the code step
      nextStep();
      const [regenerate, recovery] = await Promise.all([
        client.post('/2fa/recovery/regenerate', { code: totp(secret, { time: now }) }),
        other.post('/login/recovery', { code: codes[3]! }),
      ]);
      const replaced = regenerate.to === '/2fa/recovery-codes';
      const loggedIn = recovery.m === 'recovery_login';
      expect(replaced || regenerate.m === 'conflict', JSON.stringify(regenerate)).toBe(true);
      // Refused: lost the race, its session ended by the other, or the code belonged to the replaced set.
      const refused = ['conflict', 'form_expired'].includes(recovery.m!) || (replaced && recovery.m === 'mismatch');
      expect(loggedIn || refused, JSON.stringify({ regenerate, recovery })).toBe(true);
      expect(replaced || loggedIn).toBe(true);
      // storedAccount checks that a used code is marked used unless new codes replaced it later.
      const stored = await storedAccount(username);
      const used = stored.recovery!.codes.filter((c) => c.usedAt !== null).length;
      if (!replaced) expect(used).toBe(1);
      expect(stored.authenticators.length).toBe(1);
      expect(await passwordAloneLogsIn(username)).toBe(false);
      const key = `${regenerate.m ?? regenerate.to}+${recovery.m}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.log('regenerate against recovery login outcomes:', Object.fromEntries(outcomes));
  }, 120_000);
});

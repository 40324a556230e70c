#!/usr/bin/env node
// An auth server that uses totpkit the recommended way, on node:http with no framework:
// sign-up with a scrypt password hash, TOTP enrollment (SVG QR + manual entry), confirmation with
// the first code, recovery codes shown once, login with password + code or a recovery code,
// lockout (for codes and for passwords), an audit log in the database, and removal of the second
// factor.
//
// Run: npm run build && node examples/server/server.mjs   (then open http://127.0.0.1:3000)
// Storage: PGlite in ./examples/server/.data by default; DATABASE_URL / REDIS_URL when set.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateRecoveryCodes, startEnrollment } from 'totpkit';
import { createVerifier } from 'totpkit/guard';
import { toSvg } from 'totpkit/qr';
import { openStorage } from './db.mjs';
import { esc, form, input, page } from './html.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const ISSUER = process.env.ISSUER ?? 'totpkit example';
const dataDir = process.env.DATA_DIR ?? join(here, '.data');
mkdirSync(dataDir, { recursive: true });

// The sealing key for TOTP secrets at rest. Production: a secret manager, rotated by key id.
const keyFile = join(dataDir, 'sealing.key');
if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
const keyring = { current: 'k1', keys: { k1: new Uint8Array(Buffer.from(process.env.SEALING_KEY ?? readFileSync(keyFile, 'utf8'), 'base64url')) } };

const { db, store, close } = await openStorage({ dataDir: join(dataDir, 'pglite'), databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL });
// Audit events go to the database (one row each, in order); /audit waits for pending writes.
let auditWrites = Promise.resolve();
function recordAudit(event) {
  auditWrites = auditWrites
    .then(() => db.query('INSERT INTO example_audit (user_id, event, at) VALUES ($1, $2, $3)', [event.context?.userId ?? null, JSON.stringify(event), event.time]))
    .catch((error) => console.error('audit write failed:', error?.code ?? error?.name ?? 'error'));
}
/** How long a login waits for the guard's store before answering "try again shortly". */
const GUARD_TIMEOUT_MS = Number(process.env.GUARD_TIMEOUT_MS ?? 2000);
/** A store call answered within the guard's deadline: its result, or undefined on error or timeout. */
function withDeadline(promise, ms = GUARD_TIMEOUT_MS) {
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  return Promise.race([promise.catch(() => undefined), deadline]).finally(() => clearTimeout(timer));
}

const verifier = createVerifier({
  timeoutMs: GUARD_TIMEOUT_MS,
  store,
  keyring,
  maxFailures: Number(process.env.MAX_FAILURES ?? 5),
  lockSeconds: 900,
  // Turning the second factor off is high-risk: only the current code, no drift allowed.
  policies: { remove: { window: 0 } },
  onEvent: recordAudit,
});

// ---- passwords: scrypt (N = 2^15, r = 8, p = 1), per-user salt, constant-time comparison -------
const PASSWORD_MAX_FAILURES = Number(process.env.PASSWORD_MAX_FAILURES ?? 10);
const PASSWORD_LOCK_MS = 15 * 60_000;
const scryptAsync = promisify(scrypt);
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
async function hashPassword(password) {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}
async function checkPassword(password, stored) {
  const [, salt, hash] = (stored ?? 'scrypt$AAAA$AAAA').split('$');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), 32, SCRYPT);
  const expected = Buffer.from(hash, 'base64url');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

// ---- sessions: random id in an HttpOnly, SameSite=Lax cookie; CSRF token per session -----------
async function session(req, res) {
  const sid = /(?:^|;\s*)sid=([A-Za-z0-9_-]{43})/.exec(req.headers.cookie ?? '')?.[1];
  if (sid) {
    const { rows } = await db.query('SELECT * FROM example_sessions WHERE id = $1', [sid]);
    if (rows[0]) return rows[0];
  }
  const fresh = { id: randomBytes(32).toString('base64url'), user_id: null, stage: 'anonymous', csrf: randomBytes(24).toString('base64url'), enrollment_token: null, flash: null };
  await db.query('INSERT INTO example_sessions (id, stage, csrf, created_at) VALUES ($1, $2, $3, $4)', [fresh.id, fresh.stage, fresh.csrf, Date.now()]);
  res.setHeader('set-cookie', `sid=${fresh.id}; HttpOnly; SameSite=Lax; Path=/`);
  return fresh;
}
const saveSession = (s) =>
  db.query('UPDATE example_sessions SET user_id = $2, stage = $3, enrollment_token = $4, flash = $5 WHERE id = $1', [s.id, s.user_id, s.stage, s.enrollment_token, s.flash]);
async function rotateSession(s, res) {
  // A new id at every privilege change: a session fixed before login is worthless after it.
  await db.query('DELETE FROM example_sessions WHERE id = $1', [s.id]);
  const fresh = { ...s, id: randomBytes(32).toString('base64url'), csrf: randomBytes(24).toString('base64url') };
  await db.query('INSERT INTO example_sessions (id, user_id, stage, csrf, enrollment_token, flash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [fresh.id, fresh.user_id, fresh.stage, fresh.csrf, fresh.enrollment_token, fresh.flash, Date.now()]);
  res.setHeader('set-cookie', `sid=${fresh.id}; HttpOnly; SameSite=Lax; Path=/`);
  return fresh;
}

const userById = async (id) => (await db.query('SELECT * FROM example_users WHERE id = $1', [id])).rows[0];
const saveUser = (u) =>
  db.query('UPDATE example_users SET credential = $2, enrollment = $3, recovery = $4 WHERE id = $1', [u.id, u.credential && JSON.stringify(u.credential), u.enrollment && JSON.stringify(u.enrollment), u.recovery && JSON.stringify(u.recovery)]);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw Object.assign(new Error('form too large'), { status: 413 });
  }
  return Object.fromEntries(new URLSearchParams(body));
}

const send = (res, status, html) => {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(html);
};
const redirect = (res, to) => {
  res.writeHead(303, { location: to });
  res.end();
};
/** Show `message` on the next page, then redirect there. */
async function flashTo(res, s, message, to) {
  s.flash = message;
  await saveSession(s);
  redirect(res, to);
}
const flashOf = async (s) => {
  const flash = s.flash;
  if (flash) {
    s.flash = null;
    await saveSession(s);
  }
  return flash;
};

// ---- pages ----------------------------------------------------------------------------------
const routes = {
  async 'GET /'(req, res, s) {
    const user = s.stage === 'full' ? await userById(s.user_id) : undefined;
    if (!user) {
      return send(res, 200, page('Welcome', `<p><a href="/signup">Sign up</a> · <a href="/login">Log in</a></p>`, { flash: await flashOf(s) }));
    }
    const twoFactor = user.credential
      ? `<p>Two-factor login is <strong>on</strong> (${esc(user.credential.deviceLabel ?? 'authenticator app')}).
         ${user.recovery ? `${user.recovery.codes.filter((c) => c.usedAt === null).length} recovery codes left.` : ''}</p>
         ${form('/2fa/remove', s.csrf, input('code', 'Current code, to turn two-factor login off', 'text', 'inputmode="numeric" autocomplete="one-time-code"'), 'Remove two-factor login')}`
      : `<p>Two-factor login is <strong>off</strong>. <a href="/2fa/enroll">Turn it on</a></p>`;
    send(res, 200, page(`Hello, ${user.username}`, `${twoFactor}<p><a href="/audit">Audit log</a></p>${form('/logout', s.csrf, '', 'Log out')}`, { flash: await flashOf(s) }));
  },

  async 'GET /signup'(req, res, s) {
    send(res, 200, page('Sign up', form('/signup', s.csrf, input('username', 'Username') + input('password', 'Password (8+ characters)', 'password', 'minlength="8"'), 'Sign up'), { flash: await flashOf(s) }));
  },
  async 'POST /signup'(req, res, s, f) {
    if (!/^[A-Za-z0-9._@-]{3,64}$/.test(f.username ?? '') || (f.password ?? '').length < 8) {
      return flashTo(res, s, 'Usernames are 3..64 letters, digits or ._@-; passwords 8 characters or more.', '/signup');
    }
    const { rows } = await db.query('INSERT INTO example_users (username, password, created_at) VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING RETURNING id', [f.username, await hashPassword(f.password), Date.now()]);
    if (!rows[0]) {
      return flashTo(res, s, 'That username is taken.', '/signup');
    }
    await rotateSession({ ...s, user_id: rows[0].id, stage: 'full' }, res);
    redirect(res, '/');
  },

  async 'GET /login'(req, res, s) {
    send(res, 200, page('Log in', form('/login', s.csrf, input('username', 'Username') + input('password', 'Password', 'password'), 'Log in'), { flash: await flashOf(s) }));
  },
  async 'POST /login'(req, res, s, f) {
    // Passwords are throttled like codes, per username whether or not it exists, in the same store
    // the guard uses, so parallel guesses and several server processes share one budget and an
    // unknown name looks like a known one. As in the guard, the check runs first and the store
    // settles it in one call: the answer is given only after the attempt has been counted, and a
    // locked username is refused even with the right password.
    const username = String(f.username ?? '');
    const now = Date.now();
    const user = (await db.query('SELECT * FROM example_users WHERE username = $1', [username])).rows[0];
    const ok = (await checkPassword(f.password ?? '', user?.password)) && user !== undefined; // hashes even for unknown users
    const settled = await withDeadline(store.settle(`password:${username}`, { now, maxFailures: PASSWORD_MAX_FAILURES, lockUntil: now + PASSWORD_LOCK_MS, verified: ok }));
    if (settled === undefined) {
      recordAudit({ kind: 'password', outcome: 'storage', failures: 0, time: now, context: { userId: null, ip: req.socket.remoteAddress } });
      return flashTo(res, s, 'Sign-in is briefly unavailable. Try again shortly.', '/login');
    }
    if (settled.status === 'locked') {
      recordAudit({ kind: 'password', outcome: 'locked', failures: settled.failures, time: now, context: { userId: null, ip: req.socket.remoteAddress } });
      return flashTo(res, s, 'Too many failed logins for this username. Try again in 15 minutes.', '/login');
    }
    if (settled.status !== 'accepted') {
      recordAudit({ kind: 'password', outcome: 'failure', failures: settled.failures, time: now, context: { userId: user?.id ?? null, ip: req.socket.remoteAddress } });
      return flashTo(res, s, 'Wrong username or password.', '/login');
    }
    await rotateSession({ ...s, user_id: user.id, stage: user.credential ? 'password' : 'full' }, res);
    redirect(res, user.credential ? '/login/2fa' : '/');
  },

  async 'GET /login/2fa'(req, res, s) {
    if (s.stage !== 'password') return redirect(res, '/login');
    send(res, 200, page('Enter your code', form('/login/2fa', s.csrf, input('code', 'Code from your authenticator app', 'text', 'inputmode="numeric" autocomplete="one-time-code"'), 'Verify') + `<p><a href="/login/recovery">Use a recovery code</a></p>`, { flash: await flashOf(s) }));
  },
  async 'POST /login/2fa'(req, res, s, f) {
    if (s.stage !== 'password') return redirect(res, '/login');
    const user = await userById(s.user_id);
    const r = await verifier.verify({ credential: user.credential, code: String(f.code ?? '').replaceAll(' ', ''), context: { userId: user.id, ip: req.socket.remoteAddress } });
    if (!r.ok) {
      return flashTo(res, s, MESSAGES[r.reason] ?? 'That code did not work.', '/login/2fa');
    }
    user.credential = r.credential;
    await saveUser(user);
    await rotateSession({ ...s, stage: 'full', flash: 'Logged in with your authenticator app.' }, res);
    redirect(res, '/');
  },

  async 'GET /login/recovery'(req, res, s) {
    if (s.stage !== 'password') return redirect(res, '/login');
    send(res, 200, page('Use a recovery code', form('/login/recovery', s.csrf, input('code', 'Recovery code', 'text', 'autocomplete="off"'), 'Verify'), { flash: await flashOf(s) }));
  },
  async 'POST /login/recovery'(req, res, s, f) {
    if (s.stage !== 'password') return redirect(res, '/login');
    const user = await userById(s.user_id);
    const r = await verifier.useRecoveryCode({ credentialId: user.credential.id, set: user.recovery, code: String(f.code ?? ''), context: { userId: user.id } });
    if (!r.ok) {
      return flashTo(res, s, MESSAGES[r.reason] ?? 'That recovery code did not work.', '/login/recovery');
    }
    user.recovery = r.set;
    await saveUser(user);
    await rotateSession({ ...s, stage: 'full', flash: `Logged in with a recovery code. ${r.remaining} left.` }, res);
    redirect(res, '/');
  },

  async 'GET /2fa/enroll'(req, res, s) {
    if (s.stage !== 'full') return redirect(res, '/login');
    const user = await userById(s.user_id);
    if (user.credential) return redirect(res, '/');
    const started = startEnrollment({ account: user.username, issuer: ISSUER, keyring, previous: user.enrollment ?? undefined, deviceLabel: 'authenticator app' });
    user.enrollment = started.enrollment;
    await saveUser(user);
    s.enrollment_token = started.token; // the token lives in this session only
    await saveSession(s);
    const svg = toSvg(started.uri, { title: 'QR code for your authenticator app', moduleSize: 6 });
    send(res, 200, page('Turn on two-factor login', `
<p>Scan this with your authenticator app, then enter the code it shows.</p>
<div id="qr">${svg}</div>
<details><summary>Can’t scan it?</summary><pre id="manual">${esc(started.manual.text)}</pre></details>
${form('/2fa/enroll', s.csrf, input('code', 'Code from the app', 'text', 'inputmode="numeric" autocomplete="one-time-code"'), 'Turn on')}
<p><small>This code expires in 10 minutes.</small></p>`, { flash: await flashOf(s) }));
  },
  async 'POST /2fa/enroll'(req, res, s, f) {
    if (s.stage !== 'full') return redirect(res, '/login');
    const user = await userById(s.user_id);
    if (!user.enrollment) return redirect(res, '/2fa/enroll');
    const r = await verifier.confirmEnrollment({ enrollment: user.enrollment, token: s.enrollment_token ?? '', code: String(f.code ?? '').replaceAll(' ', ''), context: { userId: user.id } });
    user.enrollment = r.enrollment;
    if (!r.ok) {
      await saveUser(user);
      return flashTo(res, s, MESSAGES[r.reason] ?? 'That code did not work.', r.reason === 'revoked' || r.reason === 'expired' ? '/2fa/enroll' : '/2fa/enroll?retry');
    }
    const { codes, set } = generateRecoveryCodes({ previous: user.recovery ?? undefined });
    user.credential = r.credential;
    user.recovery = set;
    await saveUser(user);
    s.enrollment_token = null;
    await saveSession(s);
    // Shown once: only hashes are stored.
    send(res, 200, page('Two-factor login is on', `
<p>Save these recovery codes somewhere safe. Each works once; this is the only time they are shown.</p>
<ul class="codes" id="recovery-codes">${codes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>
<p><a href="/">Continue</a></p>`));
  },

  async 'POST /2fa/remove'(req, res, s, f) {
    if (s.stage !== 'full') return redirect(res, '/login');
    const user = await userById(s.user_id);
    if (!user.credential) return redirect(res, '/');
    // Removing the second factor needs the second factor.
    const r = await verifier.verify({ credential: user.credential, code: String(f.code ?? '').replaceAll(' ', ''), operation: 'remove', context: { userId: user.id } });
    if (!r.ok) {
      return flashTo(res, s, MESSAGES[r.reason] ?? 'That code did not work.', '/');
    }
    Object.assign(user, { credential: null, enrollment: null, recovery: null });
    await saveUser(user);
    await flashTo(res, s, 'Two-factor login is off.', '/');
  },

  async 'GET /audit'(req, res, s) {
    if (s.stage !== 'full') return redirect(res, '/login');
    const user = await userById(s.user_id);
    await auditWrites;
    const { rows: latest } = await db.query('SELECT event FROM example_audit WHERE user_id = $1 ORDER BY id DESC LIMIT 50', [user.id]);
    const mine = latest.map((r) => (typeof r.event === 'string' ? JSON.parse(r.event) : r.event));
    const rows = mine.map((e) => `<tr><td>${esc(new Date(e.time).toISOString())}</td><td>${esc(e.kind)}</td><td>${esc(e.outcome)}</td><td>${esc(e.reason ?? '')}</td><td>${esc(e.failures)}</td><td>${e.anomaly ? 'yes' : ''}</td><td>${esc(e.context?.ip ?? '')}</td></tr>`);
    send(res, 200, page('Audit log', `<table id="audit"><tr><th>time</th><th>kind</th><th>outcome</th><th>reason</th><th>failures</th><th>anomaly</th><th>ip</th></tr>${rows.join('')}</table><p><a href="/">Back</a></p>`));
  },

  async 'POST /logout'(req, res, s) {
    await db.query('DELETE FROM example_sessions WHERE id = $1', [s.id]);
    res.setHeader('set-cookie', 'sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0');
    redirect(res, '/');
  },
};

const MESSAGES = {
  malformed: 'Codes are 6 digits.',
  mismatch: 'That code is not right.',
  replayed: 'That code was already used. Wait for the next one.',
  locked: 'Too many wrong codes. Try again in 15 minutes.',
  storage: 'Something went wrong on our side. Try again.',
  used: 'That code was already used.',
  expired: 'That setup expired. Here is a new one.',
  revoked: 'Too many attempts. Here is a new setup.',
  token_mismatch: 'This setup belongs to another browser session. Here is a new one.',
  code_mismatch: 'That code is not right. Check the app and try again.',
};

const server = createServer(async (req, res) => {
  try {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes[`${req.method} ${path}`];
    if (!route) return send(res, 404, page('Not found', '<p><a href="/">Home</a></p>'));
    const s = await session(req, res);
    let f = {};
    if (req.method === 'POST') {
      f = await readForm(req);
      const given = Buffer.from(String(f.csrf ?? ''));
      const expected = Buffer.from(s.csrf);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return send(res, 403, page('Forbidden', '<p>The form expired. <a href="/">Start again</a></p>'));
    }
    await route(req, res, s, f);
  } catch (error) {
    // Never echo input; log the error code only.
    console.error('request failed:', error?.code ?? error?.name ?? 'error');
    if (!res.headersSent) send(res, error?.status ?? 500, page('Error', '<p>Something went wrong.</p>'));
  }
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  console.log(`totpkit example listening on http://${HOST}:${port}/ (storage: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ' + Redis' : ''})`);
});
const shutdown = () => server.close(async () => {
  await close();
  process.exit(0);
});
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

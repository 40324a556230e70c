// The example's wiring: sessions, the audit log, the guard's verifiers, the accounts, the responses
// every route shares, and the request handler. The routes live in ./routes by group.
//
// Every state change is a POST with the session's CSRF token, and answers with a redirect to a GET
// (post/redirect/get), so a refresh never repeats it. Messages travel as a key in the query string
// (`?m=mismatch`), looked up in MESSAGES: the URL can never carry text of an attacker's choosing
// into the page.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openSecret, sealSecret } from 'totpkit';
import { createVerifier } from 'totpkit/guard';
import { createAccounts } from './accounts.mjs';
import { reasonOf } from './db.mjs';
import { esc, page } from './html.mjs';
import { accountRoutes } from './routes/account.mjs';
import { loginRoutes } from './routes/login.mjs';
import { setupRoutes } from './routes/setup.mjs';
import { appendCookie, createSessions } from './sessions.mjs';

/** The messages a redirect can name; `{lock}` becomes the configured lock duration. */
const MESSAGES = {
  // TOTP and recovery codes
  malformed: ['error', 'Codes are 6 digits.'],
  mismatch: ['error', 'That code is not right. Check the app and try again.'],
  last_mismatch: ['error', 'That code is not right, and that was the last attempt: code login is locked for {lock}.'],
  replayed: ['error', 'That code was already used. Wait for the next one.'],
  locked: ['error', 'Too many wrong codes. Code login is locked; try again in {lock}.'],
  used: ['error', 'That recovery code was already used.'],
  // set-up
  code_mismatch: [
    'error',
    'That code is not right. Check that the app shows the account named below, then try the code it shows now.',
  ],
  token_mismatch: ['error', 'This set-up was started in another browser. Start over here.'],
  expired: ['error', 'That set-up expired. Start over to get a new QR code.'],
  revoked: ['error', 'This set-up was cancelled or used up. Start over to get a new QR code.'],
  // passwords and accounts
  bad_signup: ['error', 'Usernames are 3..64 letters, digits or ._@-; passwords 12..256 characters.'],
  taken: ['error', 'That username is taken.'],
  wrong_password: ['error', 'Wrong username or password.'],
  last_wrong_password: [
    'error',
    'Wrong username or password, and that was the last attempt: this username is locked for {lock}.',
  ],
  password_locked: ['error', 'Too many failed logins for this username. Try again in {lock}.'],
  bad_label: ['error', 'Names are 1..64 visible characters, without a colon.'],
  label_taken: ['error', 'You already have an authenticator with that name.'],
  too_many: ['error', 'An account can have at most 10 authenticators. Remove one first.'],
  // two requests at once
  conflict: ['error', 'Your account changed in another tab or device at the same time. Nothing was changed here.'],
  // sessions
  idle: ['info', 'You were logged out after a while without activity. Log in again.'],
  absolute: ['info', 'Your session ended. Log in again.'],
  pending: ['info', 'The code was not entered in time. Log in again.'],
  logged_out: ['success', 'You are logged out.'],
  // done
  welcome: ['success', 'Welcome! Your account is ready.'],
  logged_in: ['success', 'Logged in.'],
  logged_in_remembered: ['success', 'Logged in. This browser is remembered, so no code was needed.'],
  device_forgotten: ['success', 'That browser will be asked for a code again.'],
  two_factor_on: ['success', 'Two-factor login is on. Other sessions were logged out.'],
  two_factor_off: ['success', 'Two-factor login is off. Other sessions were logged out.'],
  authenticator_added: ['success', 'Authenticator added. Other sessions were logged out.'],
  authenticator_removed: ['success', 'Authenticator removed. Other sessions were logged out.'],
  renamed: ['success', 'Authenticator renamed.'],
  setup_cancelled: ['info', 'Set-up cancelled.'],
  codes_saved: ['success', 'Recovery codes saved.'],
  recovery_login: ['success', 'Logged in with a recovery code. Other sessions were logged out.'],
  new_setup: ['info', 'Here is a new QR code. Remove the old entry from your app if you scanned it.'],
};

/** Audit event kinds as the security log names them. */
const EVENT_NAMES = {
  signup: 'Account created',
  attempt: 'Password login',
  verify: 'Authenticator code',
  recovery: 'Recovery code login',
  enrollment: 'Two-factor set-up',
  notice: 'Security notice',
  remembered_device: 'Remembered browser',
  // Rows written by earlier versions of this example.
  password: 'Password login',
  two_factor: 'Two-factor login',
  recovery_codes: 'Recovery codes',
};

export function createApp({ db, store, keyring, clock, config, log }) {
  const lockText = `${config.lockMinutes} ${config.lockMinutes === 1 ? 'minute' : 'minutes'}`;
  const sessions = createSessions({
    db,
    clock,
    secure: config.secure,
    idleMs: config.sessionIdleMs,
    absoluteMs: config.sessionAbsoluteMs,
    pendingMs: config.sessionPendingMs,
    // Its own key, derived from the sealing key: one key, one purpose.
    csrfKey: createHmac('sha256', keyring.keys[keyring.current]).update('totpkit example: csrf').digest(),
  });

  // Audit events go to the database (one row each, in order); /audit waits for pending writes.
  let auditWrites = Promise.resolve();
  function audit(event) {
    auditWrites = auditWrites
      .then(() =>
        db.query('INSERT INTO example_audit (user_id, event, at) VALUES ($1, $2, $3)', [
          event.context?.userId ?? null,
          JSON.stringify(event),
          event.time,
        ]),
      )
      .catch((error) => log(`audit write failed: ${reasonOf(error)}`));
  }
  /** Who and from where: on every audit row. */
  const context = (req, userId) => ({
    userId: userId ?? null,
    ip: req.socket.remoteAddress ?? null,
    userAgent: String(req.headers['user-agent'] ?? '').slice(0, 200),
  });
  /** An event of the app's own (sign-up), shaped like the guard's. */
  const appEvent = (req, kind, outcome, userId, extra = {}) =>
    audit({ kind, outcome, time: clock(), context: context(req, userId), ...extra });

  const guard = {
    timeoutMs: config.guardTimeoutMs,
    store,
    keyring,
    clock,
    lockSeconds: Math.round(config.lockMinutes * 60),
    onEvent: audit,
  };
  const verifier = createVerifier({
    ...guard,
    maxFailures: config.maxFailures,
    // Adding or removing an authenticator, turning 2FA off and new recovery codes are high-risk: the
    // current code only.
    policies: { add: { window: 0 }, remove: { window: 0 }, regenerate: { window: 0 } },
  });
  // Passwords have their own budget, through the same guard: `verifier.attempt` for each login.
  const passwords = createVerifier({ ...guard, maxFailures: config.passwordMaxFailures });

  // A notice (the outbox a real server would mail) is stored with the account change that made it
  // (accounts.mjs), and written to the audit log as well.
  const accounts = createAccounts({
    db,
    onNotice: (notice, context) => audit({ kind: 'notice', outcome: notice.kind, time: notice.time, context, notice }),
  });

  // Recovery codes wait in the session, sealed with the app's keyring, from the POST that made them
  // to the GET that shows them (and the download), until the user says they are saved.
  const stashAad = (s) => `recovery-stash:${s.user_id}`;
  const stash = (codes, s) => sealSecret(new TextEncoder().encode(codes.join('\n')), { keyring, aad: stashAad(s) });
  const unstash = (s) =>
    s.recovery_stash
      ? new TextDecoder().decode(openSecret(s.recovery_stash, { keyring, aad: stashAad(s) })).split('\n')
      : undefined;

  // ---- responses ----------------------------------------------------------------------------------
  const HEADERS = {
    'content-security-policy':
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; " +
      "frame-ancestors 'none'; base-uri 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    ...(config.secure ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
  };
  const send = (res, status, html, extra = {}) => {
    res.writeHead(status, {
      ...HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...extra,
    });
    res.end(html);
  };
  const redirect = (res, to, message) => {
    res.writeHead(303, {
      ...HEADERS,
      location: message ? `${to}${to.includes('?') ? '&' : '?'}m=${message}` : to,
      'cache-control': 'no-store',
    });
    res.end();
  };
  /** The message named by a key, as `{ kind, text }`. */
  const messageFor = (key) => {
    const found = key && Object.hasOwn(MESSAGES, key) ? MESSAGES[key] : undefined;
    return found && { kind: found[0], text: found[1].replace('{lock}', lockText) };
  };
  const messageOf = (url, s) => messageFor(url.searchParams.get('m') ?? s.expiredBecause);
  /** The one "try again shortly" page (503), for a store outage and for a database outage alike. */
  const tryAgain = (res, text, options = {}) =>
    send(
      res,
      503,
      page('Try again shortly', `<p>${esc(text)}</p><p><a class="button" href="">Try again</a></p>`, options),
      { 'retry-after': '5' },
    );
  /** The store did not answer within the guard's deadline: say so, fast, and log one line. */
  const unavailable = (res, what, user, s) => {
    log(`${what}: store unavailable`);
    tryAgain(res, 'Sign-in is briefly unavailable on our side. Nothing was changed.', { user, csrf: s?.csrf });
  };
  /** "n attempts left" for the hint under a code or password field. */
  const leftText = (n) =>
    n === undefined || n === null
      ? ''
      : `${n} ${n === 1 ? 'attempt' : 'attempts'} left before a ${config.lockMinutes}-minute lock.`;
  /** The `left` query parameter of a page after a wrong code or password, when it is sane. */
  const leftOf = (url) => {
    const left = Number.parseInt(url.searchParams.get('left') ?? '', 10);
    return Number.isSafeInteger(left) && left >= 0 && left <= 100 ? left : undefined;
  };

  // "Remember this browser": the token from `rememberDevice` in a cookie of its own, `__Host-` and
  // Secure over HTTPS, HttpOnly, SameSite=Lax, and a Max-Age equal to the device's lifetime.
  const deviceCookie = config.secure ? '__Host-device' : 'device';
  const deviceAttributes = `HttpOnly; SameSite=Lax; Path=/${config.secure ? '; Secure' : ''}`;
  const deviceRe = new RegExp(`(?:^|;\\s*)${deviceCookie}=([A-Za-z0-9_.-]{1,512})(?:;|$)`);
  const devices = {
    /** The remembered-device token the browser sent, or ''. */
    token: (req) => deviceRe.exec(req.headers.cookie ?? '')?.[1] ?? '',
    /** Sets the cookie for `maxAgeSeconds`, or clears it (0). */
    set: (res, token, maxAgeSeconds) =>
      appendCookie(
        res,
        `${deviceCookie}=${maxAgeSeconds > 0 ? token : ''}; ${deviceAttributes}; Max-Age=${maxAgeSeconds}`,
      ),
  };

  /**
   * A privilege change: a new session id, every other session of the user ended, and (when given)
   * new recovery codes waiting, sealed, in the new session for the page that shows them.
   */
  async function rotateAndEndOthers(res, s, user, changes, codes) {
    const fresh = await sessions.rotate(res, s, changes);
    await sessions.endOthers(user.id, fresh);
    if (codes !== undefined) {
      fresh.recovery_stash = stash(codes, fresh);
      await sessions.save(fresh);
    }
    return fresh;
  }

  const app = {
    db,
    clock,
    config,
    keyring,
    sessions,
    accounts,
    verifier,
    passwords,
    audit,
    auditWrites: () => auditWrites,
    eventNames: EVENT_NAMES,
    context,
    appEvent,
    stash,
    unstash,
    headers: HEADERS,
    send,
    redirect,
    messageFor,
    messageOf,
    unavailable,
    leftText,
    leftOf,
    rotateAndEndOthers,
    devices,
  };
  const routes = { ...accountRoutes(app), ...loginRoutes(app), ...setupRoutes(app) };

  async function handle(req, res) {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const route = routes[`${req.method} ${url.pathname}`];
      if (!route) {
        if (req.method === 'GET' && STATIC[url.pathname]) return serveStatic(res, STATIC[url.pathname]);
        return send(res, 404, page('Not found', '<p><a href="/">Home</a></p>'));
      }
      const s = await sessions.load(req, res);
      let f = {};
      if (req.method === 'POST') {
        // A form from a session that has just timed out: say so, instead of "form expired".
        if (s.expiredBecause) return redirect(res, '/login', s.expiredBecause);
        f = await readForm(req);
        const given = Buffer.from(String(f.csrf ?? ''));
        const expected = Buffer.from(s.csrf);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return send(
            res,
            403,
            page(
              'This form expired',
              '<p>For your security, forms work only for a while and only from this site. <a ' +
                'href="/">Start again</a></p>',
            ),
          );
        }
      }
      await route({ req, res, s, f, url });
    } catch (error) {
      // Never echo input or a stack: one line with the route and the error's code.
      const reason = reasonOf(error);
      const outage = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout|57P01|08\d\d\d/i.test(
        String(reason),
      );
      log(`${req.method} ${req.url?.split('?')[0]} failed: ${reason}`);
      if (res.headersSent) return res.destroy();
      if (outage) return tryAgain(res, 'This page is briefly unavailable on our side. Try again in a few seconds.');
      send(
        res,
        error?.status ?? 500,
        page('Something went wrong', '<p>Something went wrong on our side. <a href="/">Home</a></p>'),
      );
    }
  }

  return { handle, verifier };
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw Object.assign(new Error('form too large'), { status: 413, code: 'FORM_TOO_LARGE' });
  }
  return Object.fromEntries(new URLSearchParams(body));
}

// ---- static files: read once at start-up ----------------------------------------------------------
const staticFile = (name, type) => {
  const body = readFileSync(new URL(`./static/${name}`, import.meta.url));
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
};
const STATIC = {
  '/static/style.css': staticFile('style.css', 'text/css; charset=utf-8'),
  '/static/app.js': staticFile('app.js', 'text/javascript; charset=utf-8'),
  '/favicon.ico': staticFile('favicon.svg', 'image/svg+xml'),
};
function serveStatic(res, file) {
  res.writeHead(200, {
    'content-type': file.type,
    'cache-control': 'public, max-age=3600',
    etag: file.etag,
    'x-content-type-options': 'nosniff',
  });
  res.end(file.body);
}

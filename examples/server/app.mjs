// The example's pages and forms. Every state change is a POST with the session's CSRF token, and
// answers with a redirect to a GET (post/redirect/get), so a refresh never repeats it. Messages
// travel as a key in the query string (`?m=mismatch`), looked up in MESSAGES: the URL can never
// carry text of an attacker's choosing into the page.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateRecoveryCodes, openSecret, sealSecret, showEnrollment, startEnrollment } from 'totpkit';
import { createVerifier } from 'totpkit/guard';
import { toSvg } from 'totpkit/qr';
import { reasonOf } from './db.mjs';
import { checkPassword, hashPassword, needsRehash } from './passwords.mjs';
import { codeField, esc, field, form, page } from './html.mjs';
import { createSessions } from './sessions.mjs';

const MESSAGES = {
  // TOTP and recovery codes
  malformed: ['error', 'Codes are 6 digits.'],
  mismatch: ['error', 'That code is not right. Check the app and try again.'],
  replayed: ['error', 'That code was already used. Wait for the next one.'],
  locked: ['error', 'Too many wrong codes. Try again in 15 minutes.'],
  used: ['error', 'That recovery code was already used.'],
  // set-up
  code_mismatch: [
    'error',
    'That code is not right. Check that the app shows the account below, then try the code it shows now.',
  ],
  token_mismatch: ['error', 'This set-up was started in another browser. Start over here.'],
  expired: ['error', 'That set-up expired. Start over to get a new QR code.'],
  revoked: ['error', 'Too many wrong codes for this set-up. Start over to get a new QR code.'],
  // passwords and accounts
  bad_signup: ['error', 'Usernames are 3..64 letters, digits or ._@-; passwords 12..256 characters.'],
  taken: ['error', 'That username is taken.'],
  wrong_password: ['error', 'Wrong username or password.'],
  password_locked: ['error', 'Too many failed logins for this username. Try again in 15 minutes.'],
  // sessions
  idle: ['info', 'You were logged out after a while without activity. Log in again.'],
  absolute: ['info', 'Your session ended. Log in again.'],
  pending: ['info', 'The code was not entered in time. Log in again.'],
  logged_out: ['success', 'You are logged out.'],
  // done
  welcome: ['success', 'Welcome! Your account is ready.'],
  logged_in: ['success', 'Logged in.'],
  two_factor_on: ['success', 'Two-factor login is on. Other sessions were logged out.'],
  two_factor_off: ['success', 'Two-factor login is off. Other sessions were logged out.'],
  codes_saved: ['success', 'Recovery codes saved.'],
  recovery_login: ['success', 'Logged in with a recovery code. Other sessions were logged out.'],
  new_setup: ['info', 'Here is a new QR code. Remove the old entry from your app if you scanned it.'],
};

const USERNAME = /^[A-Za-z0-9._@-]{3,64}$/;

/** What the recovery-codes page says above the codes. */
const RECOVERY_CODES_NOTE =
  'If you lose your phone, each of these codes logs you in once. Keep them somewhere safe, such as a password ' +
  'manager. They are shown only until you confirm below: we keep only their hashes.';
/** The download link and the copy button under the recovery codes (the button is shown by static/app.js). */
const RECOVERY_CODES_ACTIONS =
  '<div class="actions"><a class="button secondary" id="download" href="/2fa/recovery-codes.txt" download>' +
  'Download as text</a><button type="button" class="secondary" data-copy="#recovery-codes" hidden>Copy</button></div>';

export function createApp({ db, store, keyring, clock, config, log }) {
  const sessions = createSessions({
    db,
    clock,
    secure: config.secure,
    idleMs: config.sessionIdleMs,
    absoluteMs: config.sessionAbsoluteMs,
    pendingMs: config.sessionPendingMs,
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
  /** An event of the app's own (sign-up, passwords, 2FA off, new recovery codes), shaped like the guard's. */
  const appEvent = (req, kind, outcome, userId, extra = {}) =>
    audit({ kind, outcome, time: clock(), context: context(req, userId), ...extra });

  const verifier = createVerifier({
    timeoutMs: config.guardTimeoutMs,
    store,
    keyring,
    clock,
    maxFailures: config.maxFailures,
    lockSeconds: 900,
    // Turning the second factor off, and new recovery codes, are high-risk: the current code only.
    policies: { remove: { window: 0 }, regenerate: { window: 0 } },
    onEvent: audit,
  });

  const userById = async (id) => (await db.query('SELECT * FROM example_users WHERE id = $1', [id])).rows[0];
  const saveUser = (u) =>
    db.query('UPDATE example_users SET credential = $2, enrollment = $3, recovery = $4 WHERE id = $1', [
      u.id,
      u.credential && JSON.stringify(u.credential),
      u.enrollment && JSON.stringify(u.enrollment),
      u.recovery && JSON.stringify(u.recovery),
    ]);
  const codesLeft = (u) => (u.recovery ? u.recovery.codes.filter((c) => c.usedAt === null).length : 0);

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
  const messageOf = (url, s) => {
    const key = url.searchParams.get('m') ?? s.expiredBecause;
    const found = key && Object.hasOwn(MESSAGES, key) ? MESSAGES[key] : undefined;
    return found && { kind: found[0], text: found[1] };
  };
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
  /**
   * A high-risk change (new recovery codes, 2FA off) needs the current code, with the operation's
   * window: the user with the updated credential, or undefined once the refusal has been answered.
   */
  async function withCurrentCode(req, res, s, f, operation, what) {
    const user = await userById(s.user_id);
    if (!user.credential) return void redirect(res, '/');
    const r = await verifier.verify({
      credential: user.credential,
      code: String(f.code ?? '').replaceAll(' ', ''),
      operation,
      context: context(req, user.id),
    });
    if (r.ok) return Object.assign(user, { credential: r.credential });
    if (r.reason === 'storage') return void unavailable(res, what, user, s);
    return void redirect(res, '/', r.reason);
  }

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

  /** "n attempts left" for the hint under a code field. */
  const leftText = (n) =>
    n === undefined || n === null ? '' : `${n} ${n === 1 ? 'attempt' : 'attempts'} left before a 15-minute lock.`;

  const routes = {
    // ---- account -----------------------------------------------------------------------------------
    async 'GET /'({ res, s, url }) {
      const user = s.stage === 'full' ? await userById(s.user_id) : undefined;
      const message = messageOf(url, s);
      if (!user) {
        return send(
          res,
          200,
          page(
            'Two-factor login, done right',
            '<p>A small auth server built on totpkit: passwords, authenticator apps, recovery codes, lockout and ' +
              'an audit log.</p>\n<div class="actions"><a class="button" href="/signup">Create an account</a>' +
              '<a class="button secondary" href="/login">Log in</a></div>',
            { message },
          ),
        );
      }
      const left = codesLeft(user);
      const twoFactor = user.credential
        ? `<p>Two-factor login is <strong class="status-on">on</strong> (${esc(
            user.credential.deviceLabel ?? 'authenticator app',
          )}).</p>
<p id="codes-left">${left} of ${user.recovery?.codes.length ?? 0} recovery codes left.</p>
<h2>New recovery codes</h2>
<p>Makes every old recovery code useless.</p>
${form(
  '/2fa/recovery/regenerate',
  s.csrf,
  codeField('Current code from your app', {
    id: 'regenerate-code',
    autofocus: false,
    hint: 'Needed to make new recovery codes.',
  }),
  'Make new recovery codes',
  { secondary: true },
)}
<h2>Turn two-factor login off</h2>
${form(
  '/2fa/remove',
  s.csrf,
  codeField('Current code from your app', { id: 'remove-code', autofocus: false }),
  'Turn two-factor login off',
  { secondary: true },
)}`
        : '<p>Two-factor login is <strong class="status-off">off</strong>. Turn it on so a stolen password is ' +
          `not enough.</p>\n${form('/2fa/enroll/start', s.csrf, '', 'Turn on two-factor login')}`;
      send(res, 200, page(`Hello, ${user.username}`, twoFactor, { message, user, csrf: s.csrf }));
    },

    async 'GET /signup'({ res, s, url }) {
      send(
        res,
        200,
        page(
          'Create an account',
          `${form(
            '/signup',
            s.csrf,
            field('username', 'Username', {
              autocomplete: 'username',
              autofocus: true,
              spellcheck: false,
              maxlength: 64,
              hint: '3 to 64 letters, digits or . _ @ -',
            }) +
              field('password', 'Password', {
                type: 'password',
                autocomplete: 'new-password',
                minlength: 12,
                maxlength: 256,
                hint: '12 characters or more. A passphrase is best.',
              }),
            'Create account',
          )}<p>Already have one? <a href="/login">Log in</a></p>`,
          { message: messageOf(url, s) },
        ),
      );
    },
    async 'POST /signup'({ req, res, s, f }) {
      const username = String(f.username ?? '');
      const password = String(f.password ?? '');
      if (!USERNAME.test(username) || password.length < 12 || password.length > 256)
        return redirect(res, '/signup', 'bad_signup');
      const { rows } = await db.query(
        'INSERT INTO example_users (username, password, created_at) VALUES ($1, $2, $3) ON ' +
          'CONFLICT (username) DO NOTHING RETURNING id',
        [username, await hashPassword(password), clock()],
      );
      if (!rows[0]) return redirect(res, '/signup', 'taken');
      appEvent(req, 'signup', 'success', rows[0].id);
      await sessions.rotate(res, s, { user_id: rows[0].id, stage: 'full' }, { login: true });
      redirect(res, '/', 'welcome');
    },

    // ---- login -------------------------------------------------------------------------------------
    async 'GET /login'({ res, s, url }) {
      send(
        res,
        200,
        page(
          'Log in',
          `${form(
            '/login',
            s.csrf,
            field('username', 'Username', {
              autocomplete: 'username',
              autofocus: true,
              spellcheck: false,
              maxlength: 64,
            }) + field('password', 'Password', { type: 'password', autocomplete: 'current-password', maxlength: 256 }),
            'Log in',
          )}<p>New here? <a href="/signup">Create an account</a></p>`,
          { message: messageOf(url, s) },
        ),
      );
    },
    async 'POST /login'({ req, res, s, f }) {
      // Passwords are throttled like codes, per username whether or not it exists, in the guard's
      // store: parallel guesses and several server processes share one budget, and an unknown name
      // looks like a known one. The check runs first and the store settles it in one call, so the
      // answer comes only after the attempt is counted, and a locked username is refused even with
      // the right password.
      const username = String(f.username ?? '').slice(0, 64);
      const now = clock();
      const user = (await db.query('SELECT * FROM example_users WHERE username = $1', [username])).rows[0];
      // hashes even for unknown users
      const ok = await checkPassword(String(f.password ?? '').slice(0, 256), user?.password);
      const settled = await withDeadline(
        store.settle(`password:${username}`, {
          now,
          maxFailures: config.passwordMaxFailures,
          lockUntil: now + 15 * 60_000,
          verified: ok,
        }),
        config.guardTimeoutMs,
      );
      if (settled === undefined) {
        appEvent(req, 'password', 'failure', user?.id, { reason: 'storage' });
        return unavailable(res, 'login', undefined, s);
      }
      if (settled.status === 'locked') {
        appEvent(req, 'password', 'failure', user?.id, { reason: 'locked', failures: settled.failures });
        return redirect(res, '/login', 'password_locked');
      }
      if (settled.status !== 'accepted') {
        appEvent(req, 'password', 'failure', user?.id, { reason: 'mismatch', failures: settled.failures });
        return redirect(res, '/login', 'wrong_password');
      }
      appEvent(req, 'password', 'success', user.id);
      if (needsRehash(user.password))
        await db.query('UPDATE example_users SET password = $2 WHERE id = $1', [
          user.id,
          await hashPassword(String(f.password)),
        ]);
      await sessions.rotate(
        res,
        s,
        {
          user_id: user.id,
          stage: user.credential ? 'password' : 'full',
          enrollment_token: null,
          recovery_stash: null,
        },
        { login: true },
      );
      if (user.credential) return redirect(res, '/login/2fa');
      redirect(res, '/', 'logged_in');
    },

    async 'GET /login/2fa'({ res, s, url }) {
      if (s.stage !== 'password') return redirect(res, '/login', s.expiredBecause);
      const left = Number.parseInt(url.searchParams.get('left') ?? '', 10);
      send(
        res,
        200,
        page(
          'Enter your code',
          `<p>Open your authenticator app and enter the 6-digit code it shows now. It changes every 30 seconds.</p>
${form(
  '/login/2fa',
  s.csrf,
  codeField(undefined, {
    hint: Number.isSafeInteger(left) && left >= 0 && left <= 100 ? leftText(left) : undefined,
  }),
  'Verify',
)}
<p><a href="/login/recovery">Use a recovery code instead</a></p>`,
          { message: messageOf(url, s) },
        ),
      );
    },
    async 'POST /login/2fa'({ req, res, s, f }) {
      if (s.stage !== 'password') return redirect(res, '/login', 'pending');
      const user = await userById(s.user_id);
      const r = await verifier.verify({
        credential: user.credential,
        code: String(f.code ?? '').replaceAll(' ', ''),
        context: context(req, user.id),
      });
      if (!r.ok) {
        if (r.reason === 'storage') return unavailable(res, 'login code', undefined, s);
        return redirect(res, `/login/2fa?left=${r.attemptsLeft ?? ''}`, r.reason);
      }
      user.credential = r.credential;
      await saveUser(user);
      await sessions.rotate(res, s, { stage: 'full' });
      redirect(res, '/', 'logged_in');
    },

    async 'GET /login/recovery'({ res, s, url }) {
      if (s.stage !== 'password') return redirect(res, '/login', s.expiredBecause);
      send(
        res,
        200,
        page(
          'Use a recovery code',
          `<p>Each recovery code works once. Using one logs you out everywhere else.</p>
${form(
  '/login/recovery',
  s.csrf,
  field('code', 'Recovery code', {
    autocomplete: 'off',
    autofocus: true,
    spellcheck: false,
    maxlength: 64,
    hint: 'Dashes, spaces and lower case are fine.',
  }),
  'Log in',
)}
<p><a href="/login/2fa">Use your authenticator app instead</a></p>`,
          { message: messageOf(url, s) },
        ),
      );
    },
    async 'POST /login/recovery'({ req, res, s, f }) {
      if (s.stage !== 'password') return redirect(res, '/login', 'pending');
      const user = await userById(s.user_id);
      const r = await verifier.useRecoveryCode({
        credentialId: user.credential.id,
        set: user.recovery,
        code: String(f.code ?? ''),
        context: context(req, user.id),
      });
      if (!r.ok) {
        if (r.reason === 'storage') return unavailable(res, 'recovery code', undefined, s);
        return redirect(res, '/login/recovery', r.reason);
      }
      user.recovery = r.set;
      await saveUser(user);
      // A recovery code in use means the phone may be lost or in other hands: end every other session.
      await rotateAndEndOthers(res, s, user, { stage: 'full' });
      redirect(res, '/', 'recovery_login');
    },

    // ---- set-up --------------------------------------------------------------------------------------
    async 'POST /2fa/enroll/start'({ res, s }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await userById(s.user_id);
      if (user.credential) return redirect(res, '/');
      const restarting = user.enrollment?.status === 'pending';
      // One pending enrollment per user: a new one revokes the old (and its QR code).
      const started = startEnrollment({
        account: user.username,
        issuer: config.issuer,
        keyring,
        now: clock(),
        previous: user.enrollment ?? undefined,
        deviceLabel: 'authenticator app',
      });
      user.enrollment = started.enrollment;
      await saveUser(user);
      s.enrollment_token = started.token; // the token lives in this session only
      await sessions.save(s);
      redirect(res, '/2fa/enroll', restarting ? 'new_setup' : undefined);
    },
    async 'GET /2fa/enroll'({ res, s, url }) {
      if (s.stage !== 'full') return redirect(res, '/login', s.expiredBecause);
      const user = await userById(s.user_id);
      if (user.credential) return redirect(res, '/');
      const message = messageOf(url, s);
      const startOver = (label) => form('/2fa/enroll/start', s.csrf, '', label);
      const shown =
        user.enrollment && s.enrollment_token
          ? showEnrollment(user.enrollment, { token: s.enrollment_token, keyring, now: clock() })
          : undefined;
      if (!shown?.ok) {
        const why = shown ? MESSAGES[shown.reason] : undefined;
        return send(
          res,
          200,
          page(
            'Turn on two-factor login',
            '<p>You will need an authenticator app on your phone (Google Authenticator, Microsoft Authenticator, ' +
              `1Password, Bitwarden, Aegis…).</p>${startOver('Show the QR code')}`,
            {
              message: message ?? (why && { kind: why[0], text: why[1] }),
              user,
              csrf: s.csrf,
            },
          ),
        );
      }
      const minutes = Math.max(1, Math.ceil((shown.expiresAt - clock()) / 60_000));
      const expiryNote =
        `This QR code works for ${minutes} more ${minutes === 1 ? 'minute' : 'minutes'}; after that, start over. ` +
        'The 6-digit code in the app changes every 30 seconds.';
      const svg = toSvg(shown.uri, { title: 'QR code for your authenticator app', moduleSize: 6 });
      send(
        res,
        200,
        page(
          'Turn on two-factor login',
          `
<ol>
<li>Scan this QR code with your authenticator app, or on this phone open it in the app directly.</li>
<li>Enter the 6-digit code the app shows.</li>
</ol>
<div class="qr"><div id="qr">${svg}</div>
<div><p><a class="button secondary" id="open-in-app" href="${esc(shown.uri)}">Open in authenticator app</a></p>
<details><summary>Can’t scan it? Type the key instead</summary><pre id="manual">${esc(
            shown.manual.text,
          )}</pre></details></div></div>
${form(
  '/2fa/enroll',
  s.csrf,
  codeField('Code from the app', {
    hint: `${shown.attemptsLeft} ${shown.attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`,
  }),
  'Turn on',
)}
<p id="expiry"><small>${expiryNote}</small></p>
<div class="actions">${form('/2fa/enroll/start', s.csrf, '', 'Show a new QR code', { secondary: true })}${form(
            '/2fa/enroll/cancel',
            s.csrf,
            '',
            'Cancel',
            { secondary: true },
          )}</div>`,
          { message, user, csrf: s.csrf },
        ),
      );
    },
    async 'POST /2fa/enroll'({ req, res, s, f }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await userById(s.user_id);
      if (user.credential) return redirect(res, '/');
      if (!user.enrollment) return redirect(res, '/2fa/enroll');
      const r = await verifier.confirmEnrollment({
        enrollment: user.enrollment,
        token: s.enrollment_token ?? '',
        code: String(f.code ?? '').replaceAll(' ', ''),
        context: context(req, user.id),
      });
      if (!r.ok && r.reason === 'storage') return unavailable(res, 'set-up', user, s);
      user.enrollment = r.enrollment;
      if (!r.ok) {
        await saveUser(user);
        return redirect(res, '/2fa/enroll', r.reason);
      }
      const { codes, set } = generateRecoveryCodes({ previous: user.recovery ?? undefined, now: clock() });
      user.credential = r.credential;
      user.recovery = set;
      await saveUser(user);
      await rotateAndEndOthers(res, s, user, { enrollment_token: null }, codes);
      redirect(res, '/2fa/recovery-codes', 'two_factor_on');
    },
    async 'POST /2fa/enroll/cancel'({ res, s }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await userById(s.user_id);
      if (user.enrollment?.status === 'pending') {
        user.enrollment = { ...user.enrollment, status: 'revoked', endedAt: clock() };
        await saveUser(user);
      }
      s.enrollment_token = null;
      await sessions.save(s);
      redirect(res, '/');
    },

    // ---- recovery codes ------------------------------------------------------------------------------
    async 'GET /2fa/recovery-codes'({ res, s, url }) {
      if (s.stage !== 'full') return redirect(res, '/login', s.expiredBecause);
      const codes = unstash(s);
      if (!codes) return redirect(res, '/');
      const user = await userById(s.user_id);
      send(
        res,
        200,
        page(
          'Save your recovery codes',
          `
<p>${RECOVERY_CODES_NOTE}</p>
<ul class="codes" id="recovery-codes">${codes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>
${RECOVERY_CODES_ACTIONS}
${form('/2fa/recovery-codes/done', s.csrf, '', 'I have saved them')}`,
          { message: messageOf(url, s), user, csrf: s.csrf },
        ),
      );
    },
    async 'GET /2fa/recovery-codes.txt'({ res, s }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const codes = unstash(s);
      if (!codes) return redirect(res, '/');
      res.writeHead(200, {
        ...HEADERS,
        'content-type': 'text/plain; charset=utf-8',
        'content-disposition': 'attachment; filename="recovery-codes.txt"',
        'cache-control': 'no-store',
      });
      res.end(`${config.issuer} recovery codes\nEach code works once.\n\n${codes.join('\n')}\n`);
    },
    async 'POST /2fa/recovery-codes/done'({ res, s }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      s.recovery_stash = null;
      await sessions.save(s);
      redirect(res, '/', 'codes_saved');
    },
    async 'POST /2fa/recovery/regenerate'({ req, res, s, f }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await withCurrentCode(req, res, s, f, 'regenerate', 'recovery codes');
      if (!user) return;
      const { codes, set } = generateRecoveryCodes({ previous: user.recovery ?? undefined, now: clock() });
      user.recovery = set;
      await saveUser(user);
      appEvent(req, 'recovery_codes', 'regenerated', user.id);
      await rotateAndEndOthers(res, s, user, {}, codes);
      redirect(res, '/2fa/recovery-codes');
    },

    async 'POST /2fa/remove'({ req, res, s, f }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      // Removing the second factor needs the second factor.
      const user = await withCurrentCode(req, res, s, f, 'remove', 'turning 2FA off');
      if (!user) return;
      Object.assign(user, { credential: null, enrollment: null, recovery: null });
      await saveUser(user);
      appEvent(req, 'two_factor', 'off', user.id);
      await rotateAndEndOthers(res, s, user, {});
      redirect(res, '/', 'two_factor_off');
    },

    // ---- audit -------------------------------------------------------------------------------------
    async 'GET /audit'({ res, s, url }) {
      if (s.stage !== 'full') return redirect(res, '/login', s.expiredBecause);
      const user = await userById(s.user_id);
      await auditWrites;
      const { rows } = await db.query('SELECT event FROM example_audit WHERE user_id = $1 ORDER BY id DESC LIMIT 100', [
        user.id,
      ]);
      const events = rows.map((r) => (typeof r.event === 'string' ? JSON.parse(r.event) : r.event));
      const cell = (label, value) => `<td data-label="${label}">${esc(value)}</td>`;
      const row = (e) =>
        `<tr>${cell('Time (UTC)', new Date(e.time).toISOString().replace('T', ' ').slice(0, 19))}` +
        `${cell('Event', EVENT_NAMES[e.kind] ?? e.kind)}${cell('Outcome', e.outcome)}` +
        `${cell('Reason', e.reason ?? '')}` +
        `${cell('IP address', e.context?.ip ?? '')}${cell('Browser', e.context?.userAgent ?? '')}</tr>`;
      const body =
        events.length === 0
          ? '<p class="empty" id="audit-empty">No security events yet.</p>'
          : '<table id="audit"><thead><tr><th>Time (UTC)</th><th>Event</th><th>Outcome</th><th>Reason</th>' +
            `<th>IP address</th><th>Browser</th></tr></thead><tbody>\n${events.map(row).join('\n')}\n</tbody></table>`;
      send(
        res,
        200,
        page('Security log', `<p>The last 100 security events of your account, newest first.</p>${body}`, {
          message: messageOf(url, s),
          user,
          csrf: s.csrf,
        }),
      );
    },

    async 'POST /logout'({ res, s }) {
      await sessions.destroy(res, s);
      redirect(res, '/', 'logged_out');
    },
  };

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

const EVENT_NAMES = {
  signup: 'Account created',
  password: 'Password login',
  verify: 'Authenticator code',
  recovery: 'Recovery code login',
  enrollment: 'Two-factor set-up',
  two_factor: 'Two-factor login',
  recovery_codes: 'Recovery codes',
};

/** A promise answered within `ms`: its value, or undefined on error or timeout. */
function withDeadline(promise, ms) {
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  return Promise.race([Promise.resolve(promise).catch(() => undefined), deadline]).finally(() => clearTimeout(timer));
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

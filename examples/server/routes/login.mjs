// Sign-up, log-in (password, then a code or a recovery code) and log-out.
import { DEFAULT_REMEMBER_DAYS, forgetDevice, rememberDevice, twoFactorOn } from 'totpkit/account';
import { codeField, field, form, page } from '../html.mjs';
import { checkPassword, hashPassword, needsRehash } from '../passwords.mjs';

const USERNAME = /^[A-Za-z0-9._@-]{3,64}$/;
const DAY_SECONDS = 86_400;

/** A short name for a browser from its user agent ("Chrome on Linux"), for the device list. */
export function browserName(userAgent) {
  const ua = String(userAgent ?? '');
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'A browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : 'another system';
  return `${browser} on ${os}`;
}

export function loginRoutes(app) {
  const { db, clock, keyring, sessions, accounts, verifier, passwords, context, send, redirect, messageOf } = app;

  return {
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
      // The account record is created on the first change (accounts.mjs): version 0 is "none yet".
      const { rows } = await db.query(
        'INSERT INTO example_users (username, password, created_at) VALUES ($1, $2, $3) ON ' +
          'CONFLICT (username) DO NOTHING RETURNING id',
        [username, await hashPassword(password), clock()],
      );
      if (!rows[0]) return redirect(res, '/signup', 'taken');
      app.appEvent(req, 'signup', 'success', rows[0].id);
      await sessions.rotate(res, s, { user_id: rows[0].id, stage: 'full' }, { login: true });
      redirect(res, '/', 'welcome');
    },

    async 'GET /login'({ res, s, url }) {
      const left = app.leftOf(url);
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
            }) +
              field('password', 'Password', {
                type: 'password',
                autocomplete: 'current-password',
                maxlength: 256,
                hint: left === undefined || left === 0 ? undefined : app.leftText(left),
              }),
            'Log in',
          )}<p>New here? <a href="/signup">Create an account</a></p>`,
          { message: messageOf(url, s) },
        ),
      );
    },
    async 'POST /login'({ req, res, s, f }) {
      // Passwords are throttled like codes, per username whether or not it exists, through the
      // guard (`attempt`): parallel guesses and several server processes share one budget, an
      // unknown name looks like a known one, and the answer comes only after the attempt is
      // counted. The password is checked first, so a locked username is refused even with the
      // right one.
      const username = String(f.username ?? '').slice(0, 64);
      const user = await accounts.byUsername(username);
      // Hashes for unknown users too, so they take as long as known ones.
      const ok = await checkPassword(String(f.password ?? '').slice(0, 256), user?.password);
      const r = await passwords.attempt({
        subject: `password:${username}`,
        verified: ok,
        kind: 'password',
        context: context(req, user?.id),
      });
      if (!r.ok) {
        if (r.reason === 'storage') return app.unavailable(res, 'login', undefined, s);
        if (r.reason === 'locked') return redirect(res, '/login', 'password_locked');
        const last = r.attemptsLeft === 0;
        return redirect(res, `/login?left=${r.attemptsLeft ?? ''}`, last ? 'last_wrong_password' : 'wrong_password');
      }
      if (needsRehash(user.password))
        await db.query('UPDATE example_users SET password = $2 WHERE id = $1', [
          user.id,
          await hashPassword(String(f.password)),
        ]);
      // A browser the user asked to remember skips the code until the device expires, is forgotten,
      // or the account's second factor changes (any `generation` change revokes it).
      let second = twoFactorOn(user.account);
      const token = app.devices.token(req);
      if (second && token) {
        const device = verifier.checkRememberedDevice({ account: user.account, token, now: clock() });
        if (device.ok) {
          second = false;
          app.appEvent(req, 'remembered_device', 'success', user.id);
        } else app.devices.set(res, '', 0); // expired, revoked or not this account's: drop it
      }
      await sessions.rotate(
        res,
        s,
        { user_id: user.id, stage: second ? 'password' : 'full', enrollment_token: null, recovery_stash: null },
        { login: true },
      );
      if (second) return redirect(res, '/login/2fa');
      redirect(res, '/', twoFactorOn(user.account) ? 'logged_in_remembered' : 'logged_in');
    },

    async 'GET /login/2fa'({ res, s, url }) {
      if (s.stage !== 'password') return redirect(res, '/login', s.expiredBecause);
      const left = app.leftOf(url);
      send(
        res,
        200,
        page(
          'Enter your code',
          `<p>Open your authenticator app and enter the 6-digit code it shows now. It changes every 30 seconds.
Any of your authenticators works.</p>
${form(
  '/login/2fa',
  s.csrf,
  codeField(undefined, { hint: left === undefined || left === 0 ? undefined : app.leftText(left) }) +
    `<div class="field check"><input type="checkbox" id="f-remember" name="remember" value="1">` +
    `<label for="f-remember">Remember this browser for ${DEFAULT_REMEMBER_DAYS} days</label></div>`,
  'Verify',
)}
<p><a href="/login/recovery">Use a recovery code instead</a></p>`,
          { message: messageOf(url, s) },
        ),
      );
    },
    async 'POST /login/2fa'({ req, res, s, f }) {
      if (s.stage !== 'password') return redirect(res, '/login', 'pending');
      const user = await accounts.byId(s.user_id);
      if (!twoFactorOn(user.account)) return redirect(res, '/login', 'conflict');
      const r = await verifier.verify({
        account: user.account,
        code: String(f.code ?? '').replaceAll(' ', ''),
        context: context(req, user.id),
      });
      if (!r.ok) {
        if (r.reason === 'storage') return app.unavailable(res, 'login code', undefined, s);
        // At 0 attempts left the page says what happens next, not "try again".
        const reason = r.reason === 'mismatch' && r.attemptsLeft === 0 ? 'last_mismatch' : r.reason;
        return redirect(res, `/login/2fa?left=${r.attemptsLeft ?? ''}`, reason);
      }
      // Remembered in the same write as the login: the device list changes with the account.
      const remembered =
        f.remember === '1'
          ? rememberDevice(r.account, {
              keyring,
              now: clock(),
              days: DEFAULT_REMEMBER_DAYS,
              label: browserName(req.headers['user-agent']),
            })
          : undefined;
      const change = remembered ?? { account: r.account, notices: [] };
      // The code is spent either way; if the account changed meanwhile (an authenticator removed,
      // 2FA turned off), this login is refused rather than completed against a stale account.
      if (!(await accounts.save(user, change, context(req, user.id)))) return redirect(res, '/login', 'conflict');
      await sessions.rotate(res, s, { stage: 'full' });
      if (remembered) app.devices.set(res, remembered.token, DEFAULT_REMEMBER_DAYS * DAY_SECONDS);
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
      const user = await accounts.byId(s.user_id);
      if (!user.account.recovery) return redirect(res, '/login', 'conflict');
      const r = await verifier.useRecoveryCode({
        account: user.account,
        code: String(f.code ?? ''),
        context: context(req, user.id),
      });
      if (!r.ok) {
        if (r.reason === 'storage') return app.unavailable(res, 'recovery code', undefined, s);
        return redirect(res, '/login/recovery', r.reason);
      }
      // New recovery codes made meanwhile: the one used here belonged to the old set.
      if (!(await accounts.save(user, r, context(req, user.id)))) return redirect(res, '/login', 'conflict');
      // A recovery code in use means the phone may be lost or in other hands: end every other session.
      await app.rotateAndEndOthers(res, s, user, { stage: 'full' });
      redirect(res, '/', 'recovery_login');
    },

    async 'POST /devices/forget'({ res, s, f }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await accounts.byId(s.user_id);
      if (!user.account.devices.some((d) => d.id === f.id)) return redirect(res, '/');
      if (!(await accounts.save(user, forgetDevice(user.account, String(f.id))))) return redirect(res, '/', 'conflict');
      redirect(res, '/', 'device_forgotten');
    },

    async 'POST /logout'({ res, s }) {
      await sessions.destroy(res, s);
      redirect(res, '/', 'logged_out');
    },
  };
}

// Two-factor set-up and changes: add an authenticator (the first, or another after a current code
// or a recovery code, OWASP ASVS 7.5.1), rename or remove one, recovery codes (show, download, make
// new ones) and turning two-factor login off. Every change goes through `accounts.save`, a
// compare-and-set on the account version: a request that lost a race changes nothing and says so.
import { generateRecoveryCodes, isTotpkitError, revokeEnrollment, showEnrollment, startEnrollment } from 'totpkit';
import {
  MAX_AUTHENTICATOR_LABEL_LENGTH,
  MAX_AUTHENTICATORS,
  removeAuthenticator,
  renameAuthenticator,
  replaceRecoveryCodes,
  setPendingEnrollment,
  turnOffTwoFactor,
  twoFactorOn,
} from 'totpkit/account';
import { toSvg } from 'totpkit/qr';
import { codeField, esc, form, page } from '../html.mjs';

/** What the recovery-codes page says above the codes. */
const RECOVERY_CODES_NOTE =
  'If you lose your phone, each of these codes logs you in once. Keep them somewhere safe, such as a password ' +
  'manager. They are shown only until you confirm below: we keep only their hashes.';
/** The download link and the copy button under the recovery codes (the button is shown by static/app.js). */
const RECOVERY_CODES_ACTIONS =
  '<div class="actions"><a class="button secondary" id="download" href="/2fa/recovery-codes.txt" download>' +
  'Download as text</a><button type="button" class="secondary" data-copy="#recovery-codes" hidden>Copy</button></div>';
/** The label of the first authenticator when the user gives none. */
const FIRST_LABEL = 'Authenticator app';
/** Recovery codes are 4-character groups joined by dashes (see generateRecoveryCodes). */
const RECOVERY_CODE = /[A-Za-z]/;

export function setupRoutes(app) {
  const { clock, config, keyring, sessions, accounts, verifier, context, send, redirect, messageOf } = app;

  /**
   * A high-risk change needs a current code from any of the user's authenticators (with the
   * operation's window), or, where `recovery` allows, one of their recovery codes. Answers the
   * refusal itself and returns undefined; on success returns the user with the account after the
   * code (stored: the code is spent), or undefined when that write lost a race.
   */
  async function withCurrentCode(req, res, s, f, operation, { recovery = false, back = '/' } = {}) {
    const user = await accounts.byId(s.user_id);
    if (!twoFactorOn(user.account)) return void redirect(res, '/');
    const code = String(f.code ?? '').trim();
    const r =
      recovery && RECOVERY_CODE.test(code)
        ? await verifier.useRecoveryCode({ account: user.account, code, context: context(req, user.id) })
        : await verifier.verify({
            account: user.account,
            code: code.replaceAll(' ', ''),
            operation,
            context: context(req, user.id),
          });
    if (!r.ok) {
      if (r.reason === 'storage') return void app.unavailable(res, operation, user, s);
      return void redirect(res, back, r.reason);
    }
    if (!(await accounts.save(user, { account: r.account, notices: r.notices ?? [] }, context(req, user.id))))
      return void redirect(res, back, 'conflict');
    return user;
  }

  /** Starts (or restarts) an enrollment named `label` and keeps its token in this session. */
  async function start(res, s, user, label) {
    const restarting = user.account.pendingEnrollment?.status === 'pending';
    let started;
    try {
      started = startEnrollment({
        account: user.username,
        issuer: config.issuer,
        keyring,
        now: clock(),
        previous: user.account.pendingEnrollment ?? undefined,
        deviceLabel: label,
      });
    } catch (error) {
      // A name the URI label rules refuse (invisible characters, for one): say so, change nothing.
      if (isTotpkitError(error) && error.code === 'ERR_URI_LABEL') return redirect(res, '/', 'bad_label');
      throw error;
    }
    if (!(await accounts.save(user, setPendingEnrollment(user.account, started.enrollment))))
      return redirect(res, '/', 'conflict');
    s.enrollment_token = started.token; // the token lives in this session only
    await sessions.save(s);
    redirect(res, '/2fa/enroll', restarting ? 'new_setup' : undefined);
  }

  /** The label a form asks for: trimmed, 1..64 characters, not used by another authenticator. */
  function labelOf(f, account, fallback) {
    const label = String(f.label ?? '').trim() || fallback;
    // The library's rule (checked again there): no colon, no control or invisible characters.
    const refused = /[:\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]|(?! )\p{Z}/u;
    if (label.length > MAX_AUTHENTICATOR_LABEL_LENGTH || refused.test(label)) return { error: 'bad_label' };
    if (account.authenticators.some((a) => a.label === label)) return { error: 'label_taken' };
    return { label };
  }

  return {
    async 'POST /2fa/enroll/start'({ res, s }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await accounts.byId(s.user_id);
      // Another authenticator is added through POST /2fa/add, after a current code.
      if (twoFactorOn(user.account) && user.account.pendingEnrollment?.status !== 'pending') return redirect(res, '/');
      const label = user.account.pendingEnrollment?.deviceLabel ?? FIRST_LABEL;
      await start(res, s, user, label);
    },
    async 'POST /2fa/add'({ req, res, s, f }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const before = await accounts.byId(s.user_id);
      const wanted = labelOf(f, before.account, `Authenticator ${before.account.authenticators.length + 1}`);
      if (wanted.error) return redirect(res, '/', wanted.error);
      if (before.account.authenticators.length >= MAX_AUTHENTICATORS) return redirect(res, '/', 'too_many');
      const user = await withCurrentCode(req, res, s, f, 'add', { recovery: true });
      if (!user) return;
      await start(res, s, user, wanted.label);
    },
    async 'GET /2fa/enroll'({ res, s, url }) {
      if (s.stage !== 'full') return redirect(res, '/login', s.expiredBecause);
      const user = await accounts.byId(s.user_id);
      const pending = user.account.pendingEnrollment;
      const message = messageOf(url, s);
      const shown =
        pending && s.enrollment_token
          ? showEnrollment(pending, { token: s.enrollment_token, keyring, now: clock() })
          : undefined;
      if (!shown?.ok) {
        if (twoFactorOn(user.account)) return redirect(res, '/', shown ? shown.reason : undefined);
        const why = shown ? app.messageFor(shown.reason) : undefined;
        return send(
          res,
          200,
          page(
            'Turn on two-factor login',
            '<p>You will need an authenticator app on your phone (Google Authenticator, Microsoft Authenticator, ' +
              `1Password, Bitwarden, Aegis…).</p>${form('/2fa/enroll/start', s.csrf, '', 'Show the QR code')}`,
            { message: message ?? why, user, csrf: s.csrf },
          ),
        );
      }
      const minutes = Math.max(1, Math.ceil((shown.expiresAt - clock()) / 60_000));
      const expiryNote =
        `This QR code works for ${minutes} more ${minutes === 1 ? 'minute' : 'minutes'}; after that, start over. ` +
        'The 6-digit code in the app changes every 30 seconds.';
      const svg = toSvg(shown.uri, { title: 'QR code for your authenticator app', moduleSize: 6 });
      const title = twoFactorOn(user.account) ? `Add “${pending.deviceLabel}”` : 'Turn on two-factor login';
      send(
        res,
        200,
        page(
          title,
          `
<ol>
<li>Scan this QR code with your authenticator app, or on this phone open it in the app directly.</li>
<li>Check that the app shows the account
<strong id="account-name">${esc(config.issuer)} (${esc(user.username)})</strong>.</li>
<li>Enter the 6-digit code the app shows.</li>
</ol>
<div class="qr"><div id="qr">${svg}</div>
<div><p><a class="button secondary" id="open-in-app" href="${esc(shown.uri)}">Open in authenticator app</a></p>
<details><summary>Can’t scan it? Type the key instead</summary><pre id="manual">${esc(shown.manual.text)}</pre>
</details></div></div>
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
      const user = await accounts.byId(s.user_id);
      if (!user.account.pendingEnrollment) return redirect(res, twoFactorOn(user.account) ? '/' : '/2fa/enroll');
      const first = !twoFactorOn(user.account);
      let r;
      try {
        r = await verifier.confirmEnrollment({
          account: user.account,
          token: s.enrollment_token ?? '',
          code: String(f.code ?? '').replaceAll(' ', ''),
          context: context(req, user.id),
        });
      } catch (error) {
        // Full, or the label was taken meanwhile (by another tab's set-up): nothing was spent.
        if (isTotpkitError(error) && error.code.startsWith('ERR_ACCOUNT_')) return redirect(res, '/', 'conflict');
        if (isTotpkitError(error) && error.code === 'ERR_URI_LABEL') return redirect(res, '/', 'bad_label');
        throw error;
      }
      if (!r.ok && r.reason === 'storage') return app.unavailable(res, 'set-up', user, s);
      if (!r.ok) {
        // A wrong code is counted in the enrollment; an unchanged account needs no write.
        if (r.account.version !== user.account.version) await accounts.save(user, { account: r.account, notices: [] });
        return redirect(res, '/2fa/enroll', r.reason);
      }
      let change = { account: r.account, notices: r.notices };
      let codes;
      if (first) {
        // The first authenticator comes with recovery codes, in the same write.
        const made = generateRecoveryCodes({ previous: user.account.recovery ?? undefined, now: clock() });
        const replaced = replaceRecoveryCodes(r.account, made.set, { now: clock() });
        change = { account: replaced.account, notices: [...r.notices, ...replaced.notices] };
        codes = made.codes;
      }
      if (!(await accounts.save(user, change, context(req, user.id)))) return redirect(res, '/', 'conflict');
      await app.rotateAndEndOthers(res, s, user, { enrollment_token: null }, codes);
      if (first) return redirect(res, '/2fa/recovery-codes', 'two_factor_on');
      redirect(res, '/', 'authenticator_added');
    },
    async 'POST /2fa/enroll/cancel'({ res, s }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await accounts.byId(s.user_id);
      const pending = user.account.pendingEnrollment;
      s.enrollment_token = null;
      await sessions.save(s);
      // Nothing to cancel (confirmed or cancelled meanwhile): say nothing rather than "cancelled".
      if (pending?.status !== 'pending') return redirect(res, '/');
      const revoked = revokeEnrollment(pending, { now: clock() });
      if (!(await accounts.save(user, setPendingEnrollment(user.account, revoked))))
        return redirect(res, '/', 'conflict');
      redirect(res, '/', 'setup_cancelled');
    },

    async 'POST /2fa/rename'({ res, s, f }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await accounts.byId(s.user_id);
      const target = user.account.authenticators.find((a) => a.id === f.id);
      if (!target) return redirect(res, '/', 'conflict');
      const wanted = labelOf(f, user.account, '');
      if (wanted.error || !wanted.label) return redirect(res, '/', wanted.error ?? 'bad_label');
      let change;
      try {
        change = renameAuthenticator(user.account, target.id, wanted.label, { now: clock() });
      } catch (error) {
        if (isTotpkitError(error) && error.code === 'ERR_URI_LABEL') return redirect(res, '/', 'bad_label');
        throw error;
      }
      if (!(await accounts.save(user, change))) return redirect(res, '/', 'conflict');
      redirect(res, '/', 'renamed');
    },
    async 'POST /2fa/remove'({ req, res, s, f }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      // Removing a second factor needs the second factor: a current code from any authenticator.
      const user = await withCurrentCode(req, res, s, f, 'remove');
      if (!user) return;
      const target = user.account.authenticators.find((a) => a.id === f.id);
      if (!target) return redirect(res, '/', 'conflict');
      const change = removeAuthenticator(user.account, target.id, { now: clock() });
      if (!(await accounts.save(user, change, context(req, user.id)))) return redirect(res, '/', 'conflict');
      await app.rotateAndEndOthers(res, s, user, {});
      redirect(res, '/', twoFactorOn(change.account) ? 'authenticator_removed' : 'two_factor_off');
    },
    async 'POST /2fa/off'({ req, res, s, f }) {
      if (s.stage !== 'full') return redirect(res, '/login');
      const user = await withCurrentCode(req, res, s, f, 'remove');
      if (!user) return;
      if (!(await accounts.save(user, turnOffTwoFactor(user.account, { now: clock() }), context(req, user.id))))
        return redirect(res, '/', 'conflict');
      await app.rotateAndEndOthers(res, s, user, {});
      redirect(res, '/', 'two_factor_off');
    },

    // ---- recovery codes ------------------------------------------------------------------------------
    async 'GET /2fa/recovery-codes'({ res, s, url }) {
      if (s.stage !== 'full') return redirect(res, '/login', s.expiredBecause);
      const codes = app.unstash(s);
      if (!codes) return redirect(res, '/');
      const user = await accounts.byId(s.user_id);
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
      const codes = app.unstash(s);
      if (!codes) return redirect(res, '/');
      res.writeHead(200, {
        ...app.headers,
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
      const user = await withCurrentCode(req, res, s, f, 'regenerate');
      if (!user) return;
      const { codes, set } = generateRecoveryCodes({ previous: user.account.recovery ?? undefined, now: clock() });
      if (
        !(await accounts.save(user, replaceRecoveryCodes(user.account, set, { now: clock() }), context(req, user.id)))
      )
        return redirect(res, '/', 'conflict');
      await app.rotateAndEndOthers(res, s, user, {}, codes);
      redirect(res, '/2fa/recovery-codes');
    },
  };
}

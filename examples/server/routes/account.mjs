// The account pages: home (two-factor status, authenticators, recovery codes), the security
// notices (the outbox a real server would mail) and the security log.
import { twoFactorOn } from 'totpkit/account';
import { fromJsonb } from '../db.mjs';
import { codeField, esc, field, form, page } from '../html.mjs';

/** Notices as the notices page words them. */
const NOTICE_TEXT = {
  authenticator_added: (n) => `Authenticator “${n.label}” was added.`,
  authenticator_removed: (n) => `Authenticator “${n.label}” was removed.`,
  recovery_codes_replaced: () => 'New recovery codes were made; the old ones no longer work.',
  recovery_code_used: (n) => `A recovery code was used to log in. ${n.remaining} left.`,
  recovery_codes_low: (n) => `Only ${n.remaining} recovery codes are left. Make new ones.`,
  two_factor_off: () => 'Two-factor login was turned off.',
  device_remembered: (n) => `A browser was remembered: ${n.label}.`,
};
const when = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
const used = (x) => (x.lastUsedAt === null ? 'not used yet' : `last used ${when(x.lastUsedAt)} UTC`);
const noticeText = (n) => NOTICE_TEXT[n.kind]?.(n) ?? n.kind;

export function accountRoutes(app) {
  const { db, accounts, send, redirect, messageOf } = app;

  /** The remembered browsers that still skip the code, each with "forget". */
  function devicesSection(a, s) {
    const now = app.clock();
    const live = a.devices.filter((d) => d.expiresAt > now && d.generation === a.generation);
    if (live.length === 0) return '';
    const item = (d) =>
      `<li data-id="${esc(d.id)}"><strong>${esc(d.label)}</strong> <small>remembered ${when(d.createdAt)} UTC, ` +
      `until ${when(d.expiresAt)} UTC</small>${form(
        '/devices/forget',
        s.csrf,
        `<input type="hidden" name="id" ` + `value="${esc(d.id)}">`,
        'Forget',
        { secondary: true, className: 'inline' },
      )}</li>`;
    return `<h2>Remembered browsers</h2>
<p>These skip the code at login. All of them are forgotten when your authenticators or recovery codes change.</p>
<ul class="authenticators" id="devices">${live.map(item).join('\n')}</ul>`;
  }

  /** The home page of a user with two-factor login on. */
  function twoFactorSection(user, s) {
    const a = user.account;
    const left = a.recovery ? a.recovery.codes.filter((c) => c.usedAt === null).length : 0;
    const rows = a.authenticators
      .map(
        (x) => `<li class="authenticator" data-id="${esc(x.id)}"><strong>${esc(x.label)}</strong>
<small>added ${when(x.createdAt)} UTC, ${used(x)}</small>
<details><summary>Rename or remove</summary>
${form(
  '/2fa/rename',
  s.csrf,
  `<input type="hidden" name="id" value="${esc(x.id)}">${field('label', 'New name', {
    id: `rename-${x.id}`,
    maxlength: 64,
    spellcheck: false,
  })}`,
  'Rename',
  { secondary: true },
)}
${form(
  '/2fa/remove',
  s.csrf,
  `<input type="hidden" name="id" value="${esc(x.id)}">${codeField('Current code from any of your authenticators', {
    id: `remove-${x.id}`,
    autofocus: false,
    hint: a.authenticators.length === 1 ? 'This is your only one: removing it turns two-factor login off.' : undefined,
  })}`,
  'Remove',
  { secondary: true },
)}</details></li>`,
      )
      .join('\n');
    return `<p>Two-factor login is <strong class="status-on">on</strong>.</p>
<h2>Authenticators</h2>
<ul class="authenticators" id="authenticators">${rows}</ul>
<details id="add"><summary>Add another authenticator</summary>
${form(
  '/2fa/add',
  s.csrf,
  field('label', 'Name for it', { id: 'add-label', maxlength: 64, hint: 'Such as “Work phone”.' }) +
    field('code', 'Current code from an authenticator, or a recovery code', {
      id: 'add-code',
      autocomplete: 'one-time-code',
      maxlength: 64,
      spellcheck: false,
    }),
  'Add an authenticator',
  { secondary: true },
)}</details>
${devicesSection(a, s)}
<p id="codes-left">${left} of ${a.recovery?.codes.length ?? 0} recovery codes left.</p>
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
  '/2fa/off',
  s.csrf,
  codeField('Current code from your app', { id: 'off-code', autofocus: false }),
  'Turn two-factor login off',
  { secondary: true },
)}`;
  }

  return {
    async 'GET /'({ res, s, url }) {
      const user = s.stage === 'full' ? await accounts.byId(s.user_id) : undefined;
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
      const body = twoFactorOn(user.account)
        ? twoFactorSection(user, s)
        : '<p>Two-factor login is <strong class="status-off">off</strong>. Turn it on so a stolen password is ' +
          `not enough.</p>\n${form('/2fa/enroll/start', s.csrf, '', 'Turn on two-factor login')}`;
      send(res, 200, page(`Hello, ${user.username}`, body, { message, user, csrf: s.csrf }));
    },

    async 'GET /notices'({ res, s, url }) {
      if (s.stage !== 'full') return redirect(res, '/login', s.expiredBecause);
      const user = await accounts.byId(s.user_id);
      const notices = await accounts.notices(user.id);
      const item = (n) => `<li data-kind="${esc(n.kind)}"><time>${when(n.time)} UTC</time> ${esc(noticeText(n))}</li>`;
      const body =
        notices.length === 0
          ? '<p class="empty" id="notices-empty">No notices yet.</p>'
          : `<ul class="notices" id="notices">${notices.map(item).join('\n')}</ul>`;
      send(
        res,
        200,
        page(
          'Security notices',
          `<p>What a real server would e-mail you: every change to your second factor, newest first.</p>${body}`,
          { message: messageOf(url, s), user, csrf: s.csrf },
        ),
      );
    },

    async 'GET /audit'({ res, s, url }) {
      if (s.stage !== 'full') return redirect(res, '/login', s.expiredBecause);
      const user = await accounts.byId(s.user_id);
      await app.auditWrites();
      const { rows } = await db.query('SELECT event FROM example_audit WHERE user_id = $1 ORDER BY id DESC LIMIT 100', [
        user.id,
      ]);
      const events = rows.map((r) => fromJsonb(r.event));
      const cell = (label, value) => `<td data-label="${label}">${esc(value)}</td>`;
      // The browser is cut to one line by the stylesheet; the whole user agent shows on hover.
      const agentCell = (agent) =>
        `<td data-label="Browser"><span class="agent" title="${esc(agent)}">${esc(agent)}</span></td>`;
      const row = (e) => {
        const agent = e.context?.userAgent ?? '';
        return (
          `<tr>${cell('Time (UTC)', new Date(e.time).toISOString().replace('T', ' ').slice(0, 19))}` +
          `${cell('Event', app.eventNames[e.kind] ?? e.kind)}${cell('Outcome', e.outcome)}` +
          `${cell('Reason', e.reason ?? '')}${cell('IP address', e.context?.ip ?? '')}` +
          `${agentCell(agent)}</tr>`
        );
      };
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
  };
}

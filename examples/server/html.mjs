// HTML for the example server: server-rendered pages with landmarks, labelled fields and one small
// stylesheet and script of its own (served from /static, so the CSP needs no 'unsafe-inline').
// Every dynamic value goes through `esc`, and every form carries the session's CSRF token.
export const esc = (value) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

/** The footer of every page. */
const FOOTER =
  '<footer class="site"><p>A reference deployment of <a href="https://www.npmjs.com/package/totpkit">totpkit</a>. ' +
  'Not a product: read the source before you copy it.</p></footer>';

/**
 * A page. `message` is `{ text, kind }` with kind `info`, `success` or `error`; `user` shows the
 * navigation of a logged-in user.
 */
export function page(title, body, { message, user, csrf } = {}) {
  const nav = user
    ? '<nav aria-label="Account"><a href="/">Account</a><a href="/notices">Notices</a>' +
      '<a href="/audit">Security log</a>' +
      `${form('/logout', csrf, '', 'Log out', { className: 'inline' })}</nav>`
    : `<nav aria-label="Account"><a href="/login">Log in</a><a href="/signup">Sign up</a></nav>`;
  const note = message
    ? `<p class="message ${esc(message.kind ?? 'info')}" role="${message.kind === 'error' ? 'alert' : 'status'}"` +
      ` id="flash">${esc(message.text)}</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · totpkit example</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml"><link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head><body>
<header class="site"><a class="brand" href="/">totpkit <span>example</span></a>${nav}</header>
<main id="main">
<h1>${esc(title)}</h1>
${note}
${body}
</main>
${FOOTER}
</body></html>`;
}

/** A POST form with the CSRF token. */
export const form = (
  action,
  csrf,
  fields,
  button,
  { className = '', secondary = false } = {},
) => `<form method="post" action="${esc(action)}"${className ? ` class="${esc(className)}"` : ''}>
<input type="hidden" name="csrf" value="${esc(csrf)}">
${fields}
<button type="submit"${secondary ? ' class="secondary"' : ''}>${esc(button)}</button>
</form>`;

/**
 * A labelled input. Options: `id` (when a page has two fields of one name), `type`, `autocomplete`, `inputmode`,
 * `autofocus`, `hint` (linked with
 * aria-describedby), `minlength`, `maxlength`, `pattern`.
 */
export function field(name, label, opts = {}) {
  const id = `f-${opts.id ?? name}`;
  const hint = opts.hint ? `<small id="${id}-hint">${esc(opts.hint)}</small>` : '';
  const attributes = [
    `id="${id}"`,
    `name="${esc(name)}"`,
    `type="${esc(opts.type ?? 'text')}"`,
    opts.autocomplete && `autocomplete="${esc(opts.autocomplete)}"`,
    opts.inputmode && `inputmode="${esc(opts.inputmode)}"`,
    opts.minlength && `minlength="${Number(opts.minlength)}"`,
    opts.maxlength && `maxlength="${Number(opts.maxlength)}"`,
    opts.pattern && `pattern="${esc(opts.pattern)}"`,
    opts.hint && `aria-describedby="${id}-hint"`,
    opts.autofocus && 'autofocus',
    opts.spellcheck === false && 'spellcheck="false" autocapitalize="off"',
    'required',
  ].filter(Boolean);
  return `<div class="field"><label for="${id}">${esc(label)}</label><input ${attributes.join(' ')}>${hint}</div>`;
}

/** The one-time code field: numeric keyboard, the OS's code autofill, focused. */
export const codeField = (label = 'Code from your authenticator app', opts = {}) =>
  field('code', label, {
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9 ]{6,8}',
    maxlength: 8,
    autofocus: true,
    spellcheck: false,
    ...opts,
  });

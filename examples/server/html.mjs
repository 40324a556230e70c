// HTML for the example server: plain forms, no client-side code. Every dynamic value goes through
// `esc`, and every form carries the session's CSRF token.
export const esc = (value) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

export function page(title, body, { flash } = {}) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · totpkit example</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
  h1 { font-size: 1.4rem; } form { margin: 1rem 0; } label { display: block; margin: .5rem 0; }
  input { font: inherit; padding: .3rem .5rem; } button { font: inherit; padding: .3rem .9rem; }
  .flash { padding: .6rem .9rem; background: #fff3cd; border: 1px solid #e0c36a; }
  .codes { font: 1.1rem/1.8 ui-monospace, monospace; columns: 2; }
  pre { background: #f5f5f5; padding: .6rem; white-space: pre-wrap; }
  table { border-collapse: collapse; font-size: .9rem; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; }
</style></head><body>
<h1>${esc(title)}</h1>
${flash ? `<p class="flash" role="status" id="flash">${esc(flash)}</p>` : ''}
${body}
</body></html>`;
}

export const form = (action, csrf, fields, button) => `<form method="post" action="${esc(action)}">
<input type="hidden" name="csrf" value="${esc(csrf)}">
${fields}
<button type="submit">${esc(button)}</button>
</form>`;

export const input = (name, label, type = 'text', extra = '') =>
  `<label>${esc(label)} <input name="${esc(name)}" type="${esc(type)}" ${extra} required></label>`;

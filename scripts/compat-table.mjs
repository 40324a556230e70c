// Renders the authenticator compatibility table (src/compat.ts, through the build) into
// docs/compatibility.md between its markers: `node scripts/compat-table.mjs` after `npm run build`.
// test/compat.test.ts fails when the document and the data disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const START = '<!-- compat:start -->';
const END = '<!-- compat:end -->';
const MARK = { supported: '✅ yes', unsupported: '❌ no', varies: '⚠️ varies', unknown: '❓ unknown' };
const COLUMNS = [
  ['SHA256', 'SHA-256'],
  ['SHA512', 'SHA-512'],
  ['digits', '8 digits'],
  ['period', 'period ≠ 30 s'],
];

/** The table and its numbered sources, as Markdown. */
export function renderTable(apps) {
  const sources = [];
  const ref = (url) => {
    let i = sources.indexOf(url);
    if (i < 0) i = sources.push(url) - 1;
    return `[${i + 1}]`;
  };
  const rows = apps.map((app) => {
    const cells = COLUMNS.map(([key]) => {
      const c = app.support[key];
      const refs = c.sources.map(ref).join('');
      return `${MARK[c.support]}${c.note ? ` (${c.note})` : ''}${refs ? ` ${refs}` : ''}`;
    });
    return `| ${app.name} | ${cells.join(' | ')} |`;
  });
  return [
    `| app | ${COLUMNS.map(([, title]) => title).join(' | ')} |`,
    `| --- | ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
    ...sources.map((url, i) => `${i + 1}. <${url}>`),
  ].join('\n');
}

/** The document with the table replaced. */
export function withTable(doc, apps) {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error('docs/compatibility.md lacks the compat markers');
  return `${doc.slice(0, start + START.length)}\n${renderTable(apps)}\n${doc.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { AUTHENTICATOR_APPS } = await import('../dist/compat.js');
  const file = new URL('../docs/compatibility.md', import.meta.url);
  writeFileSync(file, withTable(readFileSync(file, 'utf8'), AUTHENTICATOR_APPS));
  console.log('docs/compatibility.md: table updated');
}

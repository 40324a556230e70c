#!/usr/bin/env node
// `npm run bench:size`: bundle size of "generate + verify" for totpkit and its peers, bundled by
// esbuild for the browser (speakeasy for Node: it needs node:crypto), minified, then gzip -9.
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const cases = [
  ['totpkit', `import { totp, verifyTotp } from 'totpkit'; globalThis.x = [totp, verifyTotp];`, here, 'browser'],
  [
    'totpkit + decodeBase32',
    `import { totp, verifyTotp, decodeBase32 } from 'totpkit'; globalThis.x = [totp, verifyTotp, decodeBase32];`,
    here,
    'browser',
  ],
  ['totpkit (hotp only)', `import { hotp } from 'totpkit'; globalThis.x = hotp;`, here, 'browser'],
  ['otpauth', `import { TOTP } from 'otpauth'; globalThis.x = TOTP;`, join(here, 'peers'), 'browser'],
  [
    'otplib',
    `import { generateSync, verifySync } from 'otplib'; globalThis.x = [generateSync, verifySync];`,
    join(here, 'peers'),
    'browser',
  ],
  [
    'speakeasy (Node only)',
    `import speakeasy from 'speakeasy'; globalThis.x = [speakeasy.totp, speakeasy.totp.verify];`,
    join(here, 'peers'),
    'node',
  ],
];
const rows = [];
for (const [name, contents, resolveDir, platform] of cases) {
  const r = await build({
    stdin: { contents, resolveDir },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform,
    logLevel: 'silent',
  });
  const bytes = r.outputFiles[0].contents;
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  rows.push(`| ${name} | ${kib(bytes.length)} | ${kib(gzipSync(bytes, { level: 9 }).length)} |`);
}
console.log(['| generate + verify | min | min + gzip |', '| --- | ---: | ---: |', ...rows].join('\n'));

#!/usr/bin/env node
// Fails when a line of code or a comment is wider than 120 characters. Biome's formatter wraps code
// at 120 but leaves comments, strings and template literals as they are; this catches those.
// Checks the files git tracks (and untracked ones it does not ignore), apart from lock files and
// vendored peers. Usage: node scripts/line-width.mjs [--max N]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX_LINE_WIDTH = 120;
const max = process.argv.includes('--max') ? Number(process.argv[process.argv.indexOf('--max') + 1]) : MAX_LINE_WIDTH;
const SOURCE = /\.(?:ts|mts|cts|js|mjs|cjs|css|sh)$|(?:^|\/)run$/;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => SOURCE.test(f) && !f.startsWith('bench/peers/'));

let wide = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the working tree
  }
  text.split('\n').forEach((line, i) => {
    // Width in characters as shown, not UTF-16 code units (an emoji or CJK text counts once per character).
    const width = [...line].length;
    if (width > max) {
      wide++;
      console.log(`${file}:${i + 1}: ${width} characters (at most ${max})`);
    }
  });
}
if (wide > 0) {
  console.log(`line-width: ${wide} line(s) wider than ${max} characters`);
  process.exitCode = 1;
} else console.log(`line-width: ${files.length} files, every line at most ${max} characters`);

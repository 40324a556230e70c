// Writes dist/**/X.d.cts next to every dist/**/X.d.ts that tsc emitted (tsconfig.build.json).
//
// The package is "type": "module", so a .d.ts describes an ES module. The `require` conditions
// need declarations that describe CommonJS, which TypeScript reads from .d.cts files; their
// relative imports must name .cjs files so that they resolve to the .d.cts twins, never back to the
// ESM declarations (which @arethetypeswrong/cli reports as "masquerading as ESM").
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RELATIVE_SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\.js\2/g;

let written = 0;
for (const entry of readdirSync('dist', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8').replace(
    RELATIVE_SPECIFIER,
    (_, keyword, quote, path) => `${keyword}${quote}${path}.cjs${quote}`,
  );
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
  written++;
}
if (written === 0) throw new Error('no declarations found under dist/: run tsc -p tsconfig.build.json first');
console.log(`cjs-types: ${written} .d.cts files`);

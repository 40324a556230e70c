/**
 * QR rendering, proven with real decoders: PNG → zbarimg, and SVG → rsvg-convert → zbarimg
 * (Debian packages zbar-tools and librsvg2-bin).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOtpauthUri, type OtpauthParams } from '../../src/index.js';
import { MAX_COUNTER } from '../../src/limits.js';
import { contrastRatio, toDataUrl, toMatrix, toPng, toSvg, toTerminal, type QrWarning } from '../../src/qr/index.js';
import { crc32, zlibDeflate } from '../../src/qr/deflate.js';
import { haveTool, errorCode } from '../helpers.js';
import { labelArb } from '../../src/testing/arbitraries.js';
import { decodeQrMatrix } from '../../src/testing/index.js';

const haveZbar = haveTool('zbarimg', '--version', 'apt-get install zbar-tools');
const haveRsvg = haveTool('rsvg-convert', '--version', 'apt-get install librsvg2-bin');
const work = mkdtempSync(join(tmpdir(), 'totpkit-qr-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileCount = 0;
/** Decode every QR code in an image file with zbarimg; returns the raw payload bytes as text. */
function zbar(bytes: Uint8Array, extension = 'png', binary = false): string {
  const file = join(work, `${fileCount++}.${extension}`);
  writeFileSync(file, bytes);
  const args = ['--quiet', '--raw', ...(binary ? ['-Sbinary'] : []), file];
  // stderr is ignored: zbarimg complains there about a missing D-Bus, which is irrelevant here.
  return execFileSync('zbarimg', args, {
    encoding: binary ? 'latin1' : 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).replace(/\n$/, '');
}
/** A 16×16 single-colour RGB PNG, made with node:zlib (a logo that is not itself a QR code). */
function solidPng(r: number, g: number, b: number): Uint8Array {
  const size = 16;
  const raw = Buffer.alloc(size * (1 + 3 * size));
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) raw.set([r, g, b], y * (1 + 3 * size) + 1 + 3 * x);
  const chunk = (type: string, data: Uint8Array) => {
    const t = Buffer.from(type, 'latin1');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(t, data));
    return Buffer.concat([len, t, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function rasterize(svg: string): Uint8Array {
  return execFileSync('rsvg-convert', ['--format', 'png'], { input: svg, stdio: ['pipe', 'pipe', 'ignore'] });
}

// Random enrollment URIs: wide Unicode labels, every algorithm, secrets up to 64 bytes, both types.
const label = labelArb(24);
const uriArb = fc
  .record({
    type: fc.constantFrom('totp' as const, 'hotp' as const),
    secret: fc.uint8Array({ minLength: 16, maxLength: 64 }),
    account: label,
    issuer: fc.option(label, { nil: undefined }),
    algorithm: fc.constantFrom('SHA1' as const, 'SHA256' as const, 'SHA512' as const),
    digits: fc.constantFrom(6, 8),
    counter: fc.bigInt({ min: 0n, max: MAX_COUNTER }),
  })
  .map(({ counter, ...p }) => buildOtpauthUri((p.type === 'hotp' ? { ...p, counter } : p) as OtpauthParams));
const URIS = fc.sample(uriArb, { numRuns: 24, seed: 18004 });

describe.runIf(haveZbar)('round trips through a real decoder', () => {
  it(`PNG → zbarimg gives back ${URIS.length} random URIs exactly`, () => {
    for (const uri of URIS) expect(zbar(toPng(uri))).toBe(uri);
  });

  it('zbarimg and our own matrix decoder (totpkit/testing) agree', () => {
    for (const uri of URIS.slice(0, 6)) expect(decodeQrMatrix(toMatrix(uri).modules)).toBe(zbar(toPng(uri)));
  });

  it.runIf(haveRsvg)(`SVG → rsvg-convert → zbarimg gives back ${URIS.length} random URIs exactly`, () => {
    for (const uri of URIS) expect(zbar(rasterize(toSvg(uri)))).toBe(uri);
  });

  it.runIf(haveRsvg)('SVG with a logo (inline SVG and PNG data URL) still decodes', () => {
    const circle =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5" fill="#c62828"/></svg>';
    const pngLogo = `data:image/png;base64,${Buffer.from(solidPng(0x15, 0x65, 0xc0)).toString('base64')}`;
    for (const [i, uri] of URIS.slice(0, 12).entries()) {
      const logo = i % 2 === 0 ? { svg: circle, scale: 0.3 } : { href: pngLogo };
      const svg = toSvg(uri, { logo });
      expect(svg).toContain('<image ');
      expect(zbar(rasterize(svg))).toBe(uri);
    }
  });

  it('brand colours, module sizes and quiet zones that pass the checks decode', () => {
    const uri = URIS[0]!;
    expect(zbar(toPng(uri, { foreground: '#1a237e', background: '#fffde7', moduleSize: 3, quietZone: 6 }))).toBe(uri);
    expect(zbar(toPng(uri, { ecLevel: 'L', moduleSize: 2 }))).toBe(uri);
    expect(zbar(toPng(uri, { ecLevel: 'H' }))).toBe(uri);
  });

  it('raw Unicode text is encoded as UTF-8 bytes, not truncated to the low byte', () => {
    const text = 'Grüße, 日本, 🔐';
    const bytes = zbar(toPng(text), 'png', true);
    expect(Buffer.from(bytes, 'latin1').toString('utf8')).toBe(text);
  });

  it('the largest payload at level M (2331 bytes, version 40) renders and decodes', () => {
    const text = `otpauth://totp/a?secret=${'A'.repeat(2331 - 24)}`;
    expect(text.length).toBe(2331);
    expect(toMatrix(text).version).toBe(40);
    expect(zbar(toPng(text, { moduleSize: 2 }))).toBe(text);
  });
});

describe('PNG encoding', () => {
  it('our DEFLATE output inflates to the input (node:zlib as the oracle)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.integer({ min: 1, max: 300 }), (data, row) => {
        expect(new Uint8Array(inflateSync(zlibDeflate(data, row)))).toEqual(data);
      }),
    );
    // Long runs and repeated rows, the shapes QR rasters have.
    const raster = new Uint8Array(41 * 330).map((_, i) => (((i % 41) * 7) % 3 === 0 ? 255 : 0));
    expect(new Uint8Array(inflateSync(zlibDeflate(raster, 41)))).toEqual(raster);
  });

  it('is a 1-bit palette PNG with the chosen colours, and compresses well', () => {
    const png = toPng(URIS[0]!, { foreground: '#112233', background: '#ffeedd' });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const text = Buffer.from(png).toString('latin1');
    const plte = text.indexOf('PLTE');
    expect([...png.subarray(plte + 4, plte + 10)]).toEqual([0xff, 0xee, 0xdd, 0x11, 0x22, 0x33]);
    const ihdr = text.indexOf('IHDR');
    expect([png[ihdr + 12], png[ihdr + 13]]).toEqual([1, 3]); // bit depth 1, colour type 3
    expect(png.length).toBeLessThan(8000);
  });

  it('toDataUrl is the PNG, base64-encoded', () => {
    const url = toDataUrl('hello');
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(new Uint8Array(Buffer.from(url.slice(22), 'base64'))).toEqual(toPng('hello'));
  });
});

describe('terminal rendering', () => {
  /** Reads the half-block text back into a module matrix (light = ink by default). */
  function readBack(text: string, invert = false): boolean[][] {
    const rows: boolean[][] = [];
    for (const line of text.split('\n')) {
      const top: boolean[] = [];
      const bottom: boolean[] = [];
      for (const ch of line) {
        const code = ' ▄▀█'.indexOf(ch);
        const inkTop = (code & 2) !== 0;
        const inkBottom = (code & 1) !== 0;
        top.push(invert ? inkTop : !inkTop);
        bottom.push(invert ? inkBottom : !inkBottom);
      }
      rows.push(top, bottom);
    }
    return rows;
  }

  it('unicode half blocks carry exactly the matrix, in both polarities', () => {
    for (const uri of URIS.slice(0, 6)) {
      const { size, modules } = toMatrix(uri);
      for (const invert of [false, true]) {
        const back = readBack(toTerminal(uri, { invert }), invert);
        const inner = back.slice(4, 4 + size).map((r) => r.slice(4, 4 + size));
        expect(inner).toEqual(modules);
        expect(back.slice(0, 4).flat().some(Boolean)).toBe(false); // quiet zone is light
      }
      expect(toTerminal(uri).split('\n')).toHaveLength(Math.ceil((size + 8) / 2));
    }
  });

  it('ascii mode uses two characters per module, one line per row', () => {
    const { size, modules } = toMatrix('hi');
    const lines = toTerminal('hi', { charset: 'ascii', invert: true, quietZone: 4 }).split('\n');
    expect(lines).toHaveLength(size + 8);
    expect(lines[4]!.slice(8, 10)).toBe(modules[0]![0] ? '##' : '  ');
    expect(lines.every((l) => /^[# ]+$/.test(l) && l.length === 2 * (size + 8))).toBe(true);
  });
});

describe('checks', () => {
  it('contrast below 4.5:1 is refused, or a warning in lenient mode', () => {
    expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#888888')).toBeLessThan(4.5);
    expect(errorCode(() => toSvg('x', { foreground: '#777777', background: '#888888' }))).toBe('ERR_QR_CONTRAST');
    expect(errorCode(() => toPng('x', { foreground: '#ff5555', background: '#ffffff' }))).toBe('ERR_QR_CONTRAST');
    const warnings: QrWarning[] = [];
    expect(
      toSvg('x', {
        foreground: '#777777',
        background: '#888888',
        colorCheck: 'lenient',
        onWarning: (w) => warnings.push(w),
      }),
    ).toContain('<svg');
    expect(warnings.map((w) => w.code)).toEqual(['LOW_CONTRAST']);
  });

  it('light modules on a dark background are refused as inverted', () => {
    expect(errorCode(() => toSvg('x', { foreground: '#ffffff', background: '#000000' }))).toBe('ERR_QR_INVERTED');
    const warnings: QrWarning[] = [];
    toPng('x', {
      foreground: '#ffffff',
      background: '#000000',
      colorCheck: 'lenient',
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings.map((w) => w.code)).toEqual(['INVERTED']);
  });

  it('payloads beyond capacity are an error with a code, never a truncated image', () => {
    expect(errorCode(() => toMatrix('a'.repeat(2332)))).toBe('ERR_QR_CAPACITY');
    expect(errorCode(() => toMatrix('é'.repeat(1200)))).toBe('ERR_QR_CAPACITY'); // 2400 UTF-8 bytes
    // logo forces H
    expect(errorCode(() => toSvg('a'.repeat(1274), { logo: { svg: '<svg/>' } }))).toBe('ERR_QR_CAPACITY');
    expect(errorCode(() => toMatrix('a'.repeat(2954), { ecLevel: 'L' }))).toBe('ERR_QR_CAPACITY');
    expect(toMatrix('a'.repeat(2953), { ecLevel: 'L' }).version).toBe(40);
  });

  it('quiet zones under 4 modules need an explicit opt-in', () => {
    expect(errorCode(() => toSvg('x', { quietZone: 2 }))).toBe('ERR_OUT_OF_RANGE');
    expect(toSvg('x', { quietZone: 0, allowNarrowQuietZone: true })).toContain('viewBox="0 0 21 21"');
  });

  it('a logo requires level H and a data: URL', () => {
    expect(errorCode(() => toSvg('x', { logo: { svg: '<svg/>' }, ecLevel: 'M' }))).toBe('ERR_OUT_OF_RANGE');
    for (const href of [
      'https://evil.example/logo.png',
      'javascript:alert(1)',
      'data:text/html;base64,PGI+',
      'data:image/png;base64,"onload="x',
    ]) {
      expect(
        errorCode(() => toSvg('x', { logo: { href } })),
        href,
      ).toBe('ERR_QR_LOGO');
    }
    expect(errorCode(() => toSvg('x', { logo: {} }))).toBe('ERR_QR_LOGO');
    expect(errorCode(() => toSvg('x', { logo: { svg: '<svg/>', scale: 0.5 } }))).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('SVG is safe to inline', () => {
  const hostile = `"><script>alert(1)</script><svg onload="alert(2)" xmlns:x='y'>&amp;`;

  it('no markup from the issuer, account or title reaches the document unescaped', () => {
    const label = hostile.replaceAll(':', ''); // a colon is refused by the builder itself
    const uri = buildOtpauthUri({ type: 'totp', secret: new Uint8Array(20), account: label, issuer: label });
    const logo = { svg: `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(3)"><script>alert(4)</script></svg>` };
    for (const whole of [toSvg(uri, { title: hostile }), toSvg(uri, { title: hostile, logo })]) {
      // The title's text may mention anything, as long as none of it can close or open markup.
      const title = /<title>([^<]*)<\/title>/.exec(whole)?.[1];
      expect(title).toBeDefined();
      expect(title).not.toMatch(/[<>"']|&(?!#\d+;)/);
      const svg = whole.replace(/<title>[^<]*<\/title>/, '');
      expect(svg).not.toMatch(/<script/i);
      expect(svg).not.toMatch(/\son[a-z]+=/i);
      expect(svg).not.toContain('alert');
      const tags = [...svg.matchAll(/<([a-zA-Z]+)/g)].map((m) => m[1]);
      expect(new Set(tags)).toEqual(new Set(['svg', 'rect', 'path', ...(svg.includes('<image') ? ['image'] : [])]));
      const hrefs = [...svg.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
      expect(hrefs.every((h) => h.startsWith('data:image/'))).toBe(true);
      expect(svg.replace('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:/);
    }
    expect(toSvg('x', { title: hostile })).toContain('<title>&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('merges dark modules into a single path', () => {
    const typical = buildOtpauthUri({
      type: 'totp',
      secret: new Uint8Array(20).fill(7),
      account: 'alice@example.com',
      issuer: 'ACME Co',
    });
    const svg = toSvg(typical);
    expect(svg.match(/<path/g)).toHaveLength(1);
    expect(svg.length).toBeLessThan(8_000);
  });
});

/**
 * Shared test helpers: a reference HOTP on node:crypto (an independent oracle), and the rule
 * for outside tools: without CI a missing tool skips with a printed reason, with CI=true it fails.
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import type { Algorithm, ErrorCode } from '../src/index.js';

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const NODE_HASH: Record<Algorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

/** RFC 4226 written the obvious way on node:crypto with BigInt: slow, independent, easy to audit. */
export function referenceHotp(secret: Uint8Array, counter: bigint, algorithm: Algorithm, digits: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const mac = createHmac(NODE_HASH[algorithm], secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return (BigInt(value) % 10n ** BigInt(digits)).toString().padStart(digits, '0');
}

/** RFC 6238 step with BigInt arithmetic, for checking the float-free integer path. */
export function referenceStep(timeMs: number, periodSeconds: number, t0Seconds: number): bigint {
  return (BigInt(timeMs) - BigInt(t0Seconds) * 1000n) / (BigInt(periodSeconds) * 1000n);
}

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Whether an outside command is installed. Missing: throws under CI, else prints why the tests
 * that need it are skipped.
 */
export function haveTool(command: string, versionArg = '--version', installHint = ''): boolean {
  const r = spawnSync(command, [versionArg], { encoding: 'utf8', stdio: 'ignore' });
  if (r.error === undefined) return true;
  const reason = `${command} is not installed${installHint ? ` (${installHint})` : ''}`;
  if (inCI) throw new Error(`${reason}: required under CI=true`);
  console.warn(`skipping tests that need ${command}: ${reason}`);
  return false;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether Debian's Chromium and zbarimg are installed: the browser tests need both (see haveTool). */
export function browserToolsReady(): boolean {
  return (
    haveTool(CHROMIUM, '--version', 'apt-get install chromium') &&
    haveTool('zbarimg', '--version', 'apt-get install zbar-tools')
  );
}

/** Debian's Chromium, headless, through playwright-core: never a downloaded browser. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** What `fn` throws (with its `code`), or `undefined` when it does not throw. */
export function errorOf(fn: () => unknown): (Error & { code?: ErrorCode }) | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: ErrorCode };
  }
  return undefined;
}

/** The `code` of what `fn` throws, or `undefined` when it does not throw. */
export function errorCode(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: ErrorCode }).code;
  }
  return undefined;
}

/** Reads the default (light-on-dark) half-block rendering back into a module matrix. */
export function readTerminalQr(text: string): boolean[][] {
  const rows: boolean[][] = [];
  for (const line of text.split('\n').filter((l) => /^[ ▀▄█]+$/.test(l))) {
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const ch of line) {
      const ink = ' ▄▀█'.indexOf(ch);
      top.push((ink & 2) === 0); // ink marks light modules
      bottom.push((ink & 1) === 0);
    }
    rows.push(top, bottom);
  }
  const first = rows.findIndex((r) => r.some(Boolean));
  const size = rows[first]!.lastIndexOf(true) - rows[first]!.indexOf(true) + 1;
  const left = rows[first]!.indexOf(true);
  return rows.slice(first, first + size).map((r) => r.slice(left, left + size));
}

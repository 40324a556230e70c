#!/usr/bin/env node
// An auth server that uses totpkit the recommended way, on node:http with no framework: sign-up
// with scrypt password hashes, TOTP set-up (QR code, "open in app" link, manual key) that survives
// a wrong code or a refresh, recovery codes (download, copy, regenerate), login with password +
// code or a recovery code, lockout for codes and passwords, sessions with rotation and timeouts,
// an audit log, and fast, clear answers when a store is down. Each user's two-factor state is a
// `totpkit/account` record (several authenticators, remembered browsers, notices), written with a
// compare-and-set on its version (accounts.mjs); the pages are in ./routes.
//
// Run: npm run build && npm start   (then open http://127.0.0.1:3000)
// Storage: PGlite in ./examples/server/.data by default; DATABASE_URL / REDIS_URL when set.
//
// Settings (environment):
//   PORT, HOST                  where to listen (3000, 127.0.0.1)
//   DATABASE_URL, REDIS_URL     PostgreSQL for data, Redis for the guard's store (optional)
//   DATA_DIR                    PGlite folder and the generated sealing key (./examples/server/.data)
//   SEALING_KEY                 base64url 32-byte key that seals TOTP secrets (generated into DATA_DIR if unset)
//   TLS_CERT_FILE, TLS_KEY_FILE serve HTTPS directly
//   BEHIND_TLS=1                served through a TLS-terminating proxy: Secure cookies and HSTS
//   SESSION_IDLE_MINUTES (30), SESSION_ABSOLUTE_HOURS (12), SESSION_PENDING_MINUTES (5)
//   MAX_FAILURES (5), PASSWORD_MAX_FAILURES (10), LOCK_MINUTES (15), GUARD_TIMEOUT_MS (2000), ISSUER
//   EXAMPLE_CLOCK_FILE          tests only: the app's clock reads epoch ms from this file
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.mjs';
import { openStorage, reasonOf, StartupError } from './db.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
/** Errors and outages: one line each on stderr, never a stack, never a secret. */
const log = (line) => console.error(`[example] ${line}`);
/** Start-up failed: say why in one line and exit non-zero. */
function fail(message) {
  log(message);
  process.exit(1);
}

function numberSetting(name, fallback, min, max) {
  if (env[name] === undefined || env[name] === '') return fallback;
  const value = Number(env[name]);
  if (!Number.isFinite(value) || value < min || value > max) fail(`${name} must be a number in ${min}..${max}`);
  return value;
}

const tls = env.TLS_CERT_FILE || env.TLS_KEY_FILE ? { cert: env.TLS_CERT_FILE, key: env.TLS_KEY_FILE } : undefined;
const config = {
  port: numberSetting('PORT', 3000, 0, 65535),
  host: env.HOST || '127.0.0.1',
  issuer: env.ISSUER || 'totpkit example',
  secure: tls !== undefined || env.BEHIND_TLS === '1',
  sessionIdleMs: numberSetting('SESSION_IDLE_MINUTES', 30, 1, 24 * 60) * 60_000,
  sessionAbsoluteMs: numberSetting('SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 30) * 3_600_000,
  sessionPendingMs: numberSetting('SESSION_PENDING_MINUTES', 5, 1, 60) * 60_000,
  maxFailures: numberSetting('MAX_FAILURES', 5, 1, 100),
  passwordMaxFailures: numberSetting('PASSWORD_MAX_FAILURES', 10, 1, 100),
  lockMinutes: numberSetting('LOCK_MINUTES', 15, 1, 24 * 60),
  guardTimeoutMs: numberSetting('GUARD_TIMEOUT_MS', 2000, 10, 60_000),
};

// The app's clock. Tests point EXAMPLE_CLOCK_FILE at a file holding epoch ms, so a browser test can
// move time by minutes without waiting; never set it in production.
const clockFile = env.EXAMPLE_CLOCK_FILE;
const clock = clockFile ? () => Number(readFileSync(clockFile, 'utf8')) : Date.now;

const dataDir = env.DATA_DIR || join(here, '.data');
let keyring;
try {
  mkdirSync(dataDir, { recursive: true });
  // The sealing key for TOTP secrets at rest. Production: a secret manager, rotated by key id.
  const keyFile = join(dataDir, 'sealing.key');
  if (!env.SEALING_KEY && !existsSync(keyFile))
    writeFileSync(keyFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  const key = new Uint8Array(Buffer.from(env.SEALING_KEY || readFileSync(keyFile, 'utf8'), 'base64url'));
  if (key.length !== 32) fail('SEALING_KEY must be 32 bytes, base64url');
  keyring = { current: 'k1', keys: { k1: key } };
} catch (error) {
  fail(`cannot use the data folder ${dataDir}: ${reasonOf(error)}`);
}

let storage;
try {
  storage = await openStorage({
    dataDir: join(dataDir, 'pglite'),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    log,
  });
} catch (error) {
  fail(error instanceof StartupError ? error.message : `cannot open storage: ${reasonOf(error)}`);
}

const app = createApp({ db: storage.db, store: storage.store, keyring, clock, config, log });
let server;
try {
  server = tls
    ? createHttpsServer({ cert: readFileSync(tls.cert ?? ''), key: readFileSync(tls.key ?? '') }, app.handle)
    : createHttpServer(app.handle);
} catch (error) {
  await storage.close();
  fail(`cannot read TLS_CERT_FILE / TLS_KEY_FILE: ${reasonOf(error)}`);
}
server.on('error', async (error) => {
  await storage.close().catch(() => {});
  const why =
    error.code === 'EADDRINUSE'
      ? 'the port is in use'
      : error.code === 'EACCES'
        ? 'permission denied'
        : reasonOf(error);
  fail(`cannot listen on ${config.host}:${config.port}: ${why}`);
});
server.listen(config.port, config.host, () => {
  const { port } = server.address();
  const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
  const storage = `${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}${env.REDIS_URL ? ' + Redis' : ''}`;
  console.log(`totpkit example listening on ${tls ? 'https' : 'http'}://${shown}:${port}/ (storage: ${storage})`);
});
const shutdown = () => {
  server.close(async () => {
    await storage.close();
    process.exit(0);
  });
  server.closeAllConnections?.();
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

/**
 * The public surface is a promise: every name each entry point exports (values and types) is
 * listed here, so adding, renaming or removing one is a deliberate change to this file (and the
 * CHANGELOG), never a side effect. Each exported name must also carry documentation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers.js';

const PUBLIC: Record<string, string[]> = {
  '.': [
    // functions and classes (30 runtime values with the two error-code lists)
    'buildOtpauthUri',
    'confirmEnrollment',
    'consumeRecoveryCode',
    'createOtpKey',
    'decodeBase32',
    'encodeBase32',
    'envelopeKeyId',
    'generateRecoveryCodes',
    'generateSecret',
    'hotp',
    'isTotpkitError',
    'loadSecret',
    'manualEntry',
    'openSecret',
    'OtpKey',
    'parseOtpauthUri',
    'resealSecret',
    'resyncHotp',
    'revokeEnrollment',
    'sealSecret',
    'showEnrollment',
    'startEnrollment',
    'timeStep',
    'totp',
    'TotpkitError',
    'verifyCredential',
    'verifyHotp',
    'verifyTotp',
    // error code lists
    'ARGUMENT_ERROR_CODES',
    'TOTPKIT_ERROR_CODES',
    // types
    'Algorithm',
    'ArgumentError',
    'ArgumentErrorCode',
    'Base32Mode',
    'CodeOptions',
    'ConfirmEnrollmentOptions',
    'ConfirmEnrollmentResult',
    'ConfirmFailureReason',
    'ConsumeRecoveryCodeResult',
    'Credential',
    'DecodeBase32Options',
    'Enrollment',
    'ErrorCode',
    'GeneratedRecoveryCodes',
    'GenerateRecoveryCodesOptions',
    'GenerateSecretOptions',
    'HotpFailureReason',
    'Keyring',
    'ManualEntry',
    'Moment',
    'OtpauthCommon',
    'OtpauthParams',
    'ParsedOtpauthUri',
    'ParseOtpauthUriOptions',
    'RandomSource',
    'RecoveryCodeSet',
    'ResyncHotpOptions',
    'SealOptions',
    'SecretProtection',
    'ShowEnrollmentFailureReason',
    'ShowEnrollmentOptions',
    'ShowEnrollmentResult',
    'StartedEnrollment',
    'StartEnrollmentOptions',
    'TimeOptions',
    'TotpFailureReason',
    'TotpkitErrorCode',
    'TotpOptions',
    'TotpWindow',
    'UriWarning',
    'UriWarningCode',
    'VerifyCredentialOptions',
    'VerifyCredentialResult',
    'VerifyHotpOptions',
    'VerifyHotpResult',
    'VerifyTotpOptions',
    'VerifyTotpResult',
  ],
  './limits': [
    'DEFAULT_DYNAMODB_RETRIES',
    'MAX_DYNAMODB_RETRIES',
    'DEFAULT_SQLITE_BUSY_TIMEOUT_MS',
    'DEFAULT_SQLITE_PREFIX',
    'DEFAULT_REMEMBER_DAYS',
    'MAX_AUTHENTICATOR_LABEL_LENGTH',
    'MAX_AUTHENTICATORS',
    'MAX_REMEMBER_DAYS',
    'MAX_REMEMBERED_DEVICES',
    'MIN_REMEMBER_DAYS',
    'RECOVERY_CODES_LOW',

    'ALGORITHMS',
    'DEFAULT_ALGORITHM',
    'DEFAULT_DIGITS',
    'DEFAULT_ENROLLMENT_TTL_SECONDS',
    'DEFAULT_GUARD_TIMEOUT_MS',
    'DEFAULT_HOTP_RESYNC_WINDOW',
    'DEFAULT_HOTP_WINDOW',
    'DEFAULT_LOCK_SECONDS',
    'DEFAULT_MAX_FAILURES',
    'DEFAULT_MEMORY_STORE_ENTRIES',
    'DEFAULT_PERIOD_SECONDS',
    'DEFAULT_POSTGRES_PREFIX',
    'DEFAULT_POSTGRES_RETRIES',
    'DEFAULT_QR_BACKGROUND',
    'DEFAULT_QR_EC_LEVEL',
    'DEFAULT_QR_FOREGROUND',
    'DEFAULT_QR_LOGO_SCALE',
    'DEFAULT_QR_MODULE_SIZE',
    'DEFAULT_RECOVERY_CODES',
    'DEFAULT_REDIS_PREFIX',
    'DEFAULT_REDIS_REPLICA_TIMEOUT_MS',
    'DEFAULT_SECRET_BYTES',
    'DEFAULT_WINDOW',
    'MAX_COUNTER',
    'MAX_CREDENTIAL_ID_LENGTH',
    'MAX_DIGITS',
    'MAX_ENROLLMENT_ATTEMPTS',
    'MAX_ENROLLMENT_TTL_SECONDS',
    'MAX_GENERATED_SECRET_BYTES',
    'MAX_GUARD_TIMEOUT_MS',
    'MAX_HOTP_RESYNC_WINDOW',
    'MAX_HOTP_WINDOW',
    'MAX_LABEL_LENGTH',
    'MAX_LOCK_SECONDS',
    'MAX_MAX_FAILURES',
    'MAX_MEMORY_STORE_ENTRIES',
    'MAX_MIGRATION_ACCOUNTS',
    'MAX_MIGRATION_URI_LENGTH',
    'MAX_PERIOD_SECONDS',
    'MAX_POSTGRES_RETRIES',
    'MAX_QR_LOGO_LENGTH',
    'MAX_QR_LOGO_SCALE',
    'MAX_QR_MODULE_SIZE',
    'MAX_QR_QUIET_ZONE',
    'MAX_QR_TITLE_LENGTH',
    'MAX_RECOVERY_CODES',
    'MAX_REDIS_PREFIX_LENGTH',
    'MAX_REDIS_REPLICAS',
    'MAX_SECRET_BYTES',
    'MAX_URI_LENGTH',
    'MAX_WINDOW',
    'MIN_DIGITS',
    'MIN_ENROLLMENT_TTL_SECONDS',
    'MIN_GENERATED_SECRET_BYTES',
    'MIN_GUARD_TIMEOUT_MS',
    'MIN_PERIOD_SECONDS',
    'MIN_QR_CONTRAST',
    'MIN_QR_LOGO_SCALE',
    'MIN_QR_QUIET_ZONE',
    'MIN_RECOVERY_PEPPER_BYTES',
    'MIN_SECRET_BYTES_STRICT',
    'RECOVERY_ALPHABET',
    'RECOVERY_CODE_LENGTH',
  ],
  './compat': [
    'AUTHENTICATOR_APPS',
    'authenticatorConcerns',
    'AppParameter',
    'AppSupport',
    'AppSupportCell',
    'AuthenticatorApp',
    'AuthenticatorConcern',
  ],
  './inspect': [
    'inspectEnrollmentUri',
    'EnrollmentInspection',
    'EnrollmentRisk',
    'EnrollmentRiskCode',
    'InspectEnrollmentUriOptions',
  ],
  './account': [
    'addAuthenticator',
    'bumpGeneration',
    'checkRememberedDevice',
    'createAccount',
    'forgetDevice',
    'rememberDevice',
    'removeAuthenticator',
    'renameAuthenticator',
    'replaceRecoveryCodes',
    'setPendingEnrollment',
    'turnOffTwoFactor',
    'twoFactorOn',
    'DEFAULT_REMEMBER_DAYS',
    'MAX_AUTHENTICATOR_LABEL_LENGTH',
    'MAX_AUTHENTICATORS',
    'MAX_REMEMBER_DAYS',
    'MAX_REMEMBERED_DEVICES',
    'MIN_REMEMBER_DAYS',
    'RECOVERY_CODES_LOW',
    'Account',
    'AccountChange',
    'Authenticator',
    'ChangeOptions',
    'CheckRememberedDeviceResult',
    'Notice',
    'NoticeKind',
    'RememberDeviceOptions',
    'RememberedDevice',
    'RememberedDeviceChange',
    'RememberedDeviceFailureReason',
  ],
  './migration': [
    'buildMigrationUris',
    'parseMigrationUri',
    'MAX_MIGRATION_ACCOUNTS',
    'MAX_MIGRATION_URI_LENGTH',
    'BuildMigrationUrisOptions',
    'MigrationWarning',
    'MigrationWarningCode',
    'ParsedMigration',
    'ParseMigrationUriOptions',
  ],
  './qr': [
    'contrastRatio',
    'toDataUrl',
    'toMatrix',
    'toPng',
    'toSvg',
    'toTerminal',
    'DEFAULT_QR_BACKGROUND',
    'DEFAULT_QR_EC_LEVEL',
    'DEFAULT_QR_FOREGROUND',
    'DEFAULT_QR_LOGO_SCALE',
    'DEFAULT_QR_MODULE_SIZE',
    'MAX_QR_LOGO_LENGTH',
    'MAX_QR_LOGO_SCALE',
    'MAX_QR_MODULE_SIZE',
    'MAX_QR_QUIET_ZONE',
    'MAX_QR_TITLE_LENGTH',
    'MIN_QR_CONTRAST',
    'MIN_QR_LOGO_SCALE',
    'MIN_QR_QUIET_ZONE',
    'ColorCheckMode',
    'QrColorOptions',
    'QrEcLevel',
    'QrLogo',
    'QrMatrix',
    'QrMatrixOptions',
    'QrPngOptions',
    'QrRenderOptions',
    'QrSvgOptions',
    'QrTerminalOptions',
    'QrWarning',
  ],
  './guard': [
    'AccountEnrollmentResult',
    'AccountGuardResult',
    'AccountRecoveryResult',
    'AttemptResult',
    'RememberedDeviceResult',
    'createVerifier',
    'memoryStore',
    'DEFAULT_GUARD_TIMEOUT_MS',
    'DEFAULT_LOCK_SECONDS',
    'DEFAULT_MAX_FAILURES',
    'DEFAULT_MEMORY_STORE_ENTRIES',
    'MAX_GUARD_TIMEOUT_MS',
    'MAX_LOCK_SECONDS',
    'MAX_MAX_FAILURES',
    'MAX_MEMORY_STORE_ENTRIES',
    'MIN_GUARD_TIMEOUT_MS',
    'EnrollmentAttemptResult',
    'EnrollmentFailureReason',
    'GuardEvent',
    'GuardEventReason',
    'GuardAttempt',
    'GuardFailureReason',
    'GuardPolicy',
    'GuardRefusal',
    'GuardResult',
    'GuardStore',
    'MemoryStore',
    'MemoryStoreOptions',
    'RecoveryAttemptResult',
    'RecoveryFailureReason',
    'SettleOnce',
    'SettleRequest',
    'SettleResult',
    'SettleStep',
    'Verifier',
    'VerifierOptions',
  ],
  './redis': [
    'redisStore',
    'DEFAULT_REDIS_PREFIX',
    'DEFAULT_REDIS_REPLICA_TIMEOUT_MS',
    'MAX_REDIS_PREFIX_LENGTH',
    'MAX_REDIS_REPLICAS',
    'IoredisLikeClient',
    'NodeRedisLikeClient',
    'RedisLikeClient',
    'RedisStoreOptions',
  ],
  './postgres': [
    'migrate',
    'postgresStore',
    'purgeExpired',
    'schemaSql',
    'DEFAULT_POSTGRES_PREFIX',
    'DEFAULT_POSTGRES_RETRIES',
    'MAX_POSTGRES_RETRIES',
    'PostgresStoreOptions',
    'Queryable',
  ],
  './cloudflare': [
    'd1Store',
    'durableObjectStore',
    'GuardObject',
    'migrateD1',
    'DEFAULT_SQLITE_PREFIX',
    'D1DatabaseLike',
    'D1PreparedStatementLike',
    'D1StoreOptions',
    'DurableObjectNamespaceLike',
    'DurableObjectStorageLike',
    'DurableObjectStoreOptions',
  ],
  './dynamodb': [
    'dynamoStore',
    'DEFAULT_DYNAMODB_RETRIES',
    'MAX_DYNAMODB_RETRIES',
    'DynamoClientLike',
    'DynamoStoreOptions',
  ],
  './sqlite': [
    'migrate',
    'purgeExpired',
    'sqliteStore',
    'DEFAULT_SQLITE_BUSY_TIMEOUT_MS',
    'DEFAULT_SQLITE_PREFIX',
    'SqliteDatabase',
    'SqliteStatement',
    'SqliteStoreOptions',
  ],
  './testing': [
    'createFakeClock',
    'decodeQrMatrix',
    'deterministicRandom',
    'guardStoreConformance',
    'simulateAuthenticator',
    'ConformanceCase',
    'ConformanceStores',
    'FakeClock',
    'MakeStores',
    'SimulatedAuthenticator',
    'SimulatedAuthenticatorOptions',
  ],
  './testing/arbitraries': [
    'clockSkewArb',
    'codeArb',
    'labelArb',
    'legacySecretArb',
    'malformedCodeArb',
    'otpauthParamsArb',
    'otpauthUriArb',
    'secretArb',
  ],
};

/** package.json `exports` key → the source file its ESM build comes from. */
function entryPoints(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, { import?: { default: string } } | string>;
  };
  const out: Record<string, string> = {};
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue; // ./package.json
    out[key] = join(root, target.import!.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
  }
  return out;
}

const entries = entryPoints();
const program = ts.createProgram(Object.values(entries), {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
});
const checker = program.getTypeChecker();

function exportsOf(file: string): ts.Symbol[] {
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`not in the program: ${file}`);
  return checker.getExportsOfModule(checker.getSymbolAtLocation(source)!);
}

/** The declaration behind a re-export (`export { x } from`), or the symbol itself. */
const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
const sorted = (names: string[]) => [...names].sort((a, b) => a.localeCompare(b, 'en'));

describe('public API', () => {
  it('the root entry point stays one a user can hold in their head: at most 30 runtime values, 80 names', () => {
    const names = exportsOf(entries['.']!);
    const values = names.filter((s) => (resolve(s).flags & ts.SymbolFlags.Value) !== 0);
    expect(values.length).toBeLessThanOrEqual(30);
    expect(names.length).toBeLessThanOrEqual(80);
  });

  it('every entry point of package.json is listed here, and nothing else', () => {
    expect(sorted(Object.keys(entries))).toEqual(sorted(Object.keys(PUBLIC)));
  });

  for (const [key, file] of Object.entries(entries)) {
    describe(key, () => {
      it('exports exactly the listed names (values and types)', () => {
        expect(sorted(exportsOf(file).map((s) => s.name))).toEqual(sorted(PUBLIC[key] ?? []));
      });

      it('exports at run time exactly the listed values', async () => {
        const values = exportsOf(file)
          .filter((s) => (resolve(s).flags & ts.SymbolFlags.Value) !== 0)
          .map((s) => s.name);
        const mod = (await import(file)) as Record<string, unknown>;
        expect(sorted(Object.keys(mod))).toEqual(sorted(values));
        expect(values.length).toBeGreaterThan(0);
      });

      it('documents every exported name', () => {
        const undocumented = exportsOf(file)
          .map(resolve)
          .filter((s) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim() === '')
          .map((s) => s.name);
        expect(undocumented).toEqual([]);
      });
    });
  }
});

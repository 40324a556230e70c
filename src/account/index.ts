/**
 * `totpkit/account`: the account around the credentials: several named authenticators, recovery
 * codes, a pending enrollment and remembered devices, as plain JSON changed by pure functions that
 * return `{ account, notices }`. Persist with a compare-and-set on `account.version`; verify codes
 * against a whole account with `totpkit/guard` (`verifier.verify({ account, code })`).
 *
 * @module totpkit/account
 */
export {
  DEFAULT_REMEMBER_DAYS,
  MAX_AUTHENTICATOR_LABEL_LENGTH,
  MAX_AUTHENTICATORS,
  MAX_REMEMBER_DAYS,
  MAX_REMEMBERED_DEVICES,
  MIN_REMEMBER_DAYS,
  RECOVERY_CODES_LOW,
} from '../constants.js';
export {
  type CheckRememberedDeviceResult,
  checkRememberedDevice,
  forgetDevice,
  type RememberDeviceOptions,
  type RememberedDeviceChange,
  type RememberedDeviceFailureReason,
  rememberDevice,
} from './devices.js';
export {
  type Account,
  type AccountChange,
  addAuthenticator,
  type Authenticator,
  bumpGeneration,
  type ChangeOptions,
  createAccount,
  type Notice,
  type NoticeKind,
  type RememberedDevice,
  removeAuthenticator,
  renameAuthenticator,
  replaceRecoveryCodes,
  setPendingEnrollment,
  turnOffTwoFactor,
  twoFactorOn,
} from './state.js';

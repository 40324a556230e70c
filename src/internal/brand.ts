/**
 * totpkit's brand: one symbol in the global registry (`Symbol.for`), so that every copy of the
 * package loaded in a process (the ESM and the CJS build side by side, or two versions) recognises
 * the others' keys and errors, where `instanceof` would see only its own copy's classes.
 *
 * An `OtpKey` carries `'OtpKey'` under it, an argument error (`TypeError`/`RangeError` thrown by
 * totpkit) `'error'`. Node's own errors share codes such as `ERR_INVALID_ARG_TYPE` with ours; the
 * brand tells them apart.
 *
 * @module
 */

/** The brand's key. */
export const BRAND = /* @__PURE__ */ Symbol.for('totpkit');

/**
 * The verifier's cache of compiled credential keys.
 *
 * Opening a sealed secret (AES-GCM) and compiling its HMAC key costs more than the verification
 * itself, so each verifier keeps the keys of recently seen credentials: bounded, least recently
 * used first. An entry is found by credential id and used only if the envelope and algorithm are
 * the ones it was compiled from, so a re-enrolled or re-sealed secret replaces it. (Keying by id
 * alone spares building and hashing a long string per login.)
 *
 * @module
 */
import { credentialKey, type Credential, type SecretProtection } from '../credential.js';
import type { OtpKey } from '../key.js';

/** The compiled key of a credential: from the cache, or opened, compiled and cached. */
export type KeyCache = (credential: Credential) => OtpKey;

/**
 * A key cache of at most `size` credentials.
 *
 * @param protection - how the verifier opens secrets (`keyring` or `insecurePlaintext`)
 * @param size - most keys kept
 * @throws TotpkitError `ERR_SEAL_*` from the returned function when a secret cannot be opened
 * @internal
 */
export function createKeyCache(protection: Partial<SecretProtection>, size: number): KeyCache {
  const keys = new Map<string, { secret: string; algorithm: string; key: OtpKey }>();
  return (c) => {
    let entry = keys.get(c.id);
    if (entry === undefined || entry.secret !== c.secret || entry.algorithm !== c.algorithm) {
      entry = { secret: c.secret, algorithm: c.algorithm, key: credentialKey(c, protection) };
      if (!keys.has(c.id) && keys.size >= size) keys.delete(keys.keys().next().value!);
    }
    // Delete and set again: a Map iterates in insertion order, which makes it an LRU.
    keys.delete(c.id);
    keys.set(c.id, entry);
    return entry.key;
  };
}

/**
 * The table-name prefix of the SQL store adapters (PostgreSQL, SQLite, D1).
 *
 * @module
 */
import { rangeError, typeError } from '../internal/assert.js';

/** A plain lower-case identifier, short enough that every derived table and function name fits. */
const IDENT = /^[a-z_][a-z0-9_]{0,40}$/;

/**
 * A table-name prefix, checked: it is interpolated into SQL, so only a plain lower-case identifier
 * is accepted.
 *
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a non-string; RangeError `ERR_OUT_OF_RANGE` otherwise
 */
export function checkTablePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw typeError('prefix', 'a string', prefix);
  if (!IDENT.test(prefix)) throw rangeError('"prefix" must be a lower-case SQL identifier prefix');
  return prefix;
}

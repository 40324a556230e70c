// The users' two-factor state: one `totpkit/account` record per user, in `example_users.account`.
//
// Every write is a compare-and-set on the account's `version`: the UPDATE names the version the
// request read, so of two requests that read the same version only the first writes; the second
// changes nothing and is told so (`false`), and the route answers "changed meanwhile". A stale row
// can never be written last, which is what once let a double-submitted set-up, or "cancel" racing
// "confirm", report two-factor login as on while the stored row said off.
import { addAuthenticator, createAccount, replaceRecoveryCodes, setPendingEnrollment } from 'totpkit/account';
import { fromJsonb } from './db.mjs';

/**
 * The account of a user row. Rows of earlier versions of this example kept `credential`,
 * `enrollment` and `recovery` columns: they are read into an account here, and the first write
 * (version 0 → 1) stores the account and clears the old columns in the same statement.
 */
export function accountOf(row) {
  if (row.account) return fromJsonb(row.account);
  let account = createAccount({ id: String(row.id) });
  const now = Number(row.created_at);
  if (row.credential)
    account = addAuthenticator(account, { credential: row.credential, label: 'Authenticator app', now }).account;
  if (row.recovery) account = replaceRecoveryCodes(account, row.recovery, { now }).account;
  if (row.enrollment?.status === 'pending') account = setPendingEnrollment(account, row.enrollment).account;
  // None of that is a change of the user's: the stored version is still 0 until the first write.
  return { ...account, version: 0, generation: 0 };
}

export function createAccounts({ db, onNotice }) {
  /** A user with their account, or undefined. */
  async function load(where, value) {
    const { rows } = await db.query(`SELECT * FROM example_users WHERE ${where} = $1`, [value]);
    return rows[0] && { ...rows[0], account: accountOf(rows[0]) };
  }
  return {
    byId: (id) => load('id', id),
    byUsername: (username) => load('username', username),
    /**
     * Store `change.account` if the row still holds the version `user.account` was read at; then
     * record its notices (with `context`, who and from where, for the audit log). Returns false,
     * having written nothing, when another request got there first.
     */
    async save(user, change, context) {
      // One statement: the notices are recorded exactly when the account is, never without it.
      const { rows } = await db.query(
        `WITH updated AS (
           UPDATE example_users SET account = $2, credential = NULL, enrollment = NULL, recovery = NULL
             WHERE id = $1 AND COALESCE((account->>'version')::int, 0) = $3 RETURNING id),
         noted AS (
           INSERT INTO example_notices (user_id, notice, at)
             SELECT updated.id, n.value, (n.value->>'time')::bigint FROM updated, jsonb_array_elements($4::jsonb) n)
         SELECT id FROM updated`,
        [user.id, JSON.stringify(change.account), user.account.version, JSON.stringify(change.notices)],
      );
      if (rows.length !== 1) return false;
      user.account = change.account;
      for (const notice of change.notices) onNotice(notice, context ?? { userId: user.id });
      return true;
    },
    /** The newest notices of a user, newest first. */
    async notices(userId, limit = 100) {
      const { rows } = await db.query(
        'SELECT notice FROM example_notices WHERE user_id = $1 ORDER BY id DESC LIMIT $2',
        [userId, limit],
      );
      return rows.map((r) => fromJsonb(r.notice));
    },
  };
}

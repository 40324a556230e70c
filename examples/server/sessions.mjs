// Server-side sessions for the example, in the database.
//
// - The cookie holds 256 random bits; the table keeps only their SHA-256.
// - A new id at every privilege change (sign-up, each login step, turning 2FA on or off, new
//   recovery codes): an id fixed or stolen before the change is worthless after it.
// - `endOthers` logs a user out everywhere else when their second factor changes.
// - Three timeouts, on the app's clock: idle (no request for a while), absolute (since the login),
//   and a short one for the half-logged-in stage between the password and the code.
// - Over HTTPS (or behind a TLS proxy, BEHIND_TLS=1) the cookie is `__Host-sid` with `Secure`:
//   the prefix makes the browser refuse it from plain HTTP or with a Domain, so a sibling
//   subdomain or a network attacker cannot plant one. Plain HTTP on 127.0.0.1 keeps `sid`.
import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Sets a cookie in the response, keeping the other cookies set earlier in it (the session's, the
 * device's) and replacing an earlier one of the same name.
 */
export function appendCookie(res, cookie) {
  const name = cookie.slice(0, cookie.indexOf('=') + 1);
  const others = [res.getHeader('set-cookie') ?? []].flat().filter((c) => !String(c).startsWith(name));
  res.setHeader('set-cookie', [...others, cookie]);
}

const hashId = (id) => createHash('sha256').update(id).digest('base64url');
const newId = () => randomBytes(32).toString('base64url');

export function createSessions({ db, clock, secure, idleMs, absoluteMs, pendingMs, csrfKey }) {
  /** The CSRF token of a session not stored yet: derived from its id, so a GET need not store it. */
  const derivedCsrf = (id) => createHmac('sha256', csrfKey).update(`csrf:${id}`).digest('base64url').slice(0, 32);
  const cookieName = secure ? '__Host-sid' : 'sid';
  const attributes = `HttpOnly; SameSite=Lax; Path=/${secure ? '; Secure' : ''}`;
  const cookieRe = new RegExp(`(?:^|;\\s*)${cookieName}=([A-Za-z0-9_-]{43})(?:;|$)`);
  const setCookie = (res, id) => appendCookie(res, `${cookieName}=${id}; ${attributes}`);

  /** Why a stored session is no longer valid at `now`, or undefined. */
  function expired(row, now) {
    if (now - Number(row.seen_at) > idleMs) return 'idle';
    if (row.user_id !== null && now - Number(row.created_at) > absoluteMs) return 'absolute';
    if (row.stage === 'password' && now - Number(row.stage_at) > pendingMs) return 'pending';
    return undefined;
  }

  /** A session with id `id`, starting `now`; `fields` as given, the rest fresh. Not stored yet. */
  const fresh = (id, fields, now) => ({
    idHash: hashId(id),
    user_id: fields.user_id ?? null,
    stage: fields.stage ?? 'anonymous',
    csrf: fields.csrf ?? randomBytes(24).toString('base64url'),
    enrollment_token: fields.enrollment_token ?? null,
    recovery_stash: fields.recovery_stash ?? null,
    created_at: fields.created_at ?? now,
    stage_at: now,
    seen_at: now,
  });
  const store = (s) =>
    db.query(
      `INSERT INTO example_sessions
         (id_hash, user_id, stage, csrf, enrollment_token, recovery_stash, created_at, stage_at, seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [s.idHash, s.user_id, s.stage, s.csrf, s.enrollment_token, s.recovery_stash, s.created_at, s.stage_at, s.seen_at],
    );

  return {
    cookieName,

    /**
     * The request's session, or a new anonymous one. `expiredBecause` tells the page to say why the
     * user was logged out.
     *
     * An anonymous visitor's GET stores nothing: the cookie carries a new id and the page's CSRF
     * token is derived from it, so a crawler or a flood of cookie-less requests writes no rows. The
     * first POST from that browser stores the session (with the same id and token) and checks the
     * form against it.
     */
    async load(req, res) {
      const now = clock();
      const id = cookieRe.exec(req.headers.cookie ?? '')?.[1];
      let expiredBecause;
      let unknown = id !== undefined; // an id with no row: an anonymous visitor's, not stored yet
      if (id) {
        const idHash = hashId(id);
        const row = (await db.query('SELECT * FROM example_sessions WHERE id_hash = $1', [idHash])).rows[0];
        if (row) {
          expiredBecause = expired(row, now);
          if (expiredBecause === undefined) {
            await db.query('UPDATE example_sessions SET seen_at = $2 WHERE id_hash = $1', [idHash, now]);
            return { ...row, idHash, seen_at: now, expiredBecause };
          }
          await db.query('DELETE FROM example_sessions WHERE id_hash = $1', [idHash]);
          if (row.user_id === null) expiredBecause = undefined; // nobody was logged in
          unknown = false;
        }
      }
      const anonymousId = unknown ? id : newId();
      if (!unknown) setCookie(res, anonymousId);
      const s = { ...fresh(anonymousId, { csrf: derivedCsrf(anonymousId) }, now), expiredBecause };
      if (req.method === 'GET' || req.method === 'HEAD') return s;
      // Old rows go when new ones come, so the table does not grow without bound.
      await db.query('DELETE FROM example_sessions WHERE seen_at < $1', [now - Math.max(idleMs, pendingMs)]);
      await store(s);
      return s;
    },

    /** Saves the fields a request may change. */
    save: (s) =>
      db.query('UPDATE example_sessions SET enrollment_token = $2, recovery_stash = $3 WHERE id_hash = $1', [
        s.idHash,
        s.enrollment_token,
        s.recovery_stash,
      ]),

    /**
     * A privilege change: a new id (and CSRF token) for the same browser. `login: true` starts the
     * absolute timeout again.
     */
    async rotate(res, s, changes, { login = false } = {}) {
      const now = clock();
      await db.query('DELETE FROM example_sessions WHERE id_hash = $1', [s.idHash]);
      const id = newId();
      const rotated = fresh(id, { ...s, ...changes, csrf: undefined, created_at: login ? now : s.created_at }, now);
      await store(rotated);
      setCookie(res, id);
      return rotated;
    },

    /** Logs the user out of every other session (other browsers, other devices). */
    endOthers: (userId, s) =>
      db.query('DELETE FROM example_sessions WHERE user_id = $1 AND id_hash <> $2', [userId, s.idHash]),

    async destroy(res, s) {
      await db.query('DELETE FROM example_sessions WHERE id_hash = $1', [s.idHash]);
      appendCookie(res, `${cookieName}=; ${attributes}; Max-Age=0`);
    },
  };
}

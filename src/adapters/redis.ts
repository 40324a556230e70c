/**
 * `totpkit/redis`: a {@link GuardStore} on Redis or Redis Cluster, for `ioredis` (`Redis`,
 * `Cluster`) and `redis` (node-redis `createClient`, `createCluster`) clients.
 *
 * Each attempt is **one script call**: `EVALSHA` of a Lua script that Redis runs atomically (no
 * other command for any key interleaves with it, whatever the number of clients and processes).
 * The first call on a node that has not seen the script gets `NOSCRIPT`; the adapter then sends it
 * once with `EVAL`, which also caches it there, and every later call is by SHA again.
 *
 * A credential's failure counter and last step live in one key, `<prefix>{<id>}:guard`, each beside
 * its expiry on the guard's clock; a single-use mark (recovery code, enrollment token) has a key of
 * its own, `<prefix>{<id>}:once:<item>`. The hash tag (`{…}`) puts them all in one Cluster slot, and
 * each key expires when the last thing in it stops mattering.
 *
 * @module totpkit/redis
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { DEFAULT_REDIS_PREFIX, MAX_REDIS_PREFIX_LENGTH } from '../constants.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { optionsObject, rangeError, typeError } from '../internal/assert.js';
import { credentialId } from '../internal/text.js';

export { DEFAULT_REDIS_PREFIX, MAX_REDIS_PREFIX_LENGTH } from '../constants.js';

/** ioredis `Redis` or `Cluster`. */
export interface IoredisLikeClient {
  /** Runs a loaded script by its SHA-1 (the adapter's one call per attempt). */
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** Runs the script's text, once per node after `NOSCRIPT`. */
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}
/** node-redis ≥ 4 client or cluster. */
export interface NodeRedisLikeClient {
  /** Runs a loaded script by its SHA-1 (the adapter's one call per attempt). */
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** Runs the script's text, once per node after `NOSCRIPT`. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}
/** The client shapes supported; pass whichever you have, connected. */
export type RedisLikeClient = IoredisLikeClient | NodeRedisLikeClient;

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  client: RedisLikeClient;
  /** Prefix for every key, `totpkit:` by default (keep credentials of different apps apart). */
  prefix?: string;
}

// KEYS[1]: the credential's state, a string "failures:their expiry:last step:its expiry" (a login
// is then one GET and one SET, the least work a script can do). KEYS[2], declared only when there
// is one: the single-use mark, whose value is its expiry. ARGV[1]: "now:maxFailures:lockUntil:
// verified (1/0):step:its expiry", the step fields empty for none; ARGV[2], with KEYS[2]: the
// mark's expiry. One packed argument costs the client about what a SET costs; eight separate ones
// cost it more than the script costs Redis. Expiry is judged on ARGV's clock; each key's
// PX is set to the moment its longest-lived part expires, so Redis forgets it exactly then.
// Returns {status, failures, retryAt} or {'accepted', clearedFailures}.
const SETTLE = `
local n, mx, lk, ver, st, stx = string.match(ARGV[1], '^(%d+):(%d+):(%d+):([01]):(%d*):(%d*)$')
local now = tonumber(n)
local f, fx, s, sx = 0, 0, -1, 0
local state = redis.call('GET', KEYS[1])
if state then
  local a, b, c, d = string.match(state, '^(%d+):(%d+):(%-?%d+):(%d+)$')
  if a then f, fx, s, sx = tonumber(a), tonumber(b), tonumber(c), tonumber(d) end
end
if fx <= now then f, fx = 0, 0 end
if sx <= now then s, sx = -1, 0 end
if f >= tonumber(mx) then return {'locked', f, fx} end
local status = 'accepted'
if ver ~= '1' then
  status = 'failed'
elseif KEYS[2] then
  local used = redis.call('GET', KEYS[2])
  if used and tonumber(used) > now then status = 'used' end
end
if status == 'accepted' and st ~= '' and s >= tonumber(st) then status = 'replayed' end
local cleared = f
if status == 'accepted' then
  f, fx = 0, 0
  if st ~= '' then s, sx = tonumber(st), tonumber(stx) end
  if KEYS[2] then
    local until_ = tonumber(ARGV[2])
    if until_ > now then redis.call('SET', KEYS[2], ARGV[2], 'PX', until_ - now) end
  end
else
  f, fx = f + 1, tonumber(lk)
end
local keep = math.max(fx, sx)
if keep > now then
  redis.call('SET', KEYS[1], string.format('%d:%d:%d:%d', f, fx, s, sx), 'PX', keep - now)
else
  redis.call('DEL', KEYS[1])
end
if status == 'accepted' then return {status, cleared} end
return {status, f, fx}`;

/** A non-negative safe integer, as the script's number patterns expect; anything else is a bug upstream. */
function int(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw rangeError('a settle request holds a number that is not a non-negative safe integer');
  return n;
}

/** `true` for the error a node answers when it does not have the script cached. */
const isNoScript = (error: unknown): boolean =>
  String((error as { message?: unknown })?.message ?? '').startsWith('NOSCRIPT');

/**
 * Create a Redis-backed {@link GuardStore}.
 *
 * Expiry is judged on the guard's clock (`now` and the expiries are stored with each field); the
 * Redis TTL only lets Redis forget keys, so a Redis whose clock differs from the application's is
 * fine. Give the client fail-fast options (see the README); the verifier's own deadline answers
 * every attempt in time whatever the client does.
 *
 * @param options - `client` (ioredis or node-redis, client or cluster), `prefix`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `client` has neither `evalsha` nor `evalSha`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a non-string `prefix`
 * @throws RangeError `ERR_OUT_OF_RANGE` for a `prefix` longer than 64 characters
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 }) })
 * ```
 */
export function redisStore(options: RedisStoreOptions): GuardStore {
  const opts = optionsObject('options', options, true);
  const client = opts.client as Partial<IoredisLikeClient & NodeRedisLikeClient> | null;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.eval !== 'function' ||
    (typeof client.evalSha !== 'function' && typeof client.evalsha !== 'function')
  ) {
    throw typeError('client', 'a Redis client with eval() and evalsha()/evalSha()', client);
  }
  const prefix = opts.prefix === undefined ? DEFAULT_REDIS_PREFIX : opts.prefix;
  // The one rule: the wrong type is a TypeError, a string that is too long a RangeError.
  if (typeof prefix !== 'string') throw typeError('prefix', 'a string', prefix);
  if (prefix.length > MAX_REDIS_PREFIX_LENGTH)
    throw rangeError(`"prefix" must be at most ${MAX_REDIS_PREFIX_LENGTH} characters, got ${prefix.length}`);

  // EVALSHA names a script by the hex SHA-1 of its text, the way Redis computes it.
  const sha = bytesToHex(sha1(new TextEncoder().encode(SETTLE)));
  // node-redis: evalSha(sha, { keys, arguments }). ioredis: evalsha(sha, numKeys, ...keys, ...args).
  const call = (bySha: boolean, keys: string[], args: string[]): Promise<unknown> => {
    if (typeof client.evalSha === 'function') {
      const c = client as NodeRedisLikeClient;
      const options = { keys, arguments: args };
      return bySha ? c.evalSha(sha, options) : c.eval(SETTLE, options);
    }
    const c = client as IoredisLikeClient;
    return bySha ? c.evalsha(sha, keys.length, ...keys, ...args) : c.eval(SETTLE, keys.length, ...keys, ...args);
  };

  return {
    async settle(id: string, r: SettleRequest): Promise<SettleResult> {
      credentialId('credentialId', id);
      const verified = r.verified === true;
      const step = verified ? r.step : undefined;
      const once = verified ? r.once : undefined;
      const stepPart = step ? `${int(step.value)}:${int(step.expiresAt)}` : ':';
      const packed = `${int(r.now)}:${int(r.maxFailures)}:${int(r.lockUntil)}:${verified ? 1 : 0}:${stepPart}`;
      // Both keys carry the id as a hash tag, so they share one Cluster slot (a script's keys must).
      const keys = [`${prefix}{${id}}:guard`];
      const args = [packed];
      if (once !== undefined) {
        keys.push(`${prefix}{${id}}:once:${once.item}`);
        args.push(String(int(once.expiresAt)));
      }
      let reply: unknown;
      try {
        reply = await call(true, keys, args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        reply = await call(false, keys, args);
      }
      const [status, n, retryAt] = reply as [string, number | string, number | string | undefined];
      if (status === 'accepted') return { status, clearedFailures: Number(n) };
      return {
        status: status as 'locked' | 'failed' | 'replayed' | 'used',
        failures: Number(n),
        retryAt: Number(retryAt),
      };
    },
  };
}

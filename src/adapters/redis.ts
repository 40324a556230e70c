/**
 * `totpkit/redis`: a {@link GuardStore} on Redis or Redis Cluster, for `ioredis` (`Redis`,
 * `Cluster`) and `redis` (node-redis `createClient`, `createCluster`) clients.
 *
 * Each attempt is **one script call**: `EVALSHA` of a Lua script that Redis runs atomically (no
 * other command for any key interleaves with it, whatever the number of clients and processes).
 * The first call on a node that has not seen the script gets `NOSCRIPT`; the adapter then sends it
 * once with `EVAL`, which also caches it there, and every later call is by SHA again.
 *
 * All of a credential's state lives in one hash, `<prefix>{<id>}:guard`: the failure counter, the
 * last step and the single-use marks, each beside its expiry on the guard's clock. The hash tag
 * (`{…}`) puts it in one Cluster slot; the key's TTL is stretched to its longest-lived field, so
 * Redis forgets it once nothing in it matters.
 *
 * @module
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { DEFAULT_REDIS_PREFIX, MAX_REDIS_PREFIX_LENGTH } from '../constants.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { optionsObject, rangeError, typeError } from '../internal/assert.js';

/** ioredis `Redis` or `Cluster`. */
export interface IoredisLikeClient {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}
/** node-redis ≥ 4 client or cluster. */
export interface NodeRedisLikeClient {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
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

// KEYS[1]: the credential's hash. ARGV: now, maxFailures, lockUntil, verified (1/0), step ('' for
// none), step expiry, single-use item ('' for none), its expiry. Fields: f/fx failures and their
// expiry, s/sx last step and its expiry, o:<item> the expiry of a single-use mark.
// Returns {status, failures, resetAt} or {'accepted', clearedFailures}.
const SETTLE = `
local k = KEYS[1]
local now = tonumber(ARGV[1])
local cur = redis.call('HMGET', k, 'f', 'fx', 's', 'sx')
local f = 0
if cur[1] and tonumber(cur[2]) > now then f = tonumber(cur[1]) end
if f >= tonumber(ARGV[2]) then return {'locked', f, cur[2]} end
local status = 'accepted'
if ARGV[4] ~= '1' then
  status = 'failed'
elseif ARGV[7] ~= '' then
  local used = redis.call('HGET', k, 'o:' .. ARGV[7])
  if used and tonumber(used) > now then status = 'used' end
end
if status == 'accepted' and ARGV[5] ~= '' and cur[3] and tonumber(cur[4]) > now and tonumber(cur[3]) >= tonumber(ARGV[5]) then
  status = 'replayed'
end
local keep = 0
local reply
if status == 'accepted' then
  redis.call('HDEL', k, 'f', 'fx')
  if ARGV[5] ~= '' then
    redis.call('HSET', k, 's', ARGV[5], 'sx', ARGV[6])
    keep = tonumber(ARGV[6])
  end
  if ARGV[7] ~= '' then
    redis.call('HSET', k, 'o:' .. ARGV[7], ARGV[8])
    keep = math.max(keep, tonumber(ARGV[8]))
  end
  reply = {'accepted', f}
else
  redis.call('HSET', k, 'f', f + 1, 'fx', ARGV[3])
  keep = tonumber(ARGV[3])
  reply = {status, f + 1, ARGV[3]}
end
local ttl = keep - now
if ttl > 0 and redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ttl) end
return reply`;

/** `true` for the error a node answers when it does not have the script cached. */
const isNoScript = (error: unknown): boolean => String((error as { message?: unknown })?.message ?? '').startsWith('NOSCRIPT');

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
  if (typeof client !== 'object' || client === null || typeof client.eval !== 'function' || (typeof client.evalSha !== 'function' && typeof client.evalsha !== 'function')) {
    throw typeError('client', 'a Redis client with eval() and evalsha()/evalSha()', client);
  }
  const prefix = opts.prefix === undefined ? DEFAULT_REDIS_PREFIX : opts.prefix;
  if (typeof prefix !== 'string' || prefix.length > MAX_REDIS_PREFIX_LENGTH) throw rangeError(`"prefix" must be a string of at most ${MAX_REDIS_PREFIX_LENGTH} characters`);

  // EVALSHA names a script by the hex SHA-1 of its text, the way Redis computes it.
  const sha = bytesToHex(sha1(new TextEncoder().encode(SETTLE)));
  // node-redis: evalSha(sha, { keys, arguments }). ioredis: evalsha(sha, numKeys, ...keys, ...args).
  const call = (bySha: boolean, key: string, args: string[]): Promise<unknown> => {
    if (typeof client.evalSha === 'function') {
      const c = client as NodeRedisLikeClient;
      const options = { keys: [key], arguments: args };
      return bySha ? c.evalSha(sha, options) : c.eval(SETTLE, options);
    }
    const c = client as IoredisLikeClient;
    return bySha ? c.evalsha(sha, 1, key, ...args) : c.eval(SETTLE, 1, key, ...args);
  };

  return {
    async settle(id: string, r: SettleRequest): Promise<SettleResult> {
      const key = `${prefix}{${id}}:guard`;
      const verified = r.verified === true;
      const args = [r.now, r.maxFailures, r.lockUntil, verified ? 1 : 0, verified && r.step ? r.step.value : '', verified && r.step ? r.step.expiresAt : '', verified && r.once ? r.once.item : '', verified && r.once ? r.once.expiresAt : ''].map(String);
      let reply: unknown;
      try {
        reply = await call(true, key, args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        reply = await call(false, key, args);
      }
      const [status, n, resetAt] = reply as [string, number | string, number | string | undefined];
      if (status === 'accepted') return { status, clearedFailures: Number(n) };
      return { status: status as 'locked' | 'failed' | 'replayed' | 'used', failures: Number(n), resetAt: Number(resetAt) };
    },
  };
}

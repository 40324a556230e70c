/**
 * `totpkit/redis`: a {@link GuardStore} on Redis or Redis Cluster, for `ioredis` (`Redis`,
 * `Cluster`) and `redis` (node-redis `createClient`, `createCluster`) clients.
 *
 * Each attempt is **one script call**: `EVALSHA` of a Lua script that Redis runs atomically (no
 * other command for any key interleaves with it, whatever the number of clients and processes).
 * The first call on a node that has not seen the script gets `NOSCRIPT`; the adapter then sends it
 * once with `EVAL`, which also caches it there, and every later call is by SHA again.
 *
 * A credential's failure counter and last step live in one key, `<prefix>{<tag>}:guard`, each
 * beside its expiry on the guard's clock; a single-use mark (recovery code, enrollment token) has a
 * key of its own, `<prefix>{<tag>}:once:<item>`. The hash tag (`{…}`) puts them all in one Cluster
 * slot, and each key expires when the last thing in it stops mattering. The tag is the id with `%`,
 * `{` and `}` percent-encoded: Redis takes the text between the first `{` and the next `}` as the
 * tag, so an id holding braces (`}abc` gave the empty tag `{}`) would otherwise split its keys across
 * slots.
 *
 * **Durability.** Redis acknowledges a write before any replica has it, so a failover can lose an
 * accepted code (which can then be accepted again) and reset failure counters. With
 * `replicas: n` the adapter sends `WAIT n replicaTimeoutMs` after each settle, on the same
 * connection, and answers `storage` (fail closed) when fewer than `n` replicas acknowledged; see
 * docs/durability.md for what each store can lose and how to close the window.
 *
 * @module totpkit/redis
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_REPLICA_TIMEOUT_MS,
  MAX_GUARD_TIMEOUT_MS,
  MAX_REDIS_PREFIX_LENGTH,
  MAX_REDIS_REPLICAS,
  MIN_GUARD_TIMEOUT_MS,
} from '../constants.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { integerOption, optionsObject, rangeError, typeError } from '../internal/assert.js';
import { credentialId } from '../internal/text.js';

export {
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_REPLICA_TIMEOUT_MS,
  MAX_REDIS_PREFIX_LENGTH,
  MAX_REDIS_REPLICAS,
} from '../constants.js';

/** ioredis `Redis` or `Cluster`. */
export interface IoredisLikeClient {
  /** Sends any command (`WAIT`, with the `replicas` option). */
  call?(command: string, args: (string | number)[]): Promise<unknown>;
  /** `true` on an ioredis `Cluster`. */
  isCluster?: boolean;
  /** Runs a loaded script by its SHA-1 (the adapter's one call per attempt). */
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** Runs the script's text, once per node after `NOSCRIPT`. */
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}
/** node-redis ≥ 4 client or cluster. */
export interface NodeRedisLikeClient {
  /** Sends any command (`WAIT`, with the `replicas` option); a node-redis cluster has none. */
  sendCommand?(args: string[]): Promise<unknown>;
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
  /**
   * Replicas that must acknowledge each settle before it counts, 0 (none) by default, at most 16:
   * the adapter sends `WAIT replicas replicaTimeoutMs` after the script and answers `storage` when
   * fewer acknowledge. A single-node client only (`WAIT` counts one primary's replicas).
   */
  replicas?: number;
  /** How long `WAIT` may take, ms, 500 by default (10..60 000); keep it below the guard's deadline. */
  replicaTimeoutMs?: number;
}

/**
 * The hash tag of an id: the id with `%`, `{` and `}` percent-encoded, so it holds no brace and
 * stays one-to-one (ids without those three characters are unchanged).
 */
function hashTag(id: string): string {
  return /[%{}]/.test(id) ? id.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : id;
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
 * @param options - `client` (ioredis or node-redis, client or cluster), `prefix`, `replicas`,
 *   `replicaTimeoutMs`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `client` has neither `evalsha` nor `evalSha`, or
 *   `replicas` is given for a client that cannot send `WAIT` to one node (a cluster)
 * @throws RangeError `ERR_OUT_OF_RANGE` for `replicas` outside 0..16 or `replicaTimeoutMs` outside 10..60 000
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
  const replicas = integerOption('replicas', opts.replicas, 0, 0, MAX_REDIS_REPLICAS);
  const replicaTimeoutMs = integerOption(
    'replicaTimeoutMs',
    opts.replicaTimeoutMs,
    DEFAULT_REDIS_REPLICA_TIMEOUT_MS,
    MIN_GUARD_TIMEOUT_MS,
    MAX_GUARD_TIMEOUT_MS,
  );
  const io = client as IoredisLikeClient;
  const node = client as NodeRedisLikeClient;
  if (
    replicas > 0 &&
    (io.isCluster === true || (typeof io.call !== 'function' && typeof node.sendCommand !== 'function'))
  )
    throw typeError('client', "a single-node Redis client (with replicas, WAIT counts one primary's replicas)", client);
  /** `WAIT`: how many replicas have every write this connection made so far. */
  const wait = (): Promise<unknown> =>
    typeof io.call === 'function'
      ? io.call('WAIT', [replicas, replicaTimeoutMs])
      : node.sendCommand!(['WAIT', String(replicas), String(replicaTimeoutMs)]);

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
      const tag = hashTag(id);
      const keys = [`${prefix}{${tag}}:guard`];
      const args = [packed];
      if (once !== undefined) {
        keys.push(`${prefix}{${tag}}:once:${once.item}`);
        args.push(String(int(once.expiresAt)));
      }
      let reply: unknown;
      try {
        reply = await call(true, keys, args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        reply = await call(false, keys, args);
      }
      // Fewer replicas than asked may lose this settle on a failover: refuse (the guard answers
      // `storage`; a consumed step stays consumed, so the user types the next code).
      if (replicas > 0) {
        const acknowledged = Number(await wait());
        if (!(acknowledged >= replicas))
          throw new Error(`only ${acknowledged} of ${replicas} Redis replicas acknowledged the settle`);
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

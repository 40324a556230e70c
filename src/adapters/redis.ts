/**
 * `totpkit/redis`: a {@link GuardStore} on Redis, for `ioredis` and `redis` (node-redis) clients.
 *
 * Each operation is one Lua script, which Redis runs atomically: no other command for any key
 * interleaves with it, whatever the number of clients and processes. Every key gets a TTL, so
 * Redis forgets steps once their window has passed and failure counters once the lock expires.
 *
 * @module
 */
import { DEFAULT_REDIS_PREFIX, MAX_REDIS_PREFIX_LENGTH } from '../constants.js';
import type { AttemptResult, GuardStore } from '../guard/store.js';
import { optionsObject, rangeError, typeError } from '../internal/assert.js';

/** The two client shapes supported; pass whichever you have. */
export type RedisLikeClient =
  | { eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> } // ioredis
  | { eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> }; // node-redis ≥ 4

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  client: RedisLikeClient;
  /** Prefix for every key, `totpkit:` by default (keep credentials of different apps apart). */
  prefix?: string;
}

// Values live in small hashes { v, exp } where `exp` is the caller's expiry (epoch ms), so that
// expiry is judged on the guard's clock like every other adapter; PEXPIRE only lets Redis clean up.

// KEYS[1] step key; ARGV: step, ttl ms, now, expiresAt. Monotonic: never lowers a live step.
const CONSUME_STEP = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'exp')
if cur[1] and tonumber(cur[2]) > tonumber(ARGV[3]) and tonumber(cur[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'exp', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// KEYS[1] failure key; ARGV: limit, ttl ms, now, expiresAt. Counts only while under the limit.
const ACQUIRE = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'exp')
local n = 0
if cur[1] and tonumber(cur[2]) > tonumber(ARGV[3]) then n = tonumber(cur[1]) end
if n >= tonumber(ARGV[1]) then return {0, n, cur[2]} end
n = n + 1
redis.call('HSET', KEYS[1], 'v', n, 'exp', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, n, ARGV[4]}`;

// KEYS[1] once key; ARGV: ttl ms, now, expiresAt.
const CONSUME_ONCE = `
local exp = redis.call('HGET', KEYS[1], 'exp')
if exp and tonumber(exp) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'exp', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

const RESET = `redis.call('DEL', KEYS[1]) return 1`;

/**
 * Create a Redis-backed {@link GuardStore}.
 *
 * Expiry is judged on the guard's clock (`now`/`expiresAt` are stored with each value); the Redis
 * TTL set beside it (`expiresAt − now`) only lets Redis forget keys, so a Redis whose clock
 * differs from the application's is fine.
 *
 * @param options - `client` (ioredis or node-redis, connected), `prefix`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `client` has no `eval`
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL) })
 * ```
 */
export function redisStore(options: RedisStoreOptions): GuardStore {
  const opts = optionsObject('options', options, true);
  const client = opts.client as { eval?: unknown; defineCommand?: unknown };
  if (typeof client !== 'object' || client === null || typeof client.eval !== 'function') throw typeError('client', 'a Redis client with eval()', client);
  const prefix = opts.prefix === undefined ? DEFAULT_REDIS_PREFIX : opts.prefix;
  if (typeof prefix !== 'string' || prefix.length > MAX_REDIS_PREFIX_LENGTH) throw rangeError(`"prefix" must be a string of at most ${MAX_REDIS_PREFIX_LENGTH} characters`);
  // ioredis: eval(script, numKeys, ...keys, ...args). node-redis: eval(script, { keys, arguments }).
  const isIoredis = typeof client.defineCommand === 'function';
  const run = (script: string, key: string, args: (string | number)[]): Promise<unknown> =>
    isIoredis
      ? (client as { eval(s: string, n: number, ...a: (string | number)[]): Promise<unknown> }).eval(script, 1, key, ...args)
      : (client as { eval(s: string, o: { keys: string[]; arguments: string[] }): Promise<unknown> }).eval(script, { keys: [key], arguments: args.map(String) });
  const ttl = (now: number, expiresAt: number): number => Math.max(1, Math.ceil(expiresAt - now));
  // Hash tags ({…}) keep every key of a credential in one Redis Cluster slot.
  const key = (kind: string, id: string): string => `${prefix}{${id}}:${kind}`;

  return {
    async consumeStep(id, step, now, expiresAt) {
      return Number(await run(CONSUME_STEP, key('step', id), [step, ttl(now, expiresAt), now, expiresAt])) === 1;
    },
    async acquireAttempt(id, limit, now, expiresAt): Promise<AttemptResult> {
      const [allowed, failures, resetAt] = (await run(ACQUIRE, key('fail', id), [limit, ttl(now, expiresAt), now, expiresAt])) as [number, number, string];
      return { allowed: Number(allowed) === 1, failures: Number(failures), resetAt: Number(resetAt) };
    },
    async resetFailures(id) {
      await run(RESET, key('fail', id), []);
    },
    async consumeOnce(id, item, now, expiresAt) {
      return Number(await run(CONSUME_ONCE, key(`once:${item}`, id), [ttl(now, expiresAt), now, expiresAt])) === 1;
    },
  };
}

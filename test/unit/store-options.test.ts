/**
 * The store adapters' options follow the library's one rule before anything is sent: the wrong type
 * is a TypeError (`ERR_INVALID_ARG_TYPE`), a value of the right type that is not allowed a
 * RangeError (`ERR_OUT_OF_RANGE`). No server is needed: the checks run when the store is created.
 */
import { describe, expect, it } from 'vitest';
import { redisStore } from '../../src/adapters/redis.js';
import { errorOf } from '../helpers.js';

const client = { eval: async () => null, evalsha: async () => null } as never;

describe('redisStore options', () => {
  it('a prefix that is not a string is a TypeError, one over 64 characters a RangeError', () => {
    for (const prefix of [5, null, {}, Symbol('p')]) {
      const e = errorOf(() => redisStore({ client, prefix: prefix as never }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"prefix"') });
    }
    const e = errorOf(() => redisStore({ client, prefix: 'p'.repeat(65) }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: '"prefix" must be at most 64 characters, got 65' });
    expect(() => redisStore({ client, prefix: 'p'.repeat(64) })).not.toThrow();
  });
});

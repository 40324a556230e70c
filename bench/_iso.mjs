import { Redis } from 'ioredis';
import { redisStore } from '../dist/adapters/redis.js';
const r = new Redis();
const store = redisStore({ client: r, prefix: `iso${process.pid}:` });
const T = Date.UTC(2026, 10, 23, 12, 0, 0);
let count = 0; const end = performance.now() + 2000;
await Promise.all(Array.from({ length: 16 }, async (_, w) => { for (let i = 0; performance.now() < end; i++) { const now = T + i * 30000; await store.settle(`c${w}`, { now, maxFailures: 100, lockUntil: now + 900000, verified: true, step: { value: i + 1e8, expiresAt: now + 660000 } }); count++; } }));
console.log('settle only', (count / 2).toFixed(0));
r.disconnect();

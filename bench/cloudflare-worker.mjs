// `npm run bench:guard` on Cloudflare's stores: runs inside workerd (miniflare), where the guard
// runs in production, so each figure is the Worker's own view. GET /?store=d1|do&n=16&seconds=1.5
// runs guarded logins (one settle each) from n concurrent loops; &raw=1 runs the store's own bare
// single-item write instead (a D1 upsert; a Durable Object storage put behind one request).
import { d1Store, durableObjectStore, GuardObject, migrateD1 } from 'totpkit/cloudflare';
import { createVerifier } from 'totpkit/guard';
import * as t from 'totpkit';

export { GuardObject };

/** A Durable Object whose one request is a bare storage write: the raw ceiling of the DO row. */
export class RawObject {
  constructor(state) {
    this.storage = state.storage;
  }
  async fetch(request) {
    await this.storage.put('v', Number(new URL(request.url).searchParams.get('v')));
    return new Response('ok');
  }
}

const keyring = { current: 'k', keys: { k: new Uint8Array(32).fill(1) } };
const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function throughput(n, seconds, op) {
  const latencies = [];
  const start = Date.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: n }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        const started = performance.now();
        await op(w, i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / ((Date.now() - start) / 1000),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const store = url.searchParams.get('store');
    const n = Number(url.searchParams.get('n') ?? '16');
    const seconds = Number(url.searchParams.get('seconds') ?? '1.5');
    const run = `${Date.now()}-${Math.random()}`;
    if (url.searchParams.get('raw') === '1') {
      if (store === 'd1') {
        await env.DB.prepare('CREATE TABLE IF NOT EXISTS bench_raw (k TEXT PRIMARY KEY, v INTEGER NOT NULL)').run();
        const upsert = env.DB.prepare(
          'INSERT INTO bench_raw (k, v) VALUES (?, ?) ' +
            'ON CONFLICT (k) DO UPDATE SET v = excluded.v WHERE bench_raw.v < excluded.v',
        );
        return Response.json(await throughput(n, seconds, (w, i) => upsert.bind(`${run}-${w}`, i).run()));
      }
      return Response.json(
        await throughput(n, seconds, (w, i) =>
          env.RAW.get(env.RAW.idFromName(`${run}-${w}`)).fetch(`https://raw/?v=${i}`),
        ),
      );
    }
    if (store === 'd1') await migrateD1(env.DB);
    const verifier = createVerifier({
      store: store === 'd1' ? d1Store({ database: env.DB }) : durableObjectStore({ namespace: env.GUARD }),
      keyring,
      maxFailures: 100,
    });
    // One credential per loop, each login a new step (codes computed as the loop goes: cheap next to a settle).
    const creds = Array.from({ length: n }, (_, w) => {
      const s = t.startEnrollment({ account: `a${w}`, issuer: 'B', keyring, now: T, credentialId: `${run}-${w}` });
      const key = t.createOtpKey(t.parseOtpauthUri(s.uri).secret);
      const r = t.confirmEnrollment(s.enrollment, { token: s.token, code: t.totp(key, { time: T }), keyring, now: T });
      return { credential: r.credential, key };
    });
    let refused = 0;
    const result = await throughput(n, seconds, async (w, i) => {
      const now = T + (i + 1) * 30_000;
      const r = await verifier.verify({
        credential: creds[w].credential,
        code: t.totp(creds[w].key, { time: now }),
        now,
      });
      if (!r.ok) refused++;
    });
    return Response.json({ ...result, refused });
  },
};

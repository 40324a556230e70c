// A small, dependency-free timing harness. Each case runs in interleaved rounds (every
// implementation of a group once per round) so that drift of the machine hits all of them
// alike; the reported figure is the median of the rounds, in nanoseconds per operation.

const now = () => process.hrtime.bigint();

/** Iterations of `fn` that take roughly `targetMs`. */
function calibrate(fn, targetMs) {
  let n = 1;
  for (;;) {
    const start = now();
    for (let i = 0; i < n; i++) fn();
    const ms = Number(now() - start) / 1e6;
    if (ms >= targetMs / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * targetMs) / Math.max(ms, 0.001)));
    n *= 4;
  }
}

function sample(fn, n) {
  let sink;
  const start = now();
  for (let i = 0; i < n; i++) sink = fn();
  const ns = Number(now() - start) / n;
  if (sink === undefined) throw new Error('benchmark function returned nothing');
  return ns;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs groups of cases. A case is { name, fn, check }: `check(fn())` must be true before any
 * timing, so a case that computes the wrong thing can never post a good number.
 */
export function runGroups(groups, { rounds = 15, targetMs = 40 } = {}) {
  const results = [];
  for (const group of groups) {
    for (const c of group.cases) {
      const out = c.fn();
      if (!c.check(out)) throw new Error(`self-check failed for ${group.name} / ${c.name}: got ${JSON.stringify(out)}`);
    }
    const sizes = group.cases.map((c) => {
      for (let i = 0; i < 3; i++) sample(c.fn, calibrate(c.fn, 20)); // warm-up: let the JIT settle
      return calibrate(c.fn, targetMs);
    });
    const samples = group.cases.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (const [i, c] of group.cases.entries()) samples[i].push(sample(c.fn, sizes[i]));
    }
    const rows = group.cases.map((c, i) => ({ name: c.name, ns: median(samples[i]) }));
    results.push({ group: group.name, rows });
  }
  return results;
}

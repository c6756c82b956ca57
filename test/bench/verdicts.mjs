// Part "verdicts": for every metric, and for toScale and toBeFasterThan, how often a contract with
// comfortable headroom fails (the function at 50% of its limit), and how often a real regression
// is caught (the function at 150% and at 200% of its limit), alone and with a second process
// keeping a core busy. Counts are deterministic: they are also checked at exactly the limit
// (must pass) and at limit + 1 (must fail).
//
// "At 50%" is against the function's median measured beforehand under the same conditions (the
// same load), with the same probe: the limit is that median / 0.5, / 1.5 or / 2.
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { startLoader } from './loader.mjs';
import { captureWarnings, fmtBytes, fmtMs, now, quantile, summary, table } from './util.mjs';
import { consume, cpuLoop, spin } from './workloads.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a verdict must be for each case. */
const CASES = {
  '50%': { factor: 0.5, want: 'pass' },
  '150%': { factor: 1.5, want: 'fail' },
  '200%': { factor: 2, want: 'fail' },
  'at limit': { want: 'pass' },
  'limit+1': { want: 'fail' },
};

const TIME_METRICS = new Set(['duration', 'cpu', 'eventLoopBlock', 'toScale (duration)', 'toBeFasterThan']);

export async function verdictsPart(env) {
  const { dist, root, CALLS, print, target, note, itersPerMs, only } = env;
  const { matchers, measure, onResult, instrumentHttp } = dist;
  const require = createRequire(join(root, 'package.json'));
  const ctx = { isNot: false, currentTestName: 'bench' };
  let last;
  const off = onResult((r) => {
    last = r;
  });
  // toScale and toBeFasterThan: the status of their row when the matcher reports one, else read
  // from the message (inconclusive passes by default).
  const matcherStatus = (r, undecided) => {
    const row = last?.rows?.find((x) => x.metric === 'duration');
    if (row?.status) return row.status;
    if (undecided.test(r.message())) return 'inconclusive';
    return r.pass ? 'pass' : 'fail';
  };
  // The verdict behind the last status (toStayWithin), kept for the rows' misses.
  let lastEvidence;
  const statusOf = async (fn, budget, metric) => {
    last = undefined;
    const r = await matchers.toStayWithin.call(ctx, fn, budget, { explain: false });
    const v = last?.verdicts.find((x) => x.metric === metric);
    lastEvidence = v ? { measured: v.measured, interval: v.interval, evidence: v.evidence } : undefined;
    return v?.status ?? (r.pass ? 'pass' : 'fail');
  };

  // ── Fixtures: better-sqlite3 in memory, a loopback HTTP server. ──
  const Database = require('better-sqlite3');
  const { instrument } = await import(new URL('../../dist/better-sqlite3.js', import.meta.url).href);
  instrument(Database);
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < 100; i++) ins.run(`v${i}`);
  const select = db.prepare('SELECT * FROM t WHERE id = ?');
  instrumentHttp();
  const server = http.createServer((_req, res) => {
    res.end('ok');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const get = (path) =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
    });

  const K = 6; // queries, requests and round trips of the count functions
  const leak = [];
  const leakBytes = 1072; // an Array of 128 doubles: 32 B + 16 B + 1024 B, plus a slot in `leak`
  const toScaleSizes = [8, 16, 32, 64];

  /**
   * Each metric: `prepare()` measures the function's cost under the current conditions (its
   * "median beforehand") and returns the cases: a limit (or a function) per case.
   */
  const metrics = [
    {
      name: 'duration',
      describe: `sync CPU loop, ~1 ms (${itersPerMs} iterations); budget { duration: limit } (median)`,
      async prepare() {
        const fn = () => consume(cpuLoop(itersPerMs));
        const m = await measure(fn, { metrics: ['duration'] });
        const med = m.stats.duration.median;
        return { median: med, fmt: fmtMs, run: (limit) => statusOf(fn, { duration: limit }, 'duration') };
      },
    },
    {
      name: 'cpu',
      describe: 'the same ~1 ms CPU loop; budget { cpu: limit } (median CPU time)',
      async prepare() {
        const fn = () => consume(cpuLoop(itersPerMs));
        const m = await measure(fn, { metrics: ['cpu'] });
        const med = m.stats.cpu.median;
        return { median: med, fmt: fmtMs, run: (limit) => statusOf(fn, { cpu: limit }, 'cpu') };
      },
    },
    {
      name: 'eventLoopBlock',
      describe: 'async: await a 1 ms timer, then a 4 ms busy loop; budget { eventLoopBlock: limit }',
      async prepare() {
        const fn = async () => {
          await sleep(1);
          spin(4);
        };
        const values = [];
        for (let i = 0; i < 7; i++) {
          const m = await measure(fn, { metrics: ['eventLoopBlock'] });
          values.push(...m.samples.eventLoopBlockMs);
        }
        return {
          median: quantile(values, 0.5),
          fmt: fmtMs,
          run: (limit) => statusOf(fn, { eventLoopBlock: limit }, 'eventLoopBlock'),
        };
      },
    },
    {
      name: 'allocated',
      describe: '1,000 arrays of 100 doubles (848 kB); budget { allocated: limit }',
      async prepare() {
        const fn = () => {
          let keep;
          for (let i = 0; i < 1000; i++) {
            const a = new Array(100);
            for (let j = 0; j < 100; j++) a[j] = j + 0.5;
            keep = a;
          }
          return consume(keep.length);
        };
        const values = [];
        for (let i = 0; i < 7; i++) {
          const m = await measure(fn, { metrics: ['allocated'] });
          values.push(...m.samples.allocatedBytes);
        }
        return {
          median: quantile(values, 0.5),
          fmt: fmtBytes,
          run: (limit) => statusOf(fn, { allocated: limit }, 'allocated'),
        };
      },
    },
    {
      name: 'retained',
      describe: `leak: each call pushes an array of 128 doubles into a global array (~${leakBytes} B + its slot); budget { retained: limit }`,
      async prepare() {
        const fn = () => {
          leak.push(new Array(128).fill(0.5));
        };
        const values = [];
        for (let i = 0; i < 5; i++) {
          const m = await measure(fn, { metrics: ['retained'] });
          values.push(m.retained.bytesPerCall);
          leak.length = 0;
        }
        return {
          median: quantile(values, 0.5),
          fmt: fmtBytes,
          run: async (limit) => {
            try {
              return await statusOf(fn, { retained: limit }, 'retained');
            } finally {
              leak.length = 0;
            }
          },
        };
      },
    },
    {
      name: 'queries',
      describe: `better-sqlite3 in memory: ${K} point selects a call; budget { queries: limit }`,
      counts: true,
      async prepare() {
        const fn = () => {
          for (let i = 1; i <= K; i++) select.get(i);
        };
        const m = await measure(fn, { metrics: [] });
        const n = m.events.filter((e) => e.kind === 'query').length;
        return { median: n, run: (limit) => statusOf(fn, { queries: limit }, 'queries') };
      },
    },
    {
      name: 'requests',
      describe: `node:http to a loopback server (keep-alive): ${K} sequential GETs a call; budget { requests: limit }`,
      counts: true,
      async prepare() {
        const fn = async () => {
          for (let i = 0; i < K; i++) await get(`/r${i}`);
        };
        await fn();
        const m = await measure(fn, { metrics: [] });
        const n = m.events.filter((e) => e.kind === 'request').length;
        return { median: n, run: (limit) => statusOf(fn, { requests: limit }, 'requests') };
      },
    },
    {
      name: 'roundTrips',
      describe: `${K / 2} sequential rounds, each 2 loopback GETs in parallel and then 1 SQLite select (${K} round trips); budget { roundTrips: limit }`,
      counts: true,
      async prepare() {
        // Each round: two requests at once (one round trip), then a query after they ended (one more).
        const fn = async () => {
          for (let i = 0; i < K / 2; i++) {
            await Promise.all([get(`/a${i}`), get(`/b${i}`)]);
            select.get(i + 1);
          }
        };
        await fn();
        const values = [];
        for (let i = 0; i < 3; i++) {
          last = undefined;
          await matchers.toStayWithin.call(ctx, fn, { roundTrips: 1000 }, { explain: false });
          values.push(last?.verdicts.find((x) => x.metric === 'roundTrips')?.measured);
        }
        return {
          median: quantile(values, 0.5),
          values,
          run: (limit) => statusOf(fn, { roundTrips: limit }, 'roundTrips'),
        };
      },
    },
    {
      name: 'toScale (duration)',
      describe:
        `toScale({ input: n => n, sizes: [${toScaleSizes}], duration: 'linear' }, { maxTime: '400ms' }): ` +
        "'linear' passes while time ∝ n^k with k ≤ 1.5 (its limit); fn costs n^k (CPU loop, 1 ms at n = 64) with " +
        'k = 0.75 (50%), 2.25 (150%), 3 (200%)',
      async prepare() {
        const band = 1.5;
        const top = toScaleSizes[toScaleSizes.length - 1];
        const fnFor = (k) => (n) => consume(cpuLoop(Math.max(1, Math.round(itersPerMs * (n / top) ** k))));
        return {
          median: band,
          fmt: (x) => `k=${x.toFixed(2)}`,
          limitOf: (c) => band * c.factor,
          run: async (k) => {
            last = undefined;
            const r = await matchers.toScale.call(
              ctx,
              fnFor(k),
              { input: (n) => n, sizes: toScaleSizes, duration: 'linear' },
              { maxTime: '400ms' },
            );
            return matcherStatus(r, /\? duration/);
          },
        };
      },
    },
    {
      name: 'toBeFasterThan',
      describe:
        'expect(fn).toBeFasterThan(other): other is a ~1 ms CPU loop; fn the same loop at 50%, 150%, 200% of its iterations (default options)',
      async prepare() {
        const other = () => consume(cpuLoop(itersPerMs));
        const fnFor = (f) => {
          const iters = Math.round(itersPerMs * f);
          return () => consume(cpuLoop(iters));
        };
        // The measured ratio fn / other at each factor, beforehand.
        const base = (await measure(other, { metrics: ['duration'] })).stats.duration.median;
        const ratios = {};
        for (const f of [0.5, 1.5, 2]) {
          ratios[f] = (await measure(fnFor(f), { metrics: ['duration'] })).stats.duration.median / base;
        }
        return {
          median: base,
          ratios,
          fmt: fmtMs,
          limitOf: (c) => c.factor,
          run: async (f) => {
            last = undefined;
            return matcherStatus(
              await matchers.toBeFasterThan.call(ctx, fnFor(f), other),
              /Undecided within maxTime/,
            );
          },
        };
      },
    },
  ].filter((m) => !only || only.includes(m.name));

  const records = [];
  const rows = [];
  const started = now();
  try {
    // BENCH_LOADERS=2: the loaded condition keeps two cores busy (two child processes).
    const loaders = Math.max(1, Number(process.env.BENCH_LOADERS ?? 1));
    const loadedName = loaders === 1 ? 'loaded' : `loaded×${loaders}`;
    const conditions = (process.env.BENCH_CONDITIONS ?? 'alone,loaded')
      .split(',')
      .map((c) => (c === 'loaded' ? loadedName : c));
    for (const condition of conditions) {
      for (const metric of metrics) {
        const t0 = now();
        const running = [];
        const load0 = os.loadavg()[0];
        try {
          if (condition !== 'alone') {
            for (let i = 0; i < loaders; i++) running.push(await startLoader({ maxMs: 900_000 }));
          }
          const p = await metric.prepare();
          const caseNames = metric.counts
            ? ['50%', 'at limit', '150%', '200%', 'limit+1']
            : ['50%', '150%', '200%'];
          const cases = caseNames.map((name) => {
            const c = { name, ...CASES[name], results: [], walls: [], misses: [] };
            if (metric.counts) {
              const n = p.median;
              c.limit = name === 'at limit' ? n : name === 'limit+1' ? n - 1 : Math.floor(n / c.factor);
              c.arg = c.limit;
            } else if (p.limitOf) {
              c.limit = p.limitOf(c);
              c.arg = c.limit;
            } else {
              c.limit = p.median / c.factor;
              c.arg = c.limit;
            }
            return c;
          });
          const [, warnings] = await captureWarnings(async () => {
            for (let i = 0; i < CALLS; i++) {
              // Interleaved, so that every case sees the same machine over time.
              for (const c of cases) {
                const w0 = now();
                lastEvidence = undefined;
                const status = await p.run(c.arg);
                c.results.push(status);
                c.walls.push(now() - w0);
                if (status !== c.want) c.misses.push({ status, ...lastEvidence });
              }
            }
          });
          const loadedStill = running.length ? running.every((l) => l.running) : undefined;
          for (const c of cases) {
            const count = { pass: 0, fail: 0, inconclusive: 0 };
            for (const s of c.results) count[s] = (count[s] ?? 0) + 1;
            const wrong = c.want === 'pass' ? count.fail : count.pass;
            const rec = {
              condition,
              metric: metric.name,
              describe: metric.describe,
              case: c.name,
              want: c.want,
              medianBefore: p.median,
              ratiosBefore: p.ratios,
              limit: c.limit,
              counts: count,
              n: c.results.length,
              wrong,
              verdictWallMs: summary(c.walls),
              inconclusiveWarnings: warnings.length,
              loaderRunningAtEnd: loadedStill,
              loadavg1AtStart: load0,
              loadavg1AtEnd: os.loadavg()[0],
              // Every verdict other than the one wanted, with what it measured (toStayWithin rows).
              misses: c.misses,
            };
            records.push(rec);
            const fmt = p.fmt ?? String;
            const limitText =
              metric.name === 'toScale (duration)'
                ? `k≤1.5; fn k=${c.limit.toFixed(2)}`
                : metric.name === 'toBeFasterThan'
                  ? `fn ×${c.limit} (measured ×${p.ratios[c.limit].toFixed(2)})`
                  : `${fmt(c.limit)}`;
            rows.push([
              metric.name,
              c.name,
              condition,
              metric.counts ? String(p.median) : fmt(p.median),
              limitText,
              `${count.pass} / ${count.fail} / ${count.inconclusive}`,
              c.want === 'pass'
                ? `false failures ${count.fail}/${c.results.length}`
                : `detected ${count.fail}/${c.results.length}`,
              fmtMs(rec.verdictWallMs.median),
            ]);
          }
          print(
            `  verdicts ${condition} ${metric.name}: ${((now() - t0) / 1000).toFixed(1)} s` +
              cases
                .map((c) => `; ${c.name} ${c.results.filter((s) => s === c.want).length}/${c.results.length}`)
                .join(''),
          );
        } finally {
          for (const l of running) await l.stop();
        }
      }
    }
  } finally {
    off();
    server.close();
    agent.destroy();
    db.close();
  }

  print(
    table(
      `Verdicts — ${CALLS} matcher calls per row; pass / fail / inconclusive (inconclusive passes with a warning by default)`,
      [
        'metric',
        'case',
        'condition',
        'median before',
        'limit',
        'pass / fail / inc.',
        'result',
        'verdict (median)',
      ],
      rows,
    ),
  );
  for (const m of metrics) print(`  ${m.name}: ${m.describe}`);
  print(
    '  loaded = a child `node` busy loop keeps one of the cores busy for the whole block (medians re-measured under load).',
  );

  // Targets (issue 7).
  for (const r of records) {
    const tag = `verdicts ${r.condition} ${r.metric} at ${r.case}`;
    const counts = `${r.counts.pass} pass / ${r.counts.fail} fail / ${r.counts.inconclusive} inconclusive`;
    if (r.want === 'pass') {
      target(r.counts.fail === 0, `${tag}: ${r.counts.fail} false failures of ${r.n} (${counts}; target 0)`);
      continue;
    }
    const isTime = TIME_METRICS.has(r.metric);
    if (!isTime && r.case !== '200%') {
      target(r.counts.fail === r.n, `${tag}: detected ${r.counts.fail}/${r.n} (${counts}; target 100%)`);
    } else if (!isTime) {
      target(r.counts.fail === r.n, `${tag}: detected ${r.counts.fail}/${r.n} (${counts}; target 100%)`);
    } else if (r.case === '200%' && r.condition === 'alone') {
      target(
        r.counts.fail >= 0.95 * r.n,
        `${tag}: detected ${r.counts.fail}/${r.n} (${counts}; target ≥ 95%)`,
      );
    } else {
      // No detection target here; a regression must never be passed as within budget.
      target(r.counts.pass === 0, `${tag}: ${counts} (target: never 'pass'; inconclusive rather than wrong)`);
    }
  }
  note(`verdicts: ${((now() - started) / 1000).toFixed(0)} s for ${records.length} rows`);
  return {
    calls: CALLS,
    metrics: metrics.map((m) => ({ name: m.name, describe: m.describe })),
    rows: records,
  };
}

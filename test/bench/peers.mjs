// Part "peers": headroom side by side with the tools users would otherwise pick, in the same run.
// 1. Timing: the median estimate of headroom's measure(), tinybench and mitata for the same known
//    busy loops (1 ms and 10 ms of wall time, which is their truth) and a ~1 ms CPU loop, each tool
//    with its default options. Rounds take the tools in rotating order (fair to each); the spread
//    is run-to-run, over the rounds' estimates. Alone, then with a second process keeping a core busy.
// 2. Scope propagation (AsyncLocalStorage vs cls-hooked) and pg instrumentation (headroom vs
//    @opentelemetry/instrumentation-pg): test/bench/drivers.mjs `scope` and `pg`, run as a child.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startLoader } from './loader.mjs';
import { fmtMs, now, quantile, summary, table } from './util.mjs';
import { consume, cpuLoop, spin } from './workloads.mjs';

/** The two-sided 99% interval of the median from order statistics (normal approximation of ranks). */
function medianCI(samples) {
  const xs = Float64Array.from(samples).sort();
  const n = xs.length;
  const half = 2.576 * Math.sqrt(n) * 0.5;
  const lo = Math.max(0, Math.floor(n / 2 - half));
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half));
  return [xs[lo], xs[hi]];
}

export async function peersPart(env) {
  const { dist, root, print, target, note, itersPerMs } = env;
  const require = createRequire(join(root, 'package.json'));
  const { Bench } = await import(require.resolve('tinybench'));
  const mitata = await import(require.resolve('mitata'));
  const versionOf = (name) =>
    JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  const tinybenchVersion = versionOf('tinybench');
  const mitataVersion = versionOf('mitata');
  const t0 = now();

  const tools = {
    headroom: async (fn) => {
      const m = await dist.measure(fn, { metrics: ['duration'] });
      const [lo, hi] = medianCI(m.samples.durationMs);
      return {
        estimate: m.stats.duration.median,
        n: m.stats.duration.n,
        ci: (hi - lo) / 2 / m.stats.duration.median,
      };
    },
    tinybench: async (fn) => {
      const bench = new Bench();
      bench.add('fn', fn);
      await bench.run();
      const r = bench.tasks[0].result;
      const lat = r.latency;
      // rme: tinybench's relative margin of error of the mean (95%).
      return {
        estimate: lat.p50,
        n: lat.samplesCount ?? lat.samples?.length,
        ci: lat.rme / 100,
        mean: lat.mean,
      };
    },
    mitata: async (fn) => {
      const s = await mitata.measure(fn);
      return { estimate: s.p50 / 1e6, n: s.samples.length, ci: undefined, mean: s.avg / 1e6 };
    },
  };
  const toolNames = Object.keys(tools);
  const cpu1 = Math.round(itersPerMs);
  const fns = [
    { name: 'busy loop, 1 ms', truth: 1, fn: () => spin(1), rounds: 8 },
    { name: 'busy loop, 10 ms', truth: 10, fn: () => spin(10), rounds: 5 },
    { name: `CPU loop ~1 ms (${cpu1} iterations)`, fn: () => consume(cpuLoop(cpu1)), rounds: 8 },
  ];
  const records = [];
  const rows = [];
  for (const condition of ['alone', 'loaded']) {
    let loader;
    try {
      if (condition === 'loaded') loader = await startLoader({ maxMs: 600_000 });
      for (const f of fns) {
        const per = Object.fromEntries(toolNames.map((t) => [t, []]));
        for (let r = 0; r < f.rounds; r++) {
          for (let k = 0; k < toolNames.length; k++) {
            const name = toolNames[(r + k) % toolNames.length];
            const w0 = now();
            const res = await tools[name](f.fn);
            res.wallMs = now() - w0;
            per[name].push(res);
          }
        }
        for (const name of toolNames) {
          const est = per[name].map((x) => x.estimate);
          const s = summary(est);
          const sd = Math.sqrt(est.reduce((a, x) => a + (x - s.mean) ** 2, 0) / Math.max(1, est.length - 1));
          const ownCi = per[name].map((x) => x.ci).filter((x) => x !== undefined);
          const rec = {
            condition,
            fn: f.name,
            truthMs: f.truth,
            tool: name,
            estimatesMs: est,
            estimate: s,
            errorPct: f.truth ? ((s.median - f.truth) / f.truth) * 100 : undefined,
            spreadPct: ((s.max - s.min) / s.median) * 100,
            cvPct: (sd / s.mean) * 100,
            ownCiPct: ownCi.length ? quantile(ownCi, 0.5) * 100 : undefined,
            samples: summary(per[name].map((x) => x.n)),
            wallMs: summary(per[name].map((x) => x.wallMs)),
          };
          records.push(rec);
          rows.push([
            condition,
            f.name,
            name,
            fmtMs(s.median),
            rec.errorPct === undefined ? '—' : `${rec.errorPct >= 0 ? '+' : ''}${rec.errorPct.toFixed(2)}%`,
            `${fmtMs(s.min)}–${fmtMs(s.max)}`,
            `${rec.spreadPct.toFixed(2)}%`,
            `${rec.cvPct.toFixed(2)}%`,
            rec.ownCiPct === undefined ? '—' : `±${rec.ownCiPct.toFixed(2)}%`,
            String(Math.round(rec.samples.median)),
            fmtMs(rec.wallMs.median),
          ]);
        }
      }
    } finally {
      await loader?.stop();
    }
  }
  print(
    table(
      `Peers — median estimate per call: headroom measure() vs tinybench ${tinybenchVersion} (p50) vs mitata ${mitataVersion} (p50), default options, rounds in rotating order`,
      [
        'condition',
        'fn',
        'tool',
        'estimate (median of rounds)',
        'error vs truth',
        'min–max over rounds',
        'range / median',
        'CV',
        "tool's own CI (median)",
        'samples',
        'time per estimate',
      ],
      rows,
    ),
  );
  print(
    '  own CI: headroom = half-width of the 99% order-statistic interval of the median; tinybench = rme (95% margin of the mean); mitata reports none.',
  );
  for (const r of records) {
    if (r.tool === 'headroom' && r.truthMs && r.condition === 'alone')
      target(
        Math.abs(r.errorPct) <= 1,
        `peers: headroom's estimate of a ${r.truthMs} ms busy loop alone is off by ${r.errorPct.toFixed(2)}% (target ±1%)`,
      );
  }

  // ── Scope propagation and pg instrumentation, via drivers.mjs ──
  let drivers;
  if (process.env.BENCH_SKIP_DRIVERS) {
    note('peers: drivers.mjs (scope, pg) skipped by BENCH_SKIP_DRIVERS');
  } else {
    const servers = process.env.HEADROOM_PG_URL ? 'system' : 'pglite';
    const childEnv = {
      ...process.env,
      DRIVERS_PG_SERVERS: process.env.DRIVERS_PG_SERVERS ?? servers,
      DRIVERS_PG_VARIANTS: process.env.DRIVERS_PG_VARIANTS ?? 'plain,control,idle,recording,otel',
    };
    const text = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(root, 'test/bench/drivers.mjs'), 'scope', 'pg'], {
        cwd: root,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(buf) : reject(new Error(`drivers.mjs exited with ${code}\n${buf}`)),
      );
    });
    print(
      '\nPeers — scope propagation (cls-hooked) and pg instrumentation (OpenTelemetry): test/bench/drivers.mjs scope pg',
    );
    print(text.trimEnd());
    const file = join(root, 'bench-results', 'drivers.json');
    drivers = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
    if (drivers)
      drivers = { scope: drivers.scope, pg: drivers.pg, meta: drivers.meta, summary: drivers.summary };
  }
  print(`  (peers: ${((now() - t0) / 1000).toFixed(1)} s)`);
  return { tinybenchVersion, mitataVersion, timing: records, drivers };
}

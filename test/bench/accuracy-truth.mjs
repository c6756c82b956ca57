// Part "accuracy" (second half): measurements against a known truth.
// - busy loops of a known length (1, 10, 100 ms of wall time): the `duration` and `cpu` medians;
// - leaks of a known rate (arrays of doubles pushed into a global array): `retained` per call;
// - queries counted by PostgreSQL itself (pg_stat_statements): on the system PostgreSQL when
//   HEADROOM_PG_URL is set (`bash .ci/services.sh`), else on PGlite with its pg_stat_statements.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fmtBytes, fmtMs, now, summary, table } from './util.mjs';
import { spin } from './workloads.mjs';

export async function accuracyTruthPart(env) {
  const { dist, root, print, target, note } = env;
  const { measure } = dist;
  const t0 = now();
  const out = {};

  // ── Busy loops of known length ──
  const loops = [];
  for (const [ms, reps] of [
    [1, 10],
    [10, 6],
    [100, 3],
  ]) {
    const fn = () => spin(ms);
    const medians = [];
    const cpu = [];
    const samples = [];
    for (let i = 0; i < reps; i++) {
      const m = await measure(fn, { metrics: ['duration', 'cpu'] });
      medians.push(m.stats.duration.median);
      cpu.push(m.stats.cpu.median);
      samples.push(m.stats.duration.n);
    }
    const s = summary(medians);
    const c = summary(cpu);
    loops.push({ ms, reps, durationMedians: medians, cpuMedians: cpu, samples, duration: s, cpu: c });
    target(
      Math.abs(s.median - ms) <= Math.max(0.02, 0.01 * ms),
      `accuracy duration of a ${ms} ms busy loop: median of ${reps} estimates ${fmtMs(s.median)} (error ${fmtMs(s.median - ms)}; target within ±1% or ±20 µs)`,
    );
  }
  print(
    table(
      'Accuracy — busy loops of known wall length: measure(fn, { metrics: [duration, cpu] }) medians',
      [
        'loop',
        'estimates',
        'duration: min / median / max',
        'error (median)',
        'cpu median (median)',
        'samples each',
      ],
      loops.map((l) => [
        `${l.ms} ms`,
        String(l.reps),
        `${fmtMs(l.duration.min)} / ${fmtMs(l.duration.median)} / ${fmtMs(l.duration.max)}`,
        `${l.duration.median - l.ms >= 0 ? '+' : ''}${fmtMs(l.duration.median - l.ms)} (${(((l.duration.median - l.ms) / l.ms) * 100).toFixed(2)}%)`,
        fmtMs(l.cpu.median),
        `${Math.min(...l.samples)}–${Math.max(...l.samples)}`,
      ]),
    ),
  );
  print(
    '  The loop spins on performance.now() until its length has passed: its true wall time is the length (+ one clock read).',
  );
  out.busyLoops = loops;

  // ── Leaks of known rate ──
  const leak = [];
  const leaks = [];
  const kinds = [
    { name: 'no leak (allocates 128 doubles, keeps nothing)', keep: false, doubles: 128, expected: [0, 0] },
    // JSArray 32 B + FixedDoubleArray header 16 B + 8 B a double; the slot in `leak` adds 8 B, and
    // its backing store (grown by 1.5×) up to 4 B more on average.
    { name: 'pushes 16 doubles a call', keep: true, doubles: 16, expected: [176 + 8, 176 + 12] },
    { name: 'pushes 128 doubles a call', keep: true, doubles: 128, expected: [1072 + 8, 1072 + 12] },
    { name: 'pushes 1,024 doubles a call', keep: true, doubles: 1024, expected: [8240 + 8, 8240 + 12] },
  ];
  for (const k of kinds) {
    const fn = k.keep
      ? () => {
          leak.push(new Array(k.doubles).fill(0.5));
        }
      : () => new Array(k.doubles).fill(0.5).length;
    const values = [];
    for (let i = 0; i < 10; i++) {
      const m = await measure(fn, { metrics: ['retained'] });
      values.push(m.retained.bytesPerCall);
      leak.length = 0;
    }
    const s = summary(values);
    const [lo, hi] = k.expected;
    const err = s.median < lo ? s.median - lo : s.median > hi ? s.median - hi : 0;
    leaks.push({ ...k, values, summary: s, errorBytes: err });
    target(
      Math.abs(err) <= Math.max(16, 0.02 * hi),
      `accuracy retained, ${k.name}: median ${fmtBytes(s.median)} a call (expected ${lo}–${hi} B; target within ±2% or ±16 B)`,
    );
  }
  print(
    table(
      'Accuracy — leaks of known rate: measure(fn, { metrics: [retained] }).retained.bytesPerCall, 10 measurements each',
      ['fn', 'expected B/call', 'min', 'median', 'max', 'error (median)'],
      leaks.map((l) => [
        l.name,
        l.expected[0] === l.expected[1] ? String(l.expected[0]) : `${l.expected[0]}–${l.expected[1]}`,
        fmtBytes(l.summary.min),
        fmtBytes(l.summary.median),
        fmtBytes(l.summary.max),
        `${l.errorBytes >= 0 ? '+' : ''}${l.errorBytes.toFixed(1)} B`,
      ]),
    ),
  );
  out.leaks = leaks;

  // ── Queries counted by PostgreSQL itself ──
  try {
    out.postgres = await postgresOracle(env);
  } catch (error) {
    note(`accuracy queries vs pg_stat_statements: skipped (${error?.message ?? error})`);
    out.postgres = { skipped: String(error?.message ?? error) };
  }
  print(`  (accuracy against truth: ${((now() - t0) / 1000).toFixed(1)} s)`);
  return out;

  async function postgresOracle() {
    const require = createRequire(join(root, 'package.json'));
    const pg = require('pg');
    dist.autoInstrument(root);
    let url = process.env.HEADROOM_PG_URL;
    let server = 'system PostgreSQL (HEADROOM_PG_URL)';
    let stop = async () => {};
    if (!url) {
      const { PGlite } = await import(require.resolve('@electric-sql/pglite'));
      const { pg_stat_statements } = await import(
        require.resolve('@electric-sql/pglite/contrib/pg_stat_statements')
      );
      const { PGLiteSocketServer } = await import(require.resolve('@electric-sql/pglite-socket'));
      const db = await PGlite.create({ extensions: { pg_stat_statements } });
      await db.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const s = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
      await s.start();
      url = `postgresql://postgres:postgres@${s.getServerConn()}/postgres?sslmode=disable`;
      server = 'PGlite (in this process) with pg_stat_statements';
      stop = async () => {
        await s.stop();
        await db.close();
      };
    }
    const database = `bench_oracle_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const version = (await admin.query('SHOW server_version')).rows[0].server_version;
    let target_ = url;
    const ownDb = Boolean(process.env.HEADROOM_PG_URL);
    if (ownDb) {
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.query(`CREATE DATABASE ${database}`);
      target_ = url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);
    }
    const serverCount = async () => {
      const r = ownDb
        ? await admin.query(
            `SELECT coalesce(sum(s.calls), 0)::int AS n FROM pg_stat_statements s
             JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`,
            [database],
          )
        : await admin.query(
            // One database on PGlite: leave out the oracle's own statements.
            `SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements
             WHERE query NOT ILIKE '%pg_stat_statements%'`,
          );
      return r.rows[0].n;
    };
    const pool = new pg.Pool({ connectionString: target_, max: 4 });
    const client = new pg.Client({ connectionString: target_ });
    // A server restart (others share this PostgreSQL) must fail this part, not crash the bench.
    const errors = [];
    let comparing = true; // errors while closing (DROP DATABASE … WITH (FORCE)) do not matter
    for (const emitter of [pool, client, admin])
      emitter.on('error', (e) => comparing && errors.push(e.message));
    await client.connect();
    await pool.query('SELECT 1');
    await client.query('CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, sku text, qty int)');
    const workloads = [
      {
        name: 'N+1: 1 insert of 20 rows, then 20 point selects (client)',
        run: async () => {
          await client.query(
            "INSERT INTO items (sku, qty) SELECT 'sku' || g, g FROM generate_series(1, 20) g RETURNING id",
          );
          for (let i = 1; i <= 20; i++) await client.query('SELECT * FROM items WHERE id = $1', [i]);
        },
      },
      {
        name: '16 queries in parallel on a pool of 4',
        run: async () => {
          await Promise.all(
            Array.from({ length: 16 }, (_, i) =>
              pool.query('SELECT count(*) FROM items WHERE qty > $1', [i]),
            ),
          );
        },
      },
      {
        name: 'named prepared statement ×10, a transaction (BEGIN, 2 updates, COMMIT)',
        run: async () => {
          for (let i = 0; i < 10; i++) {
            await client.query({
              name: 'by-sku',
              text: 'SELECT * FROM items WHERE sku = $1',
              values: [`sku${i}`],
            });
          }
          await client.query('BEGIN');
          await client.query('UPDATE items SET qty = qty + 1 WHERE id = $1', [1]);
          await client.query('UPDATE items SET qty = qty - 1 WHERE id = $1', [2]);
          await client.query('COMMIT');
        },
      },
    ];
    const rows = [];
    const results = [];
    try {
      for (const w of workloads) {
        const pairs = [];
        for (let i = 0; i < 10; i++) {
          await admin.query('SELECT pg_stat_statements_reset()');
          const m = await measure(w.run, { metrics: [] });
          const ours = m.events.filter((e) => e.kind === 'query').length;
          const theirs = await serverCount();
          pairs.push([ours, theirs]);
        }
        const equal = pairs.filter(([a, b]) => a === b).length;
        results.push({ name: w.name, pairs, equal });
        rows.push([
          w.name,
          [...new Set(pairs.map((p) => p[0]))].join(', '),
          [...new Set(pairs.map((p) => p[1]))].join(', '),
          `${equal}/${pairs.length}`,
        ]);
        target(
          equal === pairs.length,
          `accuracy queries vs pg_stat_statements (${server}), ${w.name}: ${equal}/${pairs.length} runs equal`,
        );
      }
    } finally {
      comparing = false;
      await client.query('DROP TABLE IF EXISTS items').catch(() => {});
      await client.end();
      await pool.end();
      if (ownDb) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
      await stop();
    }
    print(
      table(
        `Accuracy — queries: headroom's count vs PostgreSQL's own (pg_stat_statements calls), ${server} ${version}, 10 runs each`,
        ['workload (pg driver)', 'headroom', 'PostgreSQL', 'equal'],
        rows,
      ),
    );
    if (errors.length) note(`accuracy queries vs pg_stat_statements: connection errors ${errors.join('; ')}`);
    return { server, version, workloads: results, connectionErrors: errors };
  }
}

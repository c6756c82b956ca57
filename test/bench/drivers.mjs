// headroom bench: what instrumenting a database driver costs per query, next to no
// instrumentation and next to OpenTelemetry, and what scope propagation costs per await.
//
//   npm run build && node test/bench/drivers.mjs          # every part (about 2.5–3.5 minutes)
//   node test/bench/drivers.mjs sqlite                    # one part (or several): sqlite | pg | scope | breakdown
//   HEADROOM_PG_URL=postgresql://… node test/bench/drivers.mjs pg   # also the system PostgreSQL
//
// Knobs (environment): DRIVERS_SQLITE_N (200000), DRIVERS_SQLITE_ROUNDS (5), DRIVERS_SQLITE_PAIRS
// (16), DRIVERS_PG_SECONDS (35 per server), DRIVERS_PG_GENERATIONS (5), DRIVERS_PG_SERVERS
// (pglite,system), DRIVERS_PG_VARIANTS (plain,control,fresh,idle,recording,otel; also: als),
// DRIVERS_AWAITS (1e6), DRIVERS_SCOPE_ROUNDS (5), DRIVERS_BREAKDOWN_N / _ROUNDS.
//
// 1. sqlite: better-sqlite3 point selects (`SELECT * FROM t WHERE id = ?`, 10,000 rows, prepared
//    once, `.get(i)` in a loop): (a) uninstrumented, (b) instrumented and idle, (c) instrumented
//    and recording inside `measure(fn, { metrics: [] })`. One child process; the variants take
//    turns in rotating order, round after round, and each round's ratios are taken against the
//    same round's (a), so machine noise hits every variant alike; then extra rounds of (a)(b)
//    alone. Median of per-round ratios with a 95% CI, in wall and in process CPU time.
// 2. pg: `await client.query('SELECT $1::int', [i])` in a sequential loop against PGlite (in this
//    process, over its loopback socket server) and, when HEADROOM_PG_URL is set, the system
//    PostgreSQL. Each variant runs in a worker process of its own, because patching state cannot
//    be undone (OpenTelemetry patches pg through require-in-the-middle, before pg is loaded; an
//    AsyncLocalStorage stays enabled once used): (a) plain, (a') plain again as an A/A control,
//    (b0) headroom installed but never measured, (b) installed and idle after a measurement,
//    (c) recording, (d) OpenTelemetry (instrumentation-pg, in-memory exporter, a parent span).
//    The workers run ~100 ms blocks in rotating order, round after round; the whole set of
//    processes is replaced 5 times (a process has a speed of its own: see pgServer), and ratios
//    are per generation, then the median over generations. Span and event counts are checked
//    against the number of queries in every block.
// 3. scope: 1e6 awaits in a tight async loop: plain, inside `als.run` (AsyncLocalStorage, what
//    headroom uses), outside any run but with an AsyncLocalStorage enabled, inside cls-hooked's
//    `ns.run`. One child process per variant and round (cls-hooked's async hook cannot be removed).
// 4. breakdown: where a recorded query's time goes (test/bench/drivers-breakdown.mjs).
//
// Verdicts against the issue's targets (≤ 1.10 better-sqlite3, ≤ 1.03 pg) are "meets" or
// "MISSES" only when the whole interval is on one side; otherwise "undecided".
// Prints tables and a closing summary; writes bench-results/drivers.json (gitignored).
import { execFileSync, fork, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const self = fileURLToPath(import.meta.url);
const require = createRequire(join(root, 'package.json'));
const now = () => performance.now();

/**
 * The built package the children load: a snapshot of dist/ taken when the run starts (others
 * rebuild dist/ while a bench runs, and tsup empties it first: a worker started then failed to
 * import it). Inside the repo, so that packages still resolve from its node_modules.
 */
const distDir = process.env.DRIVERS_DIST ?? join(root, 'dist');
const distUrl = (file) => pathToFileURL(join(distDir, file)).href;
const ENTRIES = ['index.js', 'pg.js', 'better-sqlite3.js'];

async function snapshotDist() {
  const target = join(root, 'bench-results', `.drivers-dist-${process.pid}`, 'dist');
  for (let attempt = 0; attempt < 20; attempt++) {
    const source = join(root, 'dist');
    if (ENTRIES.every((f) => existsSync(join(source, f)))) {
      rmSync(dirname(target), { recursive: true, force: true });
      cpSync(source, target, { recursive: true });
      if (ENTRIES.every((f) => existsSync(join(target, f)))) {
        process.env.DRIVERS_DIST = target;
        return { path: target, builtAt: statSync(join(source, 'index.js')).mtime.toISOString() };
      }
    }
    await new Promise((r) => setTimeout(r, 500)); // a build in progress
  }
  throw new Error('dist/ is missing or incomplete: run `npm run build` first');
}

// Targets from the issue: instrumented better-sqlite3 ≤ 1.10× uninstrumented; pg over loopback ≤ 1.03×.
const TARGET_SQLITE = 1.1;
const TARGET_PG = 1.03;

// ───────────────────────────── small helpers ─────────────────────────────

function median(values) {
  const xs = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  if (xs.length === 0) return Number.NaN;
  const h = (xs.length - 1) / 2;
  return (xs[Math.floor(h)] + xs[Math.ceil(h)]) / 2;
}
const fmtUs = (us) => {
  if (!Number.isFinite(us)) return String(us);
  const a = Math.abs(us);
  return a >= 100 ? `${us.toFixed(0)} µs` : a >= 1 ? `${us.toFixed(2)} µs` : `${(us * 1000).toFixed(0)} ns`;
};
const fmtNs = (ns) => (!Number.isFinite(ns) ? String(ns) : `${ns.toFixed(0)} ns`);
const fmtX = (r) => (Number.isFinite(r) ? `${r.toFixed(3)}×` : '–');
/** A 95% confidence interval of the median, from order statistics (distribution-free). */
function medianCI(values) {
  const xs = Float64Array.from(values).sort();
  const n = xs.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const k = Math.max(0, Math.floor((n - 1.96 * Math.sqrt(n)) / 2));
  return [xs[k], xs[n - 1 - k]];
}
const fmtCI = (xs) => {
  const [lo, hi] = medianCI(xs);
  return xs.length ? `${fmtX(lo)}–${fmtX(hi)}` : '–';
};
/** A verdict from the confidence interval of a median ratio: never a coin flip. */
function verdict(ratios, target) {
  const [lo, hi] = medianCI(ratios);
  if (hi <= target) return 'meets';
  if (lo > target) return 'MISSES';
  return 'undecided';
}
/** Order of the variants in round `r`: rotated, and reversed every other round. */
function orderFor(variants, r) {
  const k = r % variants.length;
  const rotated = [...variants.slice(k), ...variants.slice(0, k)];
  return Math.floor(r / variants.length) % 2 === 1 ? rotated.reverse() : rotated;
}

function table(title, columns, rows) {
  const cells = [columns, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const width = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i])))
      .join('  ')
      .trimEnd();
  const rule = width.map((w) => '─'.repeat(w)).join('  ');
  return ['', title, rule, line(cells[0]), rule, ...cells.slice(1).map(line), rule].join('\n');
}

// ───────────────────────────── child processes ─────────────────────────────

const children = new Set();
function killChildren() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
}

/** Runs this script as `--child …args` and returns the JSON object it prints last. */
function runChild(args, { timeoutMs = 120_000, nodeArgs = [], env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, self, '--child', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try {
          resolve(JSON.parse(last));
          return;
        } catch {}
      }
      reject(
        new Error(
          `child ${args.join(' ')} failed (code ${code}, signal ${signal}):\n${err.slice(-3000)}\n${out.slice(-1000)}`,
        ),
      );
    });
  });
}

// ───────────────────────────── 1. better-sqlite3 (child) ─────────────────────────────

async function sqliteChild(n, rounds, extraPairs, warmup) {
  const Database = require('better-sqlite3');
  const { measure } = await import(distUrl('index.js'));
  const { instrument, uninstrument } = await import(distUrl('better-sqlite3.js'));
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL)');
  const insert = db.prepare('INSERT INTO t (id, name, score) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 10_000; i++) insert.run(i, `name-${i}`, i * 1.5);
  })();
  const statement = db.prepare('SELECT * FROM t WHERE id = ?');
  // One loop function per variant (separate feedback and optimized code), so that switching
  // between the native method and the wrapper does not turn one variant's call site polymorphic.
  const makeLoop = () =>
    new Function(
      'statement',
      'n',
      'let sum = 0; for (let i = 0; i < n; i++) sum += statement.get((i % 10000) + 1).id; return sum;',
    );
  const loops = { plain: makeLoop(), idle: makeLoop(), recording: makeLoop() };
  const expected = loops.plain(statement, n);
  // As in a test suite: a measurement has run before, so headroom's AsyncLocalStorage is enabled.
  await measure(() => {}, { metrics: [] });

  // Wall time and process CPU time (user + system: it leaves out the time other processes
  // held the core, but counts GC helper threads).
  const clock = () => ({ wall: now(), cpu: process.cpuUsage() });
  const perQuery = (t0) => {
    const cpu = process.cpuUsage(t0.cpu);
    return { us: ((now() - t0.wall) * 1000) / n, cpuUs: (cpu.user + cpu.system) / n };
  };
  const runVariant = async (variant) => {
    const loop = loops[variant];
    if (variant === 'plain') uninstrument(Database);
    else instrument(Database);
    globalThis.gc();
    if (variant !== 'recording') {
      loop(statement, warmup); // re-optimize after the prototype changed
      globalThis.gc();
      const t0 = clock();
      const sum = loop(statement, n);
      const res = perQuery(t0);
      if (sum !== expected) throw new Error(`${variant}: wrong result ${sum} ≠ ${expected}`);
      return res;
    }
    await measure(() => loop(statement, warmup), { metrics: [] });
    globalThis.gc();
    let res;
    let sum = 0;
    const t0 = clock();
    const m = await measure(
      () => {
        const t = clock();
        sum = loop(statement, n);
        res = perQuery(t);
      },
      { metrics: [] },
    );
    const total = perQuery(t0);
    if (sum !== expected) throw new Error(`recording: wrong result ${sum} ≠ ${expected}`);
    const events = m.events.filter((e) => e.kind === 'query').length;
    return { ...res, totalUs: total.us, totalCpuUs: total.cpuUs, events, callSite: m.events[0]?.callSite };
  };

  // Full rounds of the three variants, then cheap extra rounds of (a) and (b) alone: the idle
  // ratio is a few per cent, and needs more pairs than the recording ratio to stand above noise.
  const schedule = [];
  for (let r = 0; r < rounds; r++) schedule.push(orderFor(['plain', 'idle', 'recording'], r));
  for (let r = 0; r < extraPairs; r++) schedule.push(orderFor(['plain', 'idle'], r));
  const results = [];
  for (const [r, order] of schedule.entries()) {
    for (const variant of order) {
      const res = await runVariant(variant);
      results.push({ round: r, variant, ...res });
      process.stderr.write(
        `  sqlite round ${r + 1}/${schedule.length} ${variant.padEnd(9)} ${fmtUs(res.us)}/query\n`,
      );
    }
  }
  uninstrument(Database);
  db.close();
  return { n, rounds, extraPairs, warmup, results };
}

/** Per-round ratios of `variant` against the same round's (a), for wall (`us`) or CPU time. */
function pairedRatios(results, variant, key, baseKey) {
  const out = [];
  for (const v of results.filter((x) => x.variant === variant)) {
    const a = results.find((x) => x.round === v.round && x.variant === 'plain');
    if (a) out.push(v[key] / a[baseKey]);
  }
  return out;
}

async function sqlitePart(report) {
  const n = Number(process.env.DRIVERS_SQLITE_N ?? 200_000);
  const rounds = Number(process.env.DRIVERS_SQLITE_ROUNDS ?? 5);
  const extraPairs = Number(process.env.DRIVERS_SQLITE_PAIRS ?? 16);
  console.log(
    `\n1. better-sqlite3: ${n.toLocaleString('en')} point selects per block; ${rounds} rounds of (a)(b)(c) + ${extraPairs} rounds of (a)(b), rotating order, one child process`,
  );
  const res = await runChild(['sqlite', String(n), String(rounds), String(extraPairs), String(20_000)], {
    nodeArgs: ['--expose-gc', '--max-old-space-size=4096'],
    timeoutMs: 200_000,
  });
  const by = (variant) => res.results.filter((x) => x.variant === variant);
  const row = (label, variant, key, cpuKey, check = '') => {
    const wall = pairedRatios(res.results, variant, key, 'us');
    const cpu = pairedRatios(res.results, variant, cpuKey, 'cpuUs');
    return {
      cells: [
        label,
        String(wall.length),
        fmtUs(median(by(variant).map((x) => x[key]))),
        variant === 'plain' ? '1.000×' : fmtX(median(wall)),
        variant === 'plain' ? '' : fmtCI(wall),
        fmtUs(median(by(variant).map((x) => x[cpuKey]))),
        variant === 'plain' ? '1.000×' : fmtX(median(cpu)),
        variant === 'plain' ? '' : fmtCI(cpu),
        check,
      ],
      wall: median(wall),
      wallCI: medianCI(wall),
      wallVerdict: verdict(wall, TARGET_SQLITE),
      cpu: median(cpu),
      cpuCI: medianCI(cpu),
      cpuVerdict: verdict(cpu, TARGET_SQLITE),
    };
  };
  const rec = by('recording');
  const eventsOk = rec.every((x) => x.events === n);
  const rows = [
    row('(a) uninstrumented', 'plain', 'us', 'cpuUs'),
    row('(b) instrumented, idle', 'idle', 'us', 'cpuUs'),
    row(
      '(c) recording: the loop',
      'recording',
      'us',
      'cpuUs',
      `${rec[0]?.events} events/block ${eventsOk ? '✓' : '✗'}`,
    ),
    row('(c) recording: whole measure()', 'recording', 'totalUs', 'totalCpuUs', 'incl. call sites'),
  ];
  console.log(
    table(
      'better-sqlite3 `.get(id)` point select, per query: median of blocks; ratio = median of per-round ratios vs (a), with its 95% CI; CPU = process CPU time',
      ['variant', 'rounds', 'wall', 'ratio', '95% CI', 'CPU', 'CPU ratio', '95% CI', 'check'],
      rows.map((r) => r.cells),
    ),
  );
  const summary = {
    plainUs: median(by('plain').map((x) => x.us)),
    idle: rows[1],
    recording: rows[2],
    recordingTotal: rows[3],
    eventsOk,
    callSite: rec[0]?.callSite,
  };
  report.sqlite = { ...res, summary };
  return summary;
}

// ───────────────────────────── 2. pg (worker processes) ─────────────────────────────

const PG_TEXT = 'SELECT $1::int';

/**
 * A pg worker: one variant, set up once in a process of its own, connected and warmed up, then
 * running blocks of queries on the parent's command. The parent interleaves short blocks of
 * every worker, round after round, so that the machine's noise falls on all of them alike.
 */
async function pgWorker(variant, url, warmup) {
  let otel;
  if (variant === 'otel') {
    // Must be enabled before pg is first required: it patches through require-in-the-middle.
    const api = require('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
    const {
      BasicTracerProvider,
      InMemorySpanExporter,
      SimpleSpanProcessor,
    } = require('@opentelemetry/sdk-trace-base');
    const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg');
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    api.trace.setGlobalTracerProvider(provider);
    const instrumentation = new PgInstrumentation(); // enabled on construction: hooks require('pg')
    instrumentation.setTracerProvider(provider);
    otel = { api, exporter, tracer: provider.getTracer('bench') };
  }
  if (variant === 'als') {
    // No headroom: only an AsyncLocalStorage enabled (as headroom's is after its first
    // measurement), to tell its cost from the wrapper's.
    const { AsyncLocalStorage } = await import('node:async_hooks');
    new AsyncLocalStorage().run({}, () => {});
  }
  const pg = require('pg');
  if (otel && !pg.Client.prototype.query.__wrapped)
    throw new Error('OpenTelemetry did not patch pg.Client.prototype.query');
  let headroom;
  if (variant === 'fresh' || variant === 'idle' || variant === 'recording') {
    headroom = { ...(await import(distUrl('index.js'))), ...(await import(distUrl('pg.js'))) };
    if (!headroom.instrument(pg)) throw new Error('headroom did not instrument pg');
    // As in a test suite after its first contract: AsyncLocalStorage is enabled from now on.
    if (variant !== 'fresh') await headroom.measure(() => {}, { metrics: [] });
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();

  let latencies = new Float64Array(0);
  const loop = async (count) => {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const t = now();
      const res = await client.query(PG_TEXT, [i]);
      latencies[i] = now() - t;
      sum += res.rows[0].int4;
    }
    if (sum !== (count * (count - 1)) / 2) throw new Error(`${variant}: wrong result ${sum}`);
  };
  let spans = 0;
  if (otel) {
    otel.inSpan = (fn) =>
      otel.tracer.startActiveSpan('bench', async (span) => {
        try {
          return await fn();
        } finally {
          span.end();
        }
      });
  }
  /** One block of `count` queries, as its variant runs it; returns times per query and the count. */
  const block = async (count) => {
    if (latencies.length < count) latencies = new Float64Array(count);
    const out = {};
    let loopMs = 0;
    let cpu;
    const timed = async () => {
      const c0 = process.cpuUsage();
      const t = now();
      await loop(count);
      loopMs = now() - t;
      cpu = process.cpuUsage(c0);
    };
    if (variant === 'recording') {
      const c0 = process.cpuUsage();
      const t0 = now();
      const m = await headroom.measure(timed, { metrics: [] });
      out.totalUs = ((now() - t0) * 1000) / count;
      const cu = process.cpuUsage(c0);
      out.totalCpuUs = (cu.user + cu.system) / count;
      out.count = m.events.filter((e) => e.kind === 'query' && e.statement === PG_TEXT).length;
      out.callSite = m.events[0]?.callSite;
    } else if (otel) {
      otel.exporter.reset();
      await otel.inSpan(timed);
      const finished = otel.exporter.getFinishedSpans();
      out.count = finished.filter(
        (s) => s.name !== 'bench' && Object.values(s.attributes).includes(PG_TEXT),
      ).length;
      out.spanName = finished.find((s) => s.name !== 'bench')?.name;
      if (otel.api.trace.getActiveSpan() !== undefined) throw new Error('a span leaked out of the block');
      spans += out.count;
    } else {
      await timed();
    }
    out.us = (loopMs * 1000) / count;
    out.cpuUs = (cpu.user + cpu.system) / count;
    out.medianUs = median([...latencies.subarray(0, count)]) * 1000;
    return out;
  };
  await block(warmup);

  process.on('message', async (msg) => {
    try {
      if (msg.cmd === 'block') process.send({ ok: true, result: await block(msg.count) });
      else if (msg.cmd === 'exit') {
        await client.end();
        process.send({ ok: true, result: { spans } }, () => process.exit(0));
      }
    } catch (error) {
      process.send({ ok: false, error: String(error.stack ?? error) }, () => process.exit(1));
    }
  });
  process.send({ ok: true, ready: true, pid: process.pid });
  // Stay alive until told to exit (or the parent goes away).
  process.on('disconnect', () => process.exit(0));
  await new Promise(() => {});
}

/** Starts a pg worker process and returns a handle that sends it commands one at a time. */
function startPgWorker(variant, url, warmup) {
  const child = fork(self, ['--child', 'pg-worker', variant, url, String(warmup)], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.add(child);
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  let pending;
  child.on('message', (msg) => {
    const p = pending;
    pending = undefined;
    if (!p) return;
    if (msg.ok) p.resolve(msg);
    else p.reject(new Error(`pg worker ${variant}: ${msg.error}`));
  });
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (pending)
      pending.reject(
        new Error(`pg worker ${variant} exited (code ${code}, signal ${signal}):\n${err.slice(-3000)}`),
      );
    pending = undefined;
  });
  const next = (timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`pg worker ${variant} timed out`));
      }, timeoutMs);
      pending = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  const ready = next(60_000);
  return {
    variant,
    ready,
    async block(count) {
      const answer = next(60_000);
      child.send({ cmd: 'block', count });
      return (await answer).result;
    },
    async exit() {
      const answer = next(10_000);
      child.send({ cmd: 'exit' });
      return (await answer).result;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

const PG_VARIANTS = (process.env.DRIVERS_PG_VARIANTS ?? 'plain,control,fresh,idle,recording,otel').split(',');
const PG_LABELS = {
  plain: '(a) uninstrumented',
  fresh: '(b0) headroom installed, never measured',
  als: '(a+) no headroom, an AsyncLocalStorage enabled',
  control: "(a') uninstrumented again: A/A control",
  idle: '(b) headroom installed, idle',
  recording: '(c) headroom recording: the loop',
  otel: '(d) OpenTelemetry instrumentation-pg',
};

/**
 * One server: `generations` fresh sets of worker processes, one per variant, each set running
 * rounds of one block per variant (rotating order) for its share of the time. A process has a
 * persistent speed of its own (an A/A control of two identical uninstrumented workers differed
 * by up to 19% over a whole run), so a ratio is taken per generation (median of its per-round
 * ratios) and the result is the median over generations, with their min–max as the interval.
 */
async function pgServer(name, url, budgetS) {
  const generations = Number(process.env.DRIVERS_PG_GENERATIONS ?? 5);
  const warmRounds = 1;
  const results = [];
  const totals = [];
  let count;
  let rounds = 0;
  const started = now();
  for (let gen = 0; gen < generations; gen++) {
    const workers = PG_VARIANTS.map((v) => startPgWorker(v, url, 300));
    try {
      await Promise.all(workers.map((w) => w.ready));
      if (count === undefined) {
        // Blocks of about 100 ms of queries, sized from a first plain block.
        const probe = await workers[PG_VARIANTS.indexOf('plain')].block(100);
        count = Math.max(50, Math.min(2000, Math.round(1e5 / probe.us / 10) * 10));
        console.log(
          `   ${name}: ~${fmtUs(probe.us)}/query → blocks of ${count} queries; ${generations} generations of ${PG_VARIANTS.length} worker processes (one per variant), ` +
            `each running rounds of one block per variant in rotating order for ~${(budgetS / generations).toFixed(0)} s; first ${warmRounds} round of each discarded`,
        );
      }
      const genEnd = started + ((gen + 1) * budgetS * 1000) / generations;
      let round = 0;
      while (now() < genEnd || round < warmRounds + 3) {
        for (const variant of orderFor(PG_VARIANTS, round)) {
          const res = await workers[PG_VARIANTS.indexOf(variant)].block(count);
          if ((variant === 'recording' || variant === 'otel') && res.count !== count) {
            throw new Error(`${name} ${variant}: counted ${res.count} queries, ran ${count}`);
          }
          if (round >= warmRounds) results.push({ gen, round: `${gen}.${round}`, variant, ...res });
        }
        round++;
      }
      rounds += round - warmRounds;
      totals.push(await Promise.all(workers.map((w) => w.exit())));
      process.stderr.write(`  ${name}: generation ${gen + 1}/${generations}, ${round} rounds\n`);
    } finally {
      for (const w of workers) w.kill();
    }
  }

  const by = (v, list = results) => list.filter((x) => x.variant === v);
  const plainWall = median(by('plain').map((x) => x.us));
  /** Per generation: the median of its per-round ratios (or differences) of `v` against (a). */
  const perGen = (v, f) =>
    [...Array(generations).keys()].map((g) => {
      const list = results.filter((x) => x.gen === g);
      return median(
        by(v, list).map((x) =>
          f(
            x,
            list.find((y) => y.round === x.round && y.variant === 'plain'),
          ),
        ),
      );
    });
  const rowsData = {};
  const rows = [];
  const addRow = (label, v, key, check) => {
    const plain = v === 'plain';
    const looping = key === 'us';
    const cpuKey = looping ? 'cpuUs' : 'totalCpuUs';
    const wall = perGen(v, (x, a) => x[key] / a.us);
    const lat = perGen(v, (x, a) => x.medianUs / a.medianUs);
    const added = perGen(v, (x, a) => x[key] - a.us);
    const addedCpu = perGen(v, (x, a) => x[cpuKey] - a.cpuUs);
    // The loop is sequential: client CPU added per query adds to every query's latency.
    const cpuRatios = addedCpu.map((d) => 1 + d / plainWall);
    const [lo, hi] = medianCI(wall);
    rows.push([
      label,
      fmtUs(median(by(v).map((x) => x[key]))),
      plain ? '1.000×' : fmtX(median(wall)),
      plain ? '' : `${fmtX(lo)}–${fmtX(hi)}`,
      plain ? '' : fmtUs(median(added)),
      looping ? `${fmtUs(median(by(v).map((x) => x.medianUs)))} ${plain ? '' : fmtX(median(lat))}` : '',
      `${fmtUs(median(by(v).map((x) => x[cpuKey])))}${plain ? '' : ` ${median(addedCpu) >= 0 ? '+' : ''}${fmtUs(median(addedCpu))}`}`,
      plain ? '' : `${fmtX(median(cpuRatios))} ${fmtCI(cpuRatios)}`,
      check ?? '',
    ]);
    return {
      ratio: median(wall),
      ratioCI: [lo, hi],
      ratioPerGeneration: wall,
      verdict: verdict(wall, TARGET_PG),
      latencyRatio: median(lat),
      addedUs: median(added),
      addedCpuUs: median(addedCpu),
      cpuRatio: median(cpuRatios),
      cpuRatioCI: medianCI(cpuRatios),
    };
  };
  for (const v of PG_VARIANTS) {
    const counted = v === 'recording' || v === 'otel';
    rowsData[v] = addRow(
      PG_LABELS[v],
      v,
      'us',
      counted ? `${by(v).every((x) => x.count === count) ? '✓' : '✗'} ${count}/block` : '',
    );
  }
  if (PG_VARIANTS.includes('recording')) {
    rowsData.recordingTotal = addRow(
      '(c) headroom recording: whole measure()',
      'recording',
      'totalUs',
      'incl. call sites',
    );
  }
  console.log(
    table(
      `pg → ${name}: \`await client.query('SELECT $1::int', [i])\`, ${rounds} rounds × ${count} queries per variant in ${generations} generations of processes. ` +
        "Per query: mean wall time (median of blocks); ratio = median over generations of each one's median per-round ratio vs (a), " +
        "interval = min–max over generations; ratio from CPU = 1 + client CPU added per query / (a)'s wall time",
      [
        'variant',
        'wall',
        'ratio',
        'generations',
        'added',
        'median latency',
        'client CPU',
        'ratio from CPU',
        'counted',
      ],
      rows,
    ),
  );
  const summary = { count, rounds, generations, plainUs: plainWall };
  for (const v of PG_VARIANTS.filter((x) => x !== 'plain'))
    Object.assign(summary, prefixKeys(v, rowsData[v]));
  if (rowsData.recordingTotal) Object.assign(summary, prefixKeys('recordingTotal', rowsData.recordingTotal));
  summary.countsOk =
    by('recording').every((x) => x.count === count) && by('otel').every((x) => x.count === count);
  const otelIndex = PG_VARIANTS.indexOf('otel');
  if (otelIndex >= 0) summary.otelSpans = totals.reduce((sum, t) => sum + (t[otelIndex]?.spans ?? 0), 0);
  summary.otelSpanName = by('otel')[0]?.spanName;
  summary.callSite = by('recording')[0]?.callSite;
  return { name, count, results, summary };
}

function prefixKeys(prefix, obj) {
  return Object.fromEntries(
    Object.entries(obj).map(([k, v]) => [prefix + k[0].toUpperCase() + k.slice(1), v]),
  );
}

async function pgPart(report) {
  const budgetS = Number(process.env.DRIVERS_PG_SECONDS ?? 35);
  const which = (process.env.DRIVERS_PG_SERVERS ?? 'pglite,system').split(',');
  console.log('\n2. pg over loopback');
  const servers = [];
  if (which.includes('pglite')) {
    const { startPglite } = await import('./drivers-pglite.mjs');
    const t = now();
    const pglite = await startPglite();
    console.log(`   PGlite started in this process in ${((now() - t) / 1000).toFixed(1)} s (${pglite.url})`);
    try {
      servers.push(await pgServer('PGlite', pglite.url, budgetS));
    } finally {
      await pglite.stop();
    }
  }
  if (!which.includes('system')) {
    // not asked for
  } else if (process.env.HEADROOM_PG_URL) {
    servers.push(await pgServer('system PostgreSQL', process.env.HEADROOM_PG_URL, budgetS));
  } else {
    console.log(
      '   HEADROOM_PG_URL not set: system PostgreSQL skipped (bash .ci/services.sh; set -a; . .ci-out/services.env; set +a)',
    );
  }
  report.pg = servers;
  return servers.map((s) => ({ name: s.name, ...s.summary }));
}

// ───────────────────────────── 3. scope propagation (child) ─────────────────────────────

async function scopeChild(variant, n) {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const CHUNKS = 10;
  // The loop times itself in 10 chunks (wall and process CPU time); the child reports the median
  // chunk, so a burst of other processes' work spoils one chunk, not the block.
  const loop = async (count, check) => {
    const per = Math.floor(count / CHUNKS);
    const wall = [];
    const cpu = [];
    let sum = 0;
    let k = 0;
    for (let c = 0; c < CHUNKS; c++) {
      const c0 = process.cpuUsage();
      const t0 = now();
      for (let i = 0; i < per; i++) sum += await k++;
      wall.push(((now() - t0) * 1e6) / per);
      const cu = process.cpuUsage(c0);
      cpu.push(((cu.user + cu.system) * 1e3) / per);
    }
    check();
    if (sum !== (k * (k - 1)) / 2) throw new Error('wrong sum');
    return { ns: median(wall), cpuNs: median(cpu) };
  };
  let run;
  if (variant === 'plain') run = (count) => loop(count, () => {});
  else if (variant === 'als' || variant === 'als-outside') {
    const als = new AsyncLocalStorage();
    const store = { id: 1 };
    if (variant === 'als') {
      run = (count) =>
        als.run(store, () =>
          loop(count, () => {
            if (als.getStore() !== store) throw new Error('AsyncLocalStorage lost its store');
          }),
        );
    } else {
      als.run(store, () => {}); // enabled once, as after a measurement; the loop runs outside
      run = (count) =>
        loop(count, () => {
          if (als.getStore() !== undefined) throw new Error('store leaked');
        });
    }
  } else if (variant === 'cls') {
    const cls = require('cls-hooked');
    const ns = cls.createNamespace(`bench-${process.pid}`);
    run = (count) => {
      let promise;
      ns.run(() => {
        ns.set('id', 1);
        promise = loop(count, () => {
          if (ns.get('id') !== 1) throw new Error('cls-hooked lost its context');
        });
      });
      return promise;
    };
  } else throw new Error(`unknown scope variant ${variant}`);
  await run(Math.round(n / 10)); // warm-up
  return { variant, n, ...(await run(n)) };
}

const SCOPE_VARIANTS = ['plain', 'als', 'als-outside', 'cls'];
const SCOPE_LABELS = {
  plain: 'plain async loop',
  als: 'inside als.run (AsyncLocalStorage)',
  'als-outside': 'AsyncLocalStorage enabled, loop outside any run',
  cls: "inside cls-hooked's ns.run",
};

async function scopePart(report) {
  const n = Number(process.env.DRIVERS_AWAITS ?? 1_000_000);
  const rounds = Number(process.env.DRIVERS_SCOPE_ROUNDS ?? 5);
  console.log(
    `\n3. scope propagation: ${n.toLocaleString('en')} awaits per block, ${rounds} rounds × ${SCOPE_VARIANTS.length} variants, one process each`,
  );
  const results = [];
  for (let r = 0; r < rounds; r++) {
    for (const variant of orderFor(SCOPE_VARIANTS, r))
      results.push({ round: r, ...(await runChild(['scope', variant, String(n)])) });
  }
  const by = (v) => results.filter((x) => x.variant === v);
  const ratios = (v, key) => pairedRatios(results, v, key, key);
  const added = (v, key) =>
    median(by(v).map((x) => x[key] - results.find((y) => y.round === x.round && y.variant === 'plain')[key]));
  const rows = SCOPE_VARIANTS.map((v) => {
    const plain = v === 'plain';
    return [
      SCOPE_LABELS[v],
      fmtNs(median(by(v).map((x) => x.ns))),
      plain ? '' : `+${fmtNs(added(v, 'ns'))}`,
      plain ? '1.000×' : fmtX(median(ratios(v, 'ns'))),
      plain ? '' : fmtCI(ratios(v, 'ns')),
      fmtNs(median(by(v).map((x) => x.cpuNs))),
      plain ? '' : `+${fmtNs(added(v, 'cpuNs'))}`,
      plain ? '1.000×' : fmtX(median(ratios(v, 'cpuNs'))),
    ];
  });
  console.log(
    table(
      'time per await: median chunk of each block, median of rounds; ratio = median of per-round ratios vs the plain loop',
      ['variant', 'wall', 'added', 'ratio', '95% CI', 'CPU', 'added', 'CPU ratio'],
      rows,
    ),
  );
  const summary = { plainNs: median(by('plain').map((x) => x.ns)) };
  for (const v of SCOPE_VARIANTS.slice(1)) {
    summary[`${v}Ratio`] = median(ratios(v, 'ns'));
    summary[`${v}AddedNs`] = added(v, 'ns');
    summary[`${v}CpuRatio`] = median(ratios(v, 'cpuNs'));
    summary[`${v}CpuAddedNs`] = added(v, 'cpuNs');
  }
  summary.clsOverAls = summary.clsAddedNs / summary.alsAddedNs;
  report.scope = { n, rounds, results, summary };
  return summary;
}

// ───────────────────────────── 4. breakdown ─────────────────────────────

async function breakdownPart(report) {
  console.log('\n4. where a recorded query goes (better-sqlite3 point select, one child process)');
  const res = await runChild(['breakdown'], { nodeArgs: ['--expose-gc'], timeoutMs: 120_000 });
  const rows = res.rows.map((r) => [r.label, fmtUs(r.us), r.note ?? '']);
  console.log(
    table(
      `process CPU time per query, median of ${res.rounds} rounds of ${res.n.toLocaleString('en')} (each step adds to the one above)`,
      ['step', 'per query', 'note'],
      rows,
    ),
  );
  report.breakdown = res;
  return res;
}

// ───────────────────────────── main ─────────────────────────────

async function child(args) {
  const [kind, ...rest] = args;
  let out;
  if (kind === 'sqlite') out = await sqliteChild(...rest.map(Number));
  else if (kind === 'pg-worker') return pgWorker(rest[0], rest[1], Number(rest[2]));
  else if (kind === 'scope') out = await scopeChild(rest[0], Number(rest[1]));
  else if (kind === 'breakdown') out = await (await import('./drivers-breakdown.mjs')).breakdown();
  else throw new Error(`unknown child ${kind}`);
  process.stdout.write(`\n${JSON.stringify(out)}\n`);
}

const PARTS = ['sqlite', 'pg', 'scope', 'breakdown'];

async function main() {
  const args = process.argv.slice(2);
  for (const a of args) {
    if (!PARTS.includes(a)) {
      console.error(`Unknown part '${a}'. Usage: node test/bench/drivers.mjs [${PARTS.join('|')}]...`);
      process.exit(2);
    }
  }
  const selected = args.length ? PARTS.filter((p) => args.includes(p)) : PARTS;
  const started = now();
  const report = {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavgBefore: os.loadavg(),
    started: new Date().toISOString(),
    commit: (() => {
      try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
      } catch {
        return undefined;
      }
    })(),
    targets: { sqlite: TARGET_SQLITE, pg: TARGET_PG },
    versions: Object.fromEntries(
      [
        'better-sqlite3',
        'pg',
        '@electric-sql/pglite',
        '@opentelemetry/instrumentation-pg',
        '@opentelemetry/sdk-trace-base',
        'cls-hooked',
      ].map((p) => {
        try {
          return [p, require(`${p}/package.json`).version];
        } catch {
          return [p, undefined];
        }
      }),
    ),
  };
  console.log(
    `headroom driver overhead (commit ${report.commit}) — Node ${process.version}, ${report.cpus} CPUs, load average ${report.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const snapshot = await snapshotDist();
  report.dist = { builtAt: snapshot.builtAt };
  process.on('exit', () => rmSync(dirname(snapshot.path), { recursive: true, force: true }));
  const results = {};
  const errors = [];
  for (const part of selected) {
    try {
      if (part === 'sqlite') results.sqlite = await sqlitePart(report);
      if (part === 'pg') results.pg = await pgPart(report);
      if (part === 'scope') results.scope = await scopePart(report);
      if (part === 'breakdown') results.breakdown = await breakdownPart(report);
    } catch (error) {
      errors.push(`${part}: ${error.stack ?? error}`);
      console.error(`\n${part} failed: ${error.stack ?? error}`);
    }
  }
  report.loadavgAfter = os.loadavg();
  report.elapsedS = (now() - started) / 1000;
  report.errors = errors;

  // Closing summary.
  const lines = [];
  const judged = (r, ci, v, target) =>
    `${fmtX(r)} [${fmtX(ci[0])}–${fmtX(ci[1])}] ${v} ≤ ${target.toFixed(2)}`;
  if (results.sqlite) {
    const s = results.sqlite;
    const { idle, recording, recordingTotal } = s;
    lines.push(
      `better-sqlite3 (${fmtUs(s.plainUs)}/query plain): installed and idle ${judged(idle.wall, idle.wallCI, idle.wallVerdict, TARGET_SQLITE)} ` +
        `(CPU ${judged(idle.cpu, idle.cpuCI, idle.cpuVerdict, TARGET_SQLITE)}); recording ${judged(recording.wall, recording.wallCI, recording.wallVerdict, TARGET_SQLITE)} in the loop, ` +
        `${fmtX(recordingTotal.wall)} with measure()'s call-site resolution; events counted ${s.eventsOk ? 'exactly' : 'WRONG'}.`,
    );
  }
  for (const s of results.pg ?? []) {
    const part = (v, label) =>
      s[`${v}Ratio`] === undefined
        ? ''
        : `${label} ${judged(s[`${v}Ratio`], s[`${v}RatioCI`], s[`${v}Verdict`], TARGET_PG)} (from client CPU ${fmtX(s[`${v}CpuRatio`])}); `;
    lines.push(
      `pg → ${s.name} (${fmtUs(s.plainUs)}/query plain, ${s.rounds} rounds): ` +
        (s.controlRatio === undefined
          ? ''
          : `A/A control ${fmtX(s.controlRatio)} [${fmtX(s.controlRatioCI[0])}–${fmtX(s.controlRatioCI[1])}] (the noise floor); `) +
        part('fresh', 'installed, never measured') +
        part('idle', 'installed, idle') +
        part('recording', 'recording') +
        (s.recordingTotalRatio === undefined
          ? ''
          : `${fmtX(s.recordingTotalRatio)} with measure()'s wrap-up; `) +
        (s.otelRatio === undefined
          ? ''
          : `OpenTelemetry ${fmtX(s.otelRatio)} (from client CPU ${fmtX(s.otelCpuRatio)}); `) +
        `counts (headroom events, OTel spans) ${s.countsOk ? 'exact' : 'WRONG'}.`,
    );
  }
  if (results.scope) {
    const s = results.scope;
    lines.push(
      `scope per await (plain ${fmtNs(s.plainNs)}): AsyncLocalStorage +${fmtNs(s.alsAddedNs)} (${fmtX(s.alsRatio)}), ` +
        `enabled but outside any run +${fmtNs(s['als-outsideAddedNs'])} (${fmtX(s['als-outsideRatio'])}), ` +
        `cls-hooked +${fmtNs(s.clsAddedNs)} (${fmtX(s.clsRatio)}); cls-hooked adds ${s.clsOverAls.toFixed(1)}× what AsyncLocalStorage adds.`,
    );
  }
  if (results.breakdown) {
    const r = Object.fromEntries(results.breakdown.rows.map((x) => [x.label, x.us]));
    const base = r['native .get(), no wrapper'];
    const now3 = r['headroom itself (whole measure())'];
    const assign = r['what-if: first 3 + event by Object.assign'];
    const klass = r['what-if: first 3 + event as a class'];
    lines.push(
      `a recorded better-sqlite3 query, CPU (native ${fmtUs(base)}): the event object +${fmtUs(r['+ event recorded, no stack'] - r['+ wrapper, idle (no scope)'])}, ` +
        `a stack per query +${fmtUs(r['+ stack captured every query'] - r['+ event recorded, no stack'])} and its resolution +${fmtUs(r['+ call sites resolved'] - r['+ stack captured every query'])}; ` +
        `headroom as built now ${fmtUs(now3)} (${fmtX(now3 / base)}); with the event built by Object.assign ${fmtUs(assign)} (${fmtX(assign / base)}), as a class instance that is its own handle ${fmtUs(klass)} (${fmtX(klass / base)}).`,
    );
  }
  for (const e of errors) lines.push(`FAILED ${e.split('\n')[0]}`);
  console.log(
    `\nSummary (${report.elapsedS.toFixed(0)} s, load average ${report.loadavgAfter.map((x) => x.toFixed(2)).join(' ')}):`,
  );
  for (const line of lines) console.log(`  - ${line}`);
  report.summary = lines;
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(join(root, 'bench-results', 'drivers.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('\nWrote bench-results/drivers.json');
  if (errors.length) process.exitCode = 1;
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killChildren();
    process.exit(130);
  });
}

if (process.argv[2] === '--child') {
  // A child ends on its own: a hung server never keeps it alive past this. (A pg worker ends
  // when the parent tells it to, or goes away.)
  if (process.argv[3] !== 'pg-worker')
    setTimeout(() => {
      console.error('child timed out');
      process.exit(3);
    }, 180_000).unref();
  await child(process.argv.slice(3));
  process.exit(0);
} else {
  await main();
}

// Where a recorded better-sqlite3 query's time goes, and what two changes to the recorder would
// save. Run by `node test/bench/drivers.mjs breakdown` (in a child process with --expose-gc).
//
// headroom's own recording path (dist/better-sqlite3.js + record() in dist/) is timed as it is
// built now, and next to it a step-by-step replica of record() (src/measure/recorder.ts: event
// object, AsyncLocalStorage lookup, Error.captureStackTrace with stackTraceLimit 40, a
// non-enumerable holder, the `end()` closure; then resolveCallSites/userFrame when the
// measurement is built), so each mechanism's cost shows on its own:
//   - a stack for every query (headroom before db5275e) vs for the first 3 executions of each
//     statement text in a call (headroom since db5275e);
//   - what-if: the event built with Object.assign. On Node 20 (V8 11.3) `{ ...input, id, startMs }`
//     takes about 1 µs per property added after the spread (a slow path), while
//     `Object.assign({}, input)` followed by two assignments takes about 0.1 µs.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const now = () => performance.now();
/** The built package: the snapshot of dist/ that drivers.mjs took for this run. */
const distUrl = (file) => pathToFileURL(join(process.env.DRIVERS_DIST ?? join(root, 'dist'), file)).href;
/** Process CPU time in ms: unlike wall time, it leaves out the time other processes held the core. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function median(values) {
  const xs = Float64Array.from(values).sort();
  const h = (xs.length - 1) / 2;
  return (xs[Math.floor(h)] + xs[Math.ceil(h)]) / 2;
}

// ── the replica ──
const als = new AsyncLocalStorage();
const windows = new Set();
let nextId = 1;
const STACK = Symbol('stack');
const NOOP = { end() {} };
const FIRST_N = 3;

/** An event that is its own handle: fields set in one constructor (one stable shape), `end()` on
 * the prototype (no closure and no handle object per event). */
class Event {
  constructor(input) {
    this.kind = input.kind;
    this.system = input.system;
    this.statement = input.statement;
    this.source = input.source;
    this.id = nextId++;
    this.startMs = now();
    this.endMs = undefined;
  }
  end(outcome) {
    if (this.endMs !== undefined) return;
    this.endMs = now();
    if (outcome?.error !== undefined) this.error = String(outcome.error);
  }
}

function makeRecord({ stack, limit = 40, firstN = false, assign = false, klass = false }) {
  return function record(input) {
    const store = als.getStore();
    if (store === undefined && windows.size === 0) return NOOP;
    if (klass) {
      const event = new Event(input);
      if (stack) {
        const seen = store.seen.get(input.statement) ?? 0;
        store.seen.set(input.statement, seen + 1);
        if (seen < FIRST_N) {
          const holder = {};
          const previous = Error.stackTraceLimit;
          Error.stackTraceLimit = limit;
          Error.captureStackTrace(holder, record);
          Error.stackTraceLimit = previous;
          Object.defineProperty(event, STACK, { value: holder, enumerable: false });
        }
      }
      store.events.push(event);
      return event;
    }
    let event;
    if (assign) {
      event = Object.assign({}, input);
      event.id = nextId++;
      event.startMs = now();
    } else event = { ...input, id: nextId++, startMs: now() }; // as headroom does
    let capture = stack;
    if (capture && firstN) {
      const seen = store.seen.get(input.statement) ?? 0;
      store.seen.set(input.statement, seen + 1);
      capture = seen < FIRST_N;
    }
    if (capture) {
      const holder = {};
      const previous = Error.stackTraceLimit;
      Error.stackTraceLimit = limit;
      Error.captureStackTrace(holder, record);
      Error.stackTraceLimit = previous;
      Object.defineProperty(event, STACK, { value: holder, enumerable: false });
    }
    if (store !== undefined) store.events.push(event);
    for (const window of windows) if (window !== store && store === undefined) window.outside.push(event);
    return {
      end(outcome) {
        if (event.endMs !== undefined) return;
        event.endMs = now();
        if (outcome?.error !== undefined) event.error = String(outcome.error);
      },
    };
  };
}

const INTERNAL_FRAME = /[\\/]node_modules[\\/]|^node:|\(node:|<anonymous>/;
function userFrame(stack) {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const frame = line.trim();
    if (!frame.startsWith('at ')) continue;
    const location = /\(([^()]+)\)$/.exec(frame)?.[1] ?? frame.slice(3);
    const clean = location.replace(/^file:\/\//, '');
    if (INTERNAL_FRAME.test(clean) || clean.includes('/dist/')) continue;
    return clean;
  }
  return undefined;
}
function resolveCallSites(events) {
  for (const event of events)
    if (event.callSite === undefined && event[STACK]) event.callSite = userFrame(event[STACK].stack);
}

/** A wrapper like headroom's (integrations/better-sqlite3): idle check, event, call, end. */
function counted(original, record) {
  return function () {
    if (!(windows.size > 0 || als.getStore() !== undefined)) return original.apply(this, arguments);
    const op = record({ kind: 'query', system: 'sqlite', statement: this.source, source: 'better-sqlite3' });
    try {
      const result = original.apply(this, arguments);
      op.end();
      return result;
    } catch (error) {
      op.end({ error });
      throw error;
    }
  };
}

/** Calls `fn` `depth` frames deeper: under vitest a query runs about 30 frames below the test. */
function deep(depth, fn) {
  return depth === 0 ? fn() : deep(depth - 1, fn);
}

export async function breakdown() {
  const n = Number(process.env.DRIVERS_BREAKDOWN_N ?? 20_000);
  const rounds = Number(process.env.DRIVERS_BREAKDOWN_ROUNDS ?? 5);
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
  const proto = Object.getPrototypeOf(statement);
  uninstrument(Database);
  const nativeGet = proto.get;
  als.run({ events: [], seen: new Map() }, () => {}); // enabled, as in a suite that has measured
  await measure(() => {}, { metrics: [] });

  const makeLoop = () =>
    new Function(
      'statement',
      'n',
      'let s = 0; for (let i = 0; i < n; i++) s += statement.get((i % 10000) + 1).id; return s;',
    );
  const replica = (record, { resolve = false, depth = 0 } = {}) => {
    const get = counted(nativeGet, record);
    const loop = makeLoop();
    return async (count) => {
      proto.get = get;
      const scope = { events: [], seen: new Map() };
      const t0 = cpuNow();
      als.run(scope, () => deep(depth, () => loop(statement, count)));
      const loopMs = cpuNow() - t0;
      if (resolve) resolveCallSites(scope.events);
      const totalMs = cpuNow() - t0;
      proto.get = nativeGet;
      if (scope.events.length !== count)
        throw new Error(`replica recorded ${scope.events.length} of ${count}`);
      return { loopMs, totalMs };
    };
  };
  const real = (depth) => {
    const loop = makeLoop();
    return async (count) => {
      instrument(Database);
      let loopMs = 0;
      const t0 = cpuNow();
      const m = await measure(
        () =>
          deep(depth, () => {
            const t = cpuNow();
            loop(statement, count);
            loopMs = cpuNow() - t;
          }),
        { metrics: [] },
      );
      const totalMs = cpuNow() - t0;
      uninstrument(Database);
      if (m.events.length !== count) throw new Error(`headroom recorded ${m.events.length} of ${count}`);
      return { loopMs, totalMs };
    };
  };
  const plainLoop = makeLoop();
  const steps = [
    [
      'native .get(), no wrapper',
      async (count) => {
        proto.get = nativeGet;
        const t0 = cpuNow();
        plainLoop(statement, count);
        const ms = cpuNow() - t0;
        return { loopMs: ms, totalMs: ms };
      },
      'baseline',
    ],
    [
      '+ wrapper, idle (no scope)',
      async (count) => {
        const get = counted(nativeGet, makeRecord({ stack: false }));
        proto.get = get;
        const loop = makeLoop();
        const t0 = cpuNow();
        loop(statement, count);
        const ms = cpuNow() - t0;
        proto.get = nativeGet;
        return { loopMs: ms, totalMs: ms };
      },
      'isRecording() false',
    ],
    [
      '+ event recorded, no stack',
      replica(makeRecord({ stack: false })),
      '{ ...input, id, startMs }, now() ×2, push, end()',
    ],
    [
      '+ stack captured every query',
      replica(makeRecord({ stack: true })),
      'limit 40: headroom before db5275e',
    ],
    [
      '+ call sites resolved',
      replica(makeRecord({ stack: true }), { resolve: true }),
      "+ measure()'s resolution after the call",
    ],
    [
      '  same, query 30 frames deeper',
      replica(makeRecord({ stack: true }), { resolve: true, depth: 30 }),
      'as under a test runner',
    ],
    [
      'stacks for the first 3 per statement',
      replica(makeRecord({ stack: true, firstN: true }), { resolve: true }),
      'headroom since db5275e; resolved',
    ],
    ['headroom itself (loop only)', real(0), 'dist/ as built now'],
    ['headroom itself (whole measure())', real(0), 'dist/ as built now'],
    ['headroom itself, 30 frames deeper', real(30), 'whole measure()'],
    [
      'what-if: first 3 + event by Object.assign',
      replica(makeRecord({ stack: true, firstN: true, assign: true }), { resolve: true }),
      'not { ...input, id, startMs }; resolved',
    ],
    [
      '  same, 30 frames deeper',
      replica(makeRecord({ stack: true, firstN: true, assign: true }), { resolve: true, depth: 30 }),
      '',
    ],
    [
      'what-if: Object.assign, no stack at all',
      replica(makeRecord({ stack: false, assign: true })),
      'the floor of this event shape',
    ],
    [
      'what-if: first 3 + event as a class',
      replica(makeRecord({ stack: true, firstN: true, klass: true }), { resolve: true }),
      'its own handle, end() on the prototype; resolved',
    ],
    [
      'what-if: class event, no stack at all',
      replica(makeRecord({ stack: false, klass: true })),
      'the floor of a per-query event',
    ],
  ];
  // "loop only" and "whole measure()" of headroom come from the same runs.
  const useLoop = new Set(['headroom itself (loop only)']);
  const times = steps.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = steps.map((_, i) => i);
    for (let k = 0; k < r; k++) order.push(order.shift());
    for (const i of order) {
      if (steps[i][0] === 'headroom itself (whole measure())') continue;
      const run = steps[i][1];
      globalThis.gc();
      await run(Math.round(n / 10)); // warm-up
      globalThis.gc();
      const res = await run(n);
      if (useLoop.has(steps[i][0])) {
        times[i].push((res.loopMs * 1000) / n);
        times[i + 1].push((res.totalMs * 1000) / n);
      } else times[i].push((res.totalMs * 1000) / n);
      process.stderr.write(`  breakdown round ${r + 1}/${rounds}: ${steps[i][0]}\n`);
    }
  }
  db.close();
  const rows = steps.map(([label, , note], i) => ({ label, us: median(times[i]), note }));
  return { n, rounds, rows };
}

// What tracing every test costs a suite (`headroom/reporter` with `trace: true`).
//
// A generated suite of plain tests without any contract — 4 files × 100 tests, each running 20
// better-sqlite3 queries and a little CPU work, the shape of a typical data-access suite — is run
// by vitest in child processes, alternately with the reporter's `trace` off and on (the reporter
// itself is on in both, so the difference is the tracing), ROUNDS times each. Prints the median wall
// time of each and their ratio, and the test bodies' own time from vitest's JSON output.
//   node test/bench/trace-overhead.mjs            # 5 rounds of each
//   BENCH_ROUNDS=3 node test/bench/trace-overhead.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summary } from './util.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TMP = join(REPO, '.headroom-tmp');
const DIR = join(TMP, `trace-bench-${process.pid}`);

function setUp() {
  mkdirSync(join(TMP, 'node_modules'), { recursive: true });
  try {
    symlinkSync('../..', join(TMP, 'node_modules', 'headroom'), 'dir');
  } catch {}
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'package.json'), '{"private":true,"type":"module"}\n');
  writeFileSync(
    join(DIR, 'vitest.config.mjs'),
    `import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: {
    setupFiles: ['headroom/vitest'],
    include: ['*.spec.mjs'],
    reporters: ['json', ['headroom/reporter', { trace: process.env.TRACE === '1', terminal: false, html: false, history: false }]],
    outputFile: { json: 'vitest.json' },
  },
});
`,
  );
  for (let f = 0; f < 4; f++) {
    writeFileSync(
      join(DIR, `data-${f}.spec.mjs`),
      `import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
const db = new Database(':memory:');
db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)');
const insert = db.prepare('INSERT INTO items (name, price) VALUES (?, ?)');
for (let i = 0; i < 200; i++) insert.run('item ' + i, i * 1.25);
for (let t = 0; t < 100; t++) {
  it('test ' + t, () => {
    let total = 0;
    for (let q = 0; q < 20; q++) total += db.prepare('SELECT price FROM items WHERE id = ?').get(1 + ((t * 20 + q) % 200)).price;
    const words = [];
    for (let i = 0; i < 2000; i++) words.push('w' + ((i * 7919) % 1000));
    expect(total).toBeGreaterThan(0);
    expect(new Set(words).size).toBe(1000);
  });
}
`,
    );
  }
}

function runOnce(trace) {
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--root', DIR],
    {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, TRACE: trace ? '1' : '0', CI: 'true', NO_COLOR: '1' },
    },
  );
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`vitest failed:\n${r.stdout}\n${r.stderr}`);
  const json = JSON.parse(readFileSync(join(DIR, 'vitest.json'), 'utf8'));
  let bodyMs = 0;
  for (const file of json.testResults) for (const t of file.assertionResults) bodyMs += t.duration ?? 0;
  const report = JSON.parse(readFileSync(join(DIR, 'headroom-report', 'headroom-report.json'), 'utf8'));
  return {
    wallMs,
    bodyMs,
    traced: report.traces?.length ?? 0,
    queries: report.traces?.reduce((a, t) => a + t.queries, 0) ?? 0,
  };
}

setUp();
try {
  runOnce(false); // warm the file system and vite's caches
  const off = [];
  const on = [];
  for (let i = 0; i < ROUNDS; i++) {
    off.push(runOnce(false));
    on.push(runOnce(true));
  }
  const med = (xs, k) => summary(xs.map((x) => x[k])).median;
  console.log(
    `trace overhead: 400 tests × 20 queries, ${ROUNDS} alternating runs of each (${new Date().toISOString()})`,
  );
  console.log(
    `  traced tests per run: off ${on.length ? off[0].traced : 0}, on ${on[0]?.traced}; queries traced ${on[0]?.queries}`,
  );
  console.log(
    `  suite wall time, median: off ${med(off, 'wallMs').toFixed(0)} ms, on ${med(on, 'wallMs').toFixed(0)} ms, ratio ${(med(on, 'wallMs') / med(off, 'wallMs')).toFixed(3)}`,
  );
  console.log(
    `  test bodies, median sum: off ${med(off, 'bodyMs').toFixed(0)} ms, on ${med(on, 'bodyMs').toFixed(0)} ms, ratio ${(med(on, 'bodyMs') / med(off, 'bodyMs')).toFixed(3)}`,
  );
  console.log(
    `  every run, wall ms: off ${off.map((x) => x.wallMs.toFixed(0)).join(' ')} | on ${on.map((x) => x.wallMs.toFixed(0)).join(' ')}`,
  );
} finally {
  rmSync(DIR, { recursive: true, force: true });
}

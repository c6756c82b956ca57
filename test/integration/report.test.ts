// headroom/reporter and toMatchPerformanceBaseline as a user meets them: vitest (forks, threads,
// vmThreads) and jest (two workers) run the report fixtures in child processes, with the
// reporter in their config. Each test states what the run printed, wrote and kept.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeadroomReport } from '../../src/report/schema.js';
import {
  createProject,
  ensureBuilt,
  type Project,
  REPO,
  type RunResult,
  runJest,
  runVitest,
} from './helpers.js';

const projects: Project[] = [];
function project(suite: string, type: 'module' | 'commonjs'): Project {
  const p = createProject(suite, type);
  projects.push(p);
  return p;
}

/**
 * The jest fixture: users.spec.ts of its own, and the vitest fixture's orders.spec.ts with jest's
 * import, so that both runners run the same contracts.
 */
function jestProject(): Project {
  const p = project('report-jest', 'commonjs');
  const orders = readFileSync(new URL('./fixtures/report-vitest/orders.spec.ts', import.meta.url), 'utf8');
  const jestOrders = orders.replace("from 'vitest';", "from '@jest/globals';");
  if (jestOrders === orders) throw new Error("orders.spec.ts no longer imports from 'vitest'");
  writeFileSync(join(p.dir, 'orders.spec.ts'), jestOrders);
  return p;
}

function readReport(p: Project): HeadroomReport {
  return JSON.parse(readFileSync(join(p.dir, 'perf', 'headroom-report.json'), 'utf8')) as HeadroomReport;
}

function baselineFile(p: Project): {
  entries: Record<string, { metrics: Record<string, { value: number }> }>;
} {
  return JSON.parse(readFileSync(join(p.dir, '__baselines__', 'orders.spec.ts.json'), 'utf8'));
}

/** Not in CI: baselines are written as on a developer's machine. */
const LOCAL = { CI: undefined };

afterAll(() => {
  for (const p of projects) p.remove();
});

describe('vitest', () => {
  let forks: Project;
  const runs: Record<string, RunResult> = {};
  const reports: Record<string, HeadroomReport> = {};
  let threads: Project;
  let vmThreads: Project;

  beforeAll(async () => {
    ensureBuilt();
    forks = project('report-vitest', 'module');
    threads = project('report-vitest', 'module');
    vmThreads = project('report-vitest', 'module');
    const [first, t, vm] = await Promise.all([
      runVitest(forks, ['--pool=forks'], LOCAL, false),
      runVitest(threads, ['--pool=threads'], LOCAL, false),
      runVitest(vmThreads, ['--pool=vmThreads'], LOCAL, false),
    ]);
    runs.first = first;
    runs.threads = t;
    runs.vmThreads = vm;
    reports.first = readReport(forks);
    reports.threads = readReport(threads);
    reports.vmThreads = readReport(vmThreads);
  }, 120_000);

  it('prints every contract, tightest first, and the contracts close to the edge', () => {
    const out = runs.first?.output ?? '';
    expect(runs.first?.code, out).toBe(0);
    expect(out).toContain(' headroom  5 contracts, 5 passed, 1 close to the edge');
    const table = out.slice(out.indexOf(' headroom  5 contracts'));
    const rows = table.split('\n').filter((l) => /^ {2}(✓|✗|!|\?|not)/.test(l));
    // Five rows of budgets and growth, and the five values of the new baseline.
    expect(rows).toHaveLength(10);
    // Counts exactly at their limit (0% left) come first, then the allocation at about 10%.
    expect(rows[0]).toMatch(/✓ pass +0% +queries +1 +1 +orders > lists orders in one query/);
    expect(rows[1]).toMatch(
      /! edge +\+\d+(\.\d)?% +allocated +1 MB +9\d\d kB +orders > allocates close to its budget \[close\]/,
    );
    expect(table).toContain('Close to the edge (less than 20% headroom left):');
    expect(table).toMatch(
      /Report: perf\/headroom-report\.json, perf\/headroom-history\.jsonl, perf\/headroom-report\.md, perf\/headroom-report\.html/,
    );
  });

  it('writes the JSON report with every matcher, and traces every test exactly', () => {
    const report = reports.first as HeadroomReport;
    expect(report.schema).toBe('headroom-report');
    expect(report.version).toBe(1);
    expect(report.environment.runner).toMatch(/^vitest \d/);
    expect(report.contracts.map((c) => c.matcher).sort()).toEqual([
      'toBeFasterThan',
      'toMatchPerformanceBaseline',
      'toScale',
      'toStayWithin',
      'toStayWithin',
    ]);
    expect(report.summary).toEqual({ contracts: 5, passed: 5, failed: 0, inconclusive: 0, closeToEdge: 1 });
    const scale = report.contracts.find((c) => c.matcher === 'toScale');
    expect(scale?.scale?.sizes).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(scale?.scale?.series[0]?.values).toEqual([1, 2, 4, 8, 16, 32, 64]);
    const one = report.contracts.find((c) => c.test === 'orders > lists orders in one query');
    expect(one?.id).toBe('orders.spec.ts › orders > lists orders in one query › toStayWithin');
    expect(one?.events?.map((e) => e.label)).toEqual(['SELECT * FROM orders WHERE user_id = ?']);
    // Six tests traced; the one without a contract: 6 lookups by id (5 repeated) and one list.
    expect(report.traces).toHaveLength(6);
    const plain = report.traces?.find((t) => t.test === 'orders > runs queries with no contract');
    expect(plain).toMatchObject({ queries: 7, repeatedQueries: 5, requests: 0, roundTrips: 7 });
    expect(plain?.topQueries?.[0]).toEqual({ shape: 'SELECT * FROM orders WHERE id = ?', count: 6 });
    for (const file of ['headroom-report.md', 'headroom-report.html', 'headroom-history.jsonl']) {
      expect(existsSync(join(forks.dir, 'perf', file)), file).toBe(true);
    }
    // The results folder of the workers is gone.
    expect(
      readFileSync(join(forks.dir, 'perf', 'headroom-history.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
  });

  it('collects the same contracts from the threads and vmThreads pools', () => {
    for (const name of ['threads', 'vmThreads']) {
      const run = runs[name] as RunResult;
      expect(run.code, run.output).toBe(0);
      const report = reports[name] as HeadroomReport;
      expect(report.contracts.map((c) => c.id).sort()).toEqual(
        reports.first?.contracts.map((c) => c.id).sort(),
      );
      expect(report.traces?.find((t) => t.test === 'orders > runs queries with no contract')?.queries).toBe(
        7,
      );
    }
  });

  it('records a baseline on the first run, fails a regression against it, and updates it with -u', async () => {
    const stored = baselineFile(forks).entries['orders > matches its baseline'];
    expect(stored?.metrics.queries?.value).toBe(3);
    expect(stored?.metrics.repeatedQueries?.value).toBe(2);
    expect(stored?.metrics.allocated?.value).toBeGreaterThan(0);

    // One more query per call: the baseline catches it.
    const regressed = await runVitest(forks, [], { ...LOCAL, EXTRA_IDS: '1' }, false);
    expect(regressed.code).toBe(1);
    const message = regressed.test('matches its baseline').messages[0] ?? '';
    expect(message).toContain('expect(fn).toMatchPerformanceBaseline()');
    expect(message).toMatch(/✗ queries +3 +4 +-1/);
    expect(message).toContain('queries          baseline 3 (exact) → at most 3; now 4, 1.33× the baseline');
    expect(message).toContain(
      'If the change is intended, update the baseline: vitest -u, jest -u, or HEADROOM_UPDATE=1.',
    );
    expect(baselineFile(forks).entries['orders > matches its baseline']?.metrics.queries?.value).toBe(3);
    const report = readReport(forks);
    expect(report.summary.failed).toBe(1);
    // The history now has both runs.
    expect(
      readFileSync(join(forks.dir, 'perf', 'headroom-history.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(2);

    // -u takes the change as the new baseline.
    const updated = await runVitest(forks, ['-u'], { ...LOCAL, EXTRA_IDS: '1' }, false);
    expect(updated.code, updated.output).toBe(0);
    expect(baselineFile(forks).entries['orders > matches its baseline']?.metrics.queries?.value).toBe(4);

    // A baseline measured on another machine is still compared, with a warning.
    const path = join(forks.dir, '__baselines__', 'orders.spec.ts.json');
    const file = JSON.parse(readFileSync(path, 'utf8'));
    file.entries['orders > matches its baseline'].environment.cpu = 'Another CPU 9000';
    writeFileSync(path, JSON.stringify(file, null, 2));
    const elsewhere = await runVitest(
      forks,
      ['-t', 'matches its baseline'],
      { ...LOCAL, EXTRA_IDS: '1' },
      false,
    );
    expect(elsewhere.code, elsewhere.output).toBe(0);
    expect(elsewhere.output).toMatch(/baselines measured on another machine \(CPU Another CPU 9000 → .+\)/);
  }, 120_000);

  it('never writes a baseline when CI is set, and names the missing one', async () => {
    const p = project('report-vitest', 'module');
    const run = await runVitest(p, ['-t', 'matches its baseline'], { CI: 'true' }, false);
    expect(run.code).toBe(1);
    const t = run.test('matches its baseline');
    expect(t.codes).toContain('HEADROOM_ERR_NO_BASELINE');
    expect(t.messages[0]).toContain('"orders > matches its baseline" is not in');
    expect(existsSync(join(p.dir, '__baselines__'))).toBe(false);
  }, 60_000);

  it('refuses a corrupt baseline file and leaves it as it was', async () => {
    const p = project('report-vitest', 'module');
    const path = join(p.dir, '__baselines__', 'orders.spec.ts.json');
    rmSync(path, { force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(p.dir, '__baselines__'), { recursive: true });
    writeFileSync(path, '{ "schema": "headroom-baseline", "version": 1, "entries": {');
    const run = await runVitest(p, ['-t', 'matches its baseline'], LOCAL, false);
    const t = run.test('matches its baseline');
    expect(t.codes).toContain('HEADROOM_ERR_BAD_FILE');
    expect(t.messages[0]).toContain('it is not valid JSON');
    expect(readFileSync(path, 'utf8')).toBe('{ "schema": "headroom-baseline", "version": 1, "entries": {');
  }, 60_000);
});

describe('vitest --shard and headroom merge', () => {
  it('writes one partial report per shard, and merge makes the whole report and one history line', async () => {
    const p = project('report-vitest', 'module');
    // A second test file, so that each of two shards has one.
    writeFileSync(
      join(p.dir, 'users.spec.mjs'),
      `import { expect, it } from 'vitest';
it('counts nothing', async () => {
  await expect(() => 1 + 1).toStayWithin({ queries: 0, requests: 0 });
});
`,
    );
    const shards = await Promise.all([
      runVitest(p, ['--shard=1/2'], LOCAL, false),
      runVitest(p, ['--shard=2/2'], LOCAL, false),
    ]);
    for (const run of shards) expect(run.code, run.output).toBe(0);
    const perf = join(p.dir, 'perf');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(perf).sort()).toEqual([
      'headroom-report.shard-1-of-2.json',
      'headroom-report.shard-2-of-2.json',
    ]);
    const parts = [1, 2].map(
      (i) =>
        JSON.parse(
          readFileSync(join(perf, `headroom-report.shard-${i}-of-2.json`), 'utf8'),
        ) as HeadroomReport,
    );
    expect(parts.map((r) => r.shard)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    const merge = spawnSync(process.execPath, [join(REPO, 'bin', 'headroom.js'), 'merge', '--dir', 'perf'], {
      cwd: p.dir,
      encoding: 'utf8',
    });
    expect(merge.status, merge.stderr).toBe(0);
    const merged = readReport(p);
    expect(merged.shard).toBeUndefined();
    expect(merged.contracts.map((c) => c.id).sort()).toEqual(
      [...(parts[0]?.contracts ?? []), ...(parts[1]?.contracts ?? [])].map((c) => c.id).sort(),
    );
    expect(new Set(merged.contracts.map((c) => c.file))).toEqual(
      new Set(['orders.spec.ts', 'users.spec.mjs']),
    );
    expect(merged.summary.contracts).toBe(6);
    expect(readFileSync(join(perf, 'headroom-history.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(perf, 'headroom-report.html'))).toBe(true);
    expect(readFileSync(join(perf, 'headroom-report.md'), 'utf8')).toContain('**6** contracts');
  }, 120_000);
});

describe('jest', () => {
  let p: Project;
  let first: RunResult;

  beforeAll(async () => {
    ensureBuilt();
    p = jestProject();
    // Not --ci, and CI unset: the first run writes the baseline. Two workers, two files.
    first = await runJest(p, { ci: false, env: LOCAL, args: ['--maxWorkers=2'] });
  }, 120_000);

  it('reports the contracts of both workers, with the failure first', () => {
    expect(first.code).toBe(1);
    expect(first.output).toContain(' headroom  7 contracts, 6 passed, 1 failed, 1 close to the edge');
    const report = readReport(p);
    expect(report.environment.runner).toMatch(/^jest \d/);
    expect(new Set(report.contracts.map((c) => c.file))).toEqual(
      new Set(['orders.spec.ts', 'users.spec.ts']),
    );
    const table = first.output.slice(first.output.indexOf(' headroom  7 contracts'));
    const rows = table.split('\n').filter((l) => /^ {2}(✓|✗|!|\?|not)/.test(l));
    expect(rows[0]).toMatch(/✗ fail +-100% +queries +1 +2 +fails: two queries against a budget of one/);
    expect(report.traces).toHaveLength(8);
  });

  it('writes one partial report per jest --shard, which headroom merge joins', async () => {
    const sharded = jestProject();
    const shards = await Promise.all([
      runJest(sharded, { ci: false, env: LOCAL, args: ['--shard=1/2'] }),
      runJest(sharded, { ci: false, env: LOCAL, args: ['--shard=2/2'] }),
    ]);
    const perf = join(sharded.dir, 'perf');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(perf).sort(), shards.map((r) => r.output).join('\n')).toEqual([
      'headroom-report.shard-1-of-2.json',
      'headroom-report.shard-2-of-2.json',
    ]);
    const merge = spawnSync(process.execPath, [join(REPO, 'bin', 'headroom.js'), 'merge', '--dir', 'perf'], {
      cwd: sharded.dir,
      encoding: 'utf8',
    });
    expect(merge.status, merge.stderr).toBe(0);
    const merged = readReport(sharded);
    expect(new Set(merged.contracts.map((c) => c.file))).toEqual(
      new Set(['orders.spec.ts', 'users.spec.ts']),
    );
    expect(merged.summary.contracts).toBe(7);
  }, 120_000);

  it('keeps baselines under jest: written on the first run, compared on the next, never with --ci', async () => {
    expect(baselineFile(p).entries['orders matches its baseline']?.metrics.queries?.value).toBe(3);
    const regressed = await runJest(p, { ci: false, env: { ...LOCAL, EXTRA_IDS: '1' }, args: ['orders'] });
    expect(regressed.test('matches its baseline').messages[0]).toMatch(/✗ queries +3 +4 +-1/);
    const fresh = jestProject();
    const ci = await runJest(fresh, { args: ['orders', '-t', 'baseline'] });
    expect(ci.test('matches its baseline').codes).toContain('HEADROOM_ERR_NO_BASELINE');
    expect(existsSync(join(fresh.dir, '__baselines__'))).toBe(false);
    const updated = await runJest(p, {
      ci: false,
      env: { ...LOCAL, EXTRA_IDS: '1' },
      args: ['orders', '-u'],
    });
    expect(updated.test('matches its baseline').status).toBe('passed');
    expect(baselineFile(p).entries['orders matches its baseline']?.metrics.queries?.value).toBe(4);
  }, 120_000);
});

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { appendHistory, readHistory } from '../../../src/report/history.js';
import { at, contract, metric, report, trace } from './history-fixtures.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'headroom-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

beforeEach(() => {
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  return () => vi.unstubAllEnvs();
});

/** Runs the command in-process, capturing its output. */
async function run(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const ID = 'orders.test.ts › lists orders › toStayWithin';
const run_i = (i: number, duration: number) =>
  report(
    [
      contract(ID, [
        metric('queries', 'count', 3, 2),
        metric('duration', 'ms', 20, duration, { part: 'median' }),
      ]),
    ],
    {},
    at(i),
  );

describe('headroom (in-process)', () => {
  it('prints help for itself and each command; no command is a usage error', async () => {
    const cwd = fresh();
    expect(await run(['--help'], cwd)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: headroom <command>/),
    });
    for (const cmd of ['merge', 'trend', 'export']) {
      const r = await run([cmd, '--help'], cwd);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: headroom ${cmd}`));
    }
    expect(await run([], cwd)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^Usage/) });
  });

  it('exits 2 on an unknown command, option or value, saying what to run', async () => {
    const cwd = fresh();
    expect(await run(['trends'], cwd)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'headroom: unknown command "trends". The commands are merge, trend and export.\nRun "headroom --help" for usage.\n',
    });
    const unknownOption = await run(['trend', '--lats', '5'], cwd);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toMatch(/Unknown option '--lats'[\s\S]*Run "headroom trend --help"/);
    expect((await run(['trend', '--last', 'ten'], cwd)).stderr).toMatch(
      /--last must be a whole number of runs/,
    );
    expect((await run(['export'], cwd)).code).toBe(2);
    expect((await run(['export', '--format', 'csv'], cwd)).stderr).toMatch(
      /unknown format "csv"; the formats are: bencher/,
    );
    expect((await run(['merge', '--history', 'h.jsonl', '--no-history'], cwd)).code).toBe(2);
  });

  it('trend: says when there is no history; prints the table; --json; --fail-on-drift', async () => {
    const cwd = fresh();
    expect(await run(['trend'], cwd)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^No history at .*headroom-history\.jsonl yet/),
    });
    const history = join(cwd, 'headroom-report', 'headroom-history.jsonl');
    for (const [i, d] of [8, 10, 12, 14, 16, 18].entries()) appendHistory(history, run_i(i, d));
    const table = await run(['trend'], cwd);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /▼ orders\.test\.ts › lists orders › toStayWithin › duration:median\s+6\s+█▇▅▄▂▁\s+60%\s+10%\s+−50 pp\s+drift/,
    );
    expect(table.stdout).toMatch(/1 of 2 rows drift steadily/);
    expect((await run(['trend', '--fail-on-drift'], cwd)).code).toBe(1);
    expect((await run(['trend', '--last', '3', '--fail-on-drift'], cwd)).code).toBe(0);
    const json = JSON.parse((await run(['trend', '--json', '--history', history], cwd)).stdout);
    expect(json.runs).toBe(6);
    expect(json.trends[0]).toMatchObject({
      id: ID,
      metric: 'duration:median',
      drift: true,
      values: [60, 50, 40, 30, 20, 10],
    });
  });

  it('trend: a corrupt history is exit 1 with the file error', async () => {
    const cwd = fresh();
    writeFileSync(join(cwd, 'h.jsonl'), 'not json\n');
    const r = await run(['trend', '--history', 'h.jsonl'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^headroom: Failed to read .*h\.jsonl: line 1 is not valid JSON.*\(HEADROOM_ERR_BAD_FILE\)\n$/,
    );
  });

  it('export --format bencher: to standard output, or to a file; a missing report is exit 1', async () => {
    const cwd = fresh();
    const missing = await run(['export', '--format', 'bencher'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/headroom-report\.json: there is no such file/);
    mkdirSync(join(cwd, 'headroom-report'));
    writeFileSync(join(cwd, 'headroom-report', 'headroom-report.json'), JSON.stringify(run_i(0, 12)));
    const out = await run(['export', '--format', 'bencher'], cwd);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      [ID]: { queries: { value: 2 } },
      [`${ID} › median`]: { 'duration-ms': { value: 12 } },
    });
    expect((await run(['export', '--format', 'bencher', '--out', 'bmf/out.json'], cwd)).code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'bmf/out.json'), 'utf8'))).toEqual(JSON.parse(out.stdout));
    writeFileSync(join(cwd, 'foreign.json'), '{"schema":"something-else","version":1}');
    const foreign = await run(['export', '--format', 'bencher', '--input', 'foreign.json'], cwd);
    expect(foreign).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/is not a headroom-report file/),
    });
  });

  it('merge: merges every shard report of the folder, writes the reports and appends to the history', async () => {
    const cwd = fresh();
    const dir = join(cwd, 'headroom-report');
    mkdirSync(dir);
    // Shards 1, 2 and 10 of 10: merged in shard order (2 before 10), the missing ones named.
    for (const index of [10, 2, 1]) {
      const shard = report(
        [contract(`s${index}.test.ts › t › toStayWithin`, [metric('queries', 'count', 3, index)])],
        { shard: { index, count: 10 }, traces: [trace(`s${index}.test.ts › t`)] },
        at(index),
      );
      // The reporter's names: headroom-report.shard-<index>-of-<count>.json.
      writeFileSync(join(dir, `headroom-report.shard-${index}-of-10.json`), JSON.stringify(shard));
    }
    const r = await run(['merge'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'headroom: warning: shards 3, 4, 5, 6, 7, 8, 9 of 10 missing; the merged report covers the others only.\n',
    );
    expect(r.stdout).toMatch(
      /^Merged 3 reports: 3 contracts, 2 passed, 1 failed, 0 inconclusive\.\n {2}wrote /,
    );
    const merged = JSON.parse(readFileSync(join(dir, 'headroom-report.json'), 'utf8'));
    expect(merged.shard).toBeUndefined();
    expect(merged.contracts.map((c: { id: string }) => c.id)).toEqual([
      's1.test.ts › t › toStayWithin',
      's2.test.ts › t › toStayWithin',
      's10.test.ts › t › toStayWithin',
    ]);
    expect(merged.createdAt).toBe(at(10));
    expect(merged.traces).toHaveLength(3);
    expect(readdirSync(dir).sort()).toEqual(
      [
        'headroom-history.jsonl',
        'headroom-report.html',
        'headroom-report.json',
        'headroom-report.md',
        'headroom-report.shard-1-of-10.json',
        'headroom-report.shard-2-of-10.json',
        'headroom-report.shard-10-of-10.json',
      ].sort(),
    );
    expect(readHistory(join(dir, 'headroom-history.jsonl'))).toHaveLength(1);
  });

  it('merge: named files, --out-dir, --no-history, and a warning for a missing shard', async () => {
    const cwd = fresh();
    writeFileSync(
      join(cwd, 'a.json'),
      JSON.stringify(
        report([contract('a › t › toStayWithin', [metric('queries', 'count', 3, 1)])], {
          shard: { index: 2, count: 2 },
        }),
      ),
    );
    const r = await run(['merge', 'a.json', '--out-dir', 'out', '--no-history'], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: shard 1 of 2 missing/);
    expect(existsSync(join(cwd, 'out', 'headroom-report.json'))).toBe(true);
    expect(existsSync(join(cwd, 'out', 'headroom-history.jsonl'))).toBe(false);
  });

  it('merge: no shard reports, a corrupt one, or mixed versions are exit 1 and write nothing', async () => {
    const cwd = fresh();
    expect(await run(['merge'], cwd)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no headroom-report\.shard-\*\.json in/),
    });
    const dir = join(cwd, 'headroom-report');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'headroom-report.shard-1.json'),
      JSON.stringify(report([], { shard: { index: 1, count: 2 } })),
    );
    writeFileSync(
      join(dir, 'headroom-report.shard-2.json'),
      '{"schema":"headroom-report","version":1,"contr',
    );
    const corrupt = await run(['merge'], cwd);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/shard-2\.json: it is not valid JSON/);
    writeFileSync(join(dir, 'headroom-report.shard-2.json'), JSON.stringify({ ...report([]), version: 2 }));
    expect((await run(['merge'], cwd)).stderr).toMatch(
      /version 2 of headroom-report, and this headroom reads up to version 1/,
    );
    expect(existsSync(join(dir, 'headroom-report.json'))).toBe(false);
  });
});

describe('headroom (the built bin, spawned)', () => {
  beforeAll(() => {
    // Build dist/ (under the shared lock) unless dist/cli.js is newer than the CLI's sources.
    const built = join(REPO, 'dist', 'cli.js');
    const sources = [
      join(REPO, 'src', 'cli.ts'),
      ...readdirSync(join(REPO, 'src', 'report')).map((f) => join(REPO, 'src', 'report', f)),
    ];
    const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
    if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
    const build = spawnSync('flock', ['/tmp/headroom-build.lock', 'npm', 'run', 'build'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  }, 300_000);

  const bin = (args: string[], cwd: string) =>
    spawnSync(process.execPath, [join(REPO, 'bin', 'headroom.js'), ...args], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_STEP_SUMMARY: '' },
    });

  it('is declared in package.json and starts with a shebang', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ headroom: 'bin/headroom.js' });
    expect(pkg.files).toContain('bin');
    expect(readFileSync(join(REPO, 'bin', 'headroom.js'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(
      true,
    );
  });

  it('--help, an unknown command, trend and export', () => {
    const cwd = fresh();
    const help = bin(['--help'], cwd);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: headroom <command>/);
    const unknown = bin(['frob'], cwd);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frob"/);
    expect(bin(['export', '--wat'], cwd).status).toBe(2);

    const history = join(cwd, 'headroom-report', 'headroom-history.jsonl');
    for (const [i, d] of [8, 10, 12, 14, 16, 18].entries()) appendHistory(history, run_i(i, d));
    const trend = bin(['trend'], cwd);
    expect(trend.status).toBe(0);
    expect(trend.stdout).toMatch(/▼ orders\.test\.ts › lists orders › toStayWithin › duration:median/);
    expect(bin(['trend', '--fail-on-drift'], cwd).status).toBe(1);

    writeFileSync(join(cwd, 'headroom-report', 'headroom-report.json'), JSON.stringify(run_i(7, 12)));
    const exported = bin(['export', '--format', 'bencher'], cwd);
    expect(exported.status).toBe(0);
    expect(JSON.parse(exported.stdout)[ID]).toEqual({ queries: { value: 2 } });

    writeFileSync(history, 'garbage\n');
    const bad = bin(['trend'], cwd);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/HEADROOM_ERR_BAD_FILE/);
    expect(readFileSync(history, 'utf8')).toBe('garbage\n');
  });
});

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HeadroomError } from '../../../src/errors.js';
import {
  type BaselineEntry,
  baselineKey,
  baselinePath,
  machineDifference,
  readBaselines,
  resetBaselineKeys,
  updateMode,
  writeBaseline,
} from '../../../src/report/baseline.js';
import { bundleSource, runTogether } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-baseline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `case-${n++}`, '__baselines__', 'orders.test.ts.json');

const machine: BaselineEntry['environment'] = {
  node: 'v20.19.5',
  platform: 'linux',
  arch: 'x64',
  cpu: 'AMD EPYC 7B13',
  cores: 8,
  runner: 'vitest 4.1.12',
};

const entry = (queries: number): BaselineEntry => ({
  metrics: { queries: { value: queries, unit: 'count' } },
  environment: machine,
  updatedAt: '2026-11-28T18:00:00.000Z',
});

describe('baselinePath', () => {
  it('is <dir>/__baselines__/<file name>.json beside the test file', () => {
    expect(baselinePath('/repo/test/orders.test.ts')).toBe('/repo/test/__baselines__/orders.test.ts.json');
    expect(baselinePath('/repo/a.spec.mjs')).toBe('/repo/__baselines__/a.spec.mjs.json');
  });
});

describe('updateMode', () => {
  // [HEADROOM_UPDATE, runner's mode, CI, expected]
  const table: [string | undefined, unknown, string | undefined, string][] = [
    // HEADROOM_UPDATE=1 writes everything, even under CI and when the runner says none.
    ['1', undefined, undefined, 'all'],
    ['1', 'none', 'true', 'all'],
    ['true', 'new', '1', 'all'],
    // '0', 'false' and '' do not force an update.
    ['0', undefined, undefined, 'new'],
    ['false', undefined, undefined, 'new'],
    ['', undefined, undefined, 'new'],
    ['0', undefined, 'true', 'none'],
    // The runner's -u writes everything, under CI too.
    [undefined, 'all', undefined, 'all'],
    [undefined, 'all', 'true', 'all'],
    ['0', 'all', 'true', 'all'],
    // The runner's own mode otherwise.
    [undefined, 'new', undefined, 'new'],
    [undefined, 'none', undefined, 'none'],
    // CI set: nothing is written without an update flag.
    [undefined, undefined, 'true', 'none'],
    [undefined, 'new', '1', 'none'],
    [undefined, undefined, 'yes', 'none'],
    // CI set to a false value is not CI.
    [undefined, undefined, 'false', 'new'],
    [undefined, undefined, '0', 'new'],
    [undefined, undefined, '', 'new'],
    [undefined, 'none', 'false', 'none'],
  ];
  it.each(table)('HEADROOM_UPDATE=%j, runner %j, CI=%j → %s', (update, runner, ci, expected) => {
    const env: NodeJS.ProcessEnv = {};
    if (update !== undefined) env.HEADROOM_UPDATE = update;
    if (ci !== undefined) env.CI = ci;
    expect(updateMode(runner, env)).toBe(expected);
  });
});

describe('baselineKey', () => {
  it('is the test name, then " › label", with " #n" for the n-th use in a test, until reset', () => {
    expect(baselineKey('orders > list', undefined)).toBe('orders > list');
    expect(baselineKey('orders > list', undefined)).toBe('orders > list #2');
    expect(baselineKey('orders > list', 'cold')).toBe('orders > list › cold');
    expect(baselineKey('orders > list', undefined)).toBe('orders > list #3');
    expect(baselineKey('orders > list', 'cold')).toBe('orders > list › cold #2');
    expect(baselineKey('orders > detail', undefined)).toBe('orders > detail');
    resetBaselineKeys();
    expect(baselineKey('orders > list', undefined)).toBe('orders > list');
    expect(baselineKey('orders > list', 'cold')).toBe('orders > list › cold');
  });

  it('starts again in the next test (the runner hooks reset it after each test)', () => {
    expect(baselineKey('orders > list', undefined)).toBe('orders > list');
  });
});

describe('machineDifference', () => {
  it('is undefined for the same machine, and for another Node minor or patch version', () => {
    expect(machineDifference(machine, { ...machine })).toBeUndefined();
    expect(machineDifference(machine, { ...machine, node: 'v20.20.2' })).toBeUndefined();
    expect(machineDifference(machine, { ...machine, runner: 'vitest 4.2.0' })).toBeUndefined();
  });

  it('names each difference: CPU, cores, Node major, platform or arch, runner', () => {
    expect(machineDifference(machine, { ...machine, cpu: 'Apple M2' })).toBe('CPU AMD EPYC 7B13 → Apple M2');
    expect(machineDifference(machine, { ...machine, cores: 2 })).toBe('8 → 2 cores');
    expect(machineDifference(machine, { ...machine, node: 'v22.11.0' })).toBe('Node v20.19.5 → v22.11.0');
    expect(machineDifference(machine, { ...machine, platform: 'darwin' })).toBe('linux/x64 → darwin/x64');
    expect(machineDifference(machine, { ...machine, arch: 'arm64' })).toBe('linux/x64 → linux/arm64');
    expect(machineDifference(machine, { ...machine, runner: 'jest 30.5.2' })).toBe(
      'vitest 4.1.12 → jest 30.5.2',
    );
    const { runner: _, ...noRunner } = machine;
    expect(machineDifference(noRunner, machine)).toBe('unknown runner → vitest 4.1.12');
    expect(machineDifference(machine, { ...machine, cpu: 'Apple M2', cores: 12, node: 'v22.1.0' })).toBe(
      'CPU AMD EPYC 7B13 → Apple M2, 8 → 12 cores, Node v20.19.5 → v22.1.0',
    );
  });
});

describe('writeBaseline', () => {
  it('creates the file, keeps other entries, replaces its own, and sorts keys', () => {
    const path = fresh();
    expect(readBaselines(path)).toEqual({ schema: 'headroom-baseline', version: 1, entries: {} });
    writeBaseline(path, 'orders > list', entry(2));
    writeBaseline(path, 'carts > add', entry(1));
    writeBaseline(path, 'orders > detail', entry(3));
    writeBaseline(path, 'orders > list', entry(4));
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const file = JSON.parse(text);
    expect(file.schema).toBe('headroom-baseline');
    expect(file.version).toBe(1);
    expect(Object.keys(file.entries)).toEqual(['carts > add', 'orders > detail', 'orders > list']);
    expect(file.entries['orders > list']).toEqual(entry(4));
    expect(file.entries['carts > add']).toEqual(entry(1));
    expect(readBaselines(path)).toEqual(file);
    expect(readdirSync(join(path, '..'))).toEqual(['orders.test.ts.json']);
  });

  it('refuses a corrupt file with HEADROOM_ERR_BAD_FILE and leaves it as it was, with no lock', () => {
    const path = fresh();
    mkdirSync(join(path, '..'), { recursive: true });
    const corrupt = '{"schema":"headroom-baseline","version":1,"entries":{"a":';
    writeFileSync(path, corrupt);
    let error: unknown;
    try {
      writeBaseline(path, 'orders > list', entry(2));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HeadroomError);
    expect((error as HeadroomError).code).toBe('HEADROOM_ERR_BAD_FILE');
    expect((error as HeadroomError).message).toContain(path);
    expect(readFileSync(path, 'utf8')).toBe(corrupt);
    expect(readdirSync(join(path, '..'))).toEqual(['orders.test.ts.json']);
  });

  it('loses no entry when six processes write ten entries each into one file at once', async () => {
    // The children load baseline.ts bundled by esbuild: no dependency on a built dist/.
    // (Checked by hand: children that read and write the same way without the lock lose entries.)
    const bundle = bundleSource('report/baseline', dir);
    const path = fresh();
    const codes = await runTogether(
      dir,
      bundle,
      path,
      6,
      `const { writeBaseline } = m;
for (let i = 0; i < 10; i++) {
  writeBaseline(path, 'w' + worker + ' test ' + i, {
    metrics: { queries: { value: Number(worker) * 100 + i, unit: 'count' } },
    environment: { node: process.version, platform: 'linux', arch: 'x64', cpu: 'x', cores: 1 },
    updatedAt: new Date().toISOString(),
  });
}
`,
    );
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    const expected = Array.from({ length: 6 }, (_, w) =>
      Array.from({ length: 10 }, (_, i) => `w${w} test ${i}`),
    )
      .flat()
      .sort();
    expect(Object.keys(file.entries)).toEqual(expected);
    for (let w = 0; w < 6; w++)
      for (let i = 0; i < 10; i++)
        expect(file.entries[`w${w} test ${i}`].metrics.queries.value).toBe(w * 100 + i);
    // No temporary file or lock is left behind.
    expect(readdirSync(join(path, '..'))).toEqual(['orders.test.ts.json']);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

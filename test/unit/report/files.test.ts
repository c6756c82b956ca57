import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HeadroomError } from '../../../src/errors.js';
import { readJsonFile, withFileLock, writeFileAtomic } from '../../../src/report/files.js';
import { bundleSource, runTogether } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A fresh, empty folder. */
const fresh = () => {
  const d = join(dir, `case-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

function thrown(fn: () => unknown): HeadroomError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HeadroomError);
    return error as HeadroomError;
  }
  throw new Error('expected a HeadroomError, nothing was thrown');
}

describe('writeFileAtomic', () => {
  it('creates missing folders, replaces the content and leaves no temporary file', () => {
    const d = fresh();
    const path = join(d, 'deep', 'er', 'report.json');
    writeFileAtomic(path, 'first\n');
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    writeFileAtomic(path, 'second, longer than the first\n');
    writeFileAtomic(path, 'x');
    expect(readFileSync(path, 'utf8')).toBe('x');
    expect(readdirSync(join(d, 'deep', 'er'))).toEqual(['report.json']);
  });

  it('removes its temporary file when the rename fails, and rethrows', () => {
    const d = fresh();
    const path = join(d, 'taken');
    mkdirSync(path); // a folder where the file should go: the rename fails
    expect(() => writeFileAtomic(path, 'text')).toThrow();
    expect(readdirSync(d)).toEqual(['taken']);
    expect(readdirSync(path)).toEqual([]);
  });
});

describe('withFileLock', () => {
  it('returns what fn returns, holds <path>.lock while fn runs and removes it after, even when fn throws', () => {
    const path = join(fresh(), 'baseline.json');
    const seen = withFileLock(path, () => existsSync(`${path}.lock`));
    expect(seen).toBe(true);
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(() =>
      withFileLock(path, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('breaks a lock left behind more than 10 s ago', () => {
    const path = join(fresh(), 'baseline.json');
    writeFileSync(`${path}.lock`, '');
    const old = (Date.now() - 11_000) / 1000;
    utimesSync(`${path}.lock`, old, old);
    const t0 = Date.now();
    expect(withFileLock(path, () => 'ran', 2_000)).toBe('ran');
    expect(Date.now() - t0).toBeLessThan(1_500); // it did not wait for the timeout
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('times out with HEADROOM_ERR_BAD_FILE while a fresh lock is held, without running fn or removing the lock', () => {
    const path = join(fresh(), 'baseline.json');
    writeFileSync(`${path}.lock`, '');
    // 8 s old: not stale yet.
    const recent = (Date.now() - 8_000) / 1000;
    utimesSync(`${path}.lock`, recent, recent);
    let ran = false;
    const t0 = Date.now();
    const error = thrown(() =>
      withFileLock(
        path,
        () => {
          ran = true;
        },
        150,
      ),
    );
    const waited = Date.now() - t0;
    expect(error.code).toBe('HEADROOM_ERR_BAD_FILE');
    expect(error.message).toContain(`${path}.lock`);
    expect(ran).toBe(false);
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2_000);
    expect(existsSync(`${path}.lock`)).toBe(true);
  });

  it('serializes read-modify-write cycles of four processes on one file', async () => {
    const d = fresh();
    // The children load files.ts bundled by esbuild: no dependency on a built dist/.
    const bundle = bundleSource('report/files', d);
    const path = join(d, 'counter');
    writeFileSync(path, '0');
    // Each child increments a counter 15 times, read and written non-atomically with a pause in
    // between, and logs entering and leaving the lock: without the lock, increments are lost and
    // the log interleaves.
    const codes = await runTogether(
      d,
      bundle,
      path,
      4,
      `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
const { withFileLock } = m;
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; i < 15; i++) {
  withFileLock(path, () => {
    appendFileSync(path + '.log', 'enter ' + worker + '\\n');
    const value = Number(readFileSync(path, 'utf8'));
    Atomics.wait(pause, 0, 0, 2);
    writeFileSync(path, String(value + 1));
    appendFileSync(path + '.log', 'leave ' + worker + '\\n');
  });
}
`,
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(readFileSync(path, 'utf8')).toBe('60');
    const log = readFileSync(`${path}.log`, 'utf8').trimEnd().split('\n');
    expect(log).toHaveLength(120);
    for (let i = 0; i < log.length; i += 2) {
      const worker = log[i]?.split(' ')[1];
      expect([log[i], log[i + 1]]).toEqual([`enter ${worker}`, `leave ${worker}`]);
    }
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

describe('readJsonFile', () => {
  const schema = 'headroom-baseline';

  it('returns undefined for a missing file, and the value for a file of the schema at or below the version', () => {
    const d = fresh();
    expect(readJsonFile(join(d, 'missing.json'), schema, 1)).toBeUndefined();
    const path = join(d, 'ok.json');
    writeFileSync(path, JSON.stringify({ schema, version: 1, entries: { a: 1 } }));
    expect(readJsonFile(path, schema, 2)).toEqual({ schema, version: 1, entries: { a: 1 } });
  });

  it.each([
    ['not JSON', '{"schema":"headroom-baseline","version":1,"entr', /is not valid JSON/],
    ['empty', '', /is not valid JSON/],
    [
      'of another schema',
      '{"schema":"headroom-report","version":1}',
      /is not a headroom-baseline file .*"headroom-report"/,
    ],
    ['without a schema', '{"version":1}', /is not a headroom-baseline file/],
    ['an array', '[{"schema":"headroom-baseline","version":1}]', /is not a headroom-baseline file/],
    ['null', 'null', /is not a headroom-baseline file/],
    [
      'of a newer version',
      '{"schema":"headroom-baseline","version":2}',
      /version 2 of headroom-baseline, .*up to version 1/,
    ],
    ['of version 0', '{"schema":"headroom-baseline","version":0}', /version 0 of headroom-baseline/],
    [
      'with a string version',
      '{"schema":"headroom-baseline","version":"1"}',
      /version "1" of headroom-baseline/,
    ],
  ])(
    'refuses a file %s with HEADROOM_ERR_BAD_FILE naming the path, and leaves it untouched',
    (_, text, reason) => {
      const path = join(fresh(), 'x.test.ts.json');
      writeFileSync(path, text);
      const error = thrown(() => readJsonFile(path, schema, 1));
      expect(error.code).toBe('HEADROOM_ERR_BAD_FILE');
      expect(error.message).toContain(`Failed to read ${path}: `);
      expect(error.message).toMatch(reason);
      expect(error.message).toContain('never overwrites');
      expect(readFileSync(path, 'utf8')).toBe(text);
    },
  );
});

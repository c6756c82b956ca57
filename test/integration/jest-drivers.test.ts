/**
 * Zero-config counting under jest, the way a user's project runs it: several test files in one
 * worker (jest loads headroom afresh for each, while better-sqlite3's native prototypes are shared
 * by all), with jest's strict globals cleanup on.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
let dir = '';

const spec = (n: number) => `
const Database = require('better-sqlite3');
const http = require('node:http');

test('file ${n}: statements and requests are counted', async () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER)');
  await expect(() => {
    db.prepare('SELECT * FROM t').all();
    db.prepare('SELECT 1').get();
  }).toStayWithin({ queries: 2 });
  const server = http.createServer((req, res) => {
    db.prepare('SELECT 2').get();
    res.end('ok');
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const url = 'http://127.0.0.1:' + server.address().port + '/';
  await expect(async () => (await fetch(url)).text()).toStayWithin({ requests: 1, queries: 1 });
  server.close();
});

test('file ${n}: an N+1 fails with its shape', async () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER)');
  await expect(() => {
    for (const id of [1, 2, 3]) db.prepare('SELECT * FROM t WHERE id = ?').get(id);
  }).toStayWithin({ repeatedQueries: 0 });
});
`;

beforeAll(() => {
  mkdirSync(join(repo, '.headroom-tmp'), { recursive: true });
  dir = mkdtempSync(join(repo, '.headroom-tmp', 'jest-drivers-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repo, join(dir, 'node_modules', 'headroom'));
  writeFileSync(
    join(dir, 'jest.config.cjs'),
    `module.exports = { rootDir: __dirname, testEnvironment: 'node', testEnvironmentOptions: { globalsCleanup: 'on' },
      setupFilesAfterEnv: ['headroom/jest'], testMatch: ['**/*.test.cjs'] };`,
  );
  for (const n of [1, 2, 3]) writeFileSync(join(dir, `file${n}.test.cjs`), spec(n));
});

describe('jest, three test files in one worker', () => {
  it('counts in every file, and fails exactly the N+1 tests', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(repo, 'node_modules/jest/bin/jest.js'),
        '--runInBand',
        '--ci',
        '-c',
        join(dir, 'jest.config.cjs'),
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
    );
    const output = run.stdout + run.stderr;
    expect(run.status).toBe(1);
    expect(output).toMatch(/Tests: +3 failed, 3 passed, 6 total/);
    expect(output.match(/×3 +SELECT \* FROM t WHERE id = \?/g)).toHaveLength(3);
    expect(output).not.toMatch(/soft deleted|TypeError/);
  }, 60_000);
});

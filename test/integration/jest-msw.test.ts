/**
 * headroom/msw under jest: msw 2 with jest's modern fake timers, duration measured in virtual
 * time. msw 2 depends on a few ESM-only packages, which jest (CommonJS) needs compiled: the config
 * below is the one README.md shows.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
let dir = '';

const config = `module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  setupFilesAfterEnv: ['headroom/jest'],
  testMatch: ['**/*.test.cjs'],
  // msw 2 depends on ESM-only packages: let swc compile them to CommonJS.
  transform: { '^.+\\\\.m?js$': ['@swc/jest', { module: { type: 'commonjs' } }] },
  transformIgnorePatterns: ['/node_modules/(?!(rettime|until-async|@open-draft/deferred-promise)/)'],
};`;

const spec = `
const { http, HttpResponse } = require('msw');
const { setupServer } = require('msw/node');
const { degrade, instrument } = require('headroom/msw');

const inventory = http.get('https://inventory.test/items/:id', () => HttpResponse.json({ stock: 1 }));
const server = setupServer(inventory);
beforeAll(() => {
  server.listen();
  instrument(server);
});
afterEach(() => {
  server.resetHandlers();
  jest.useRealTimers();
});
afterAll(() => server.close());

const get = async (id) => (await fetch('https://inventory.test/items/' + id)).json();

test('sequential calls to a 100 ms downstream take 300 ms of virtual time', async () => {
  jest.useFakeTimers();
  server.use(degrade(inventory, { latency: '100ms', seed: 1 }));
  await expect(async () => {
    for (const id of [1, 2, 3]) await get(id);
  }).toStayWithin({ duration: { max: '300ms' }, requests: 3, roundTrips: 3 });
  await expect(() => Promise.all([1, 2, 3].map(get))).toStayWithin({ duration: '100ms', roundTrips: 1 });
});

test('fails: the sequential version against a 250 ms budget', async () => {
  jest.useFakeTimers();
  server.use(degrade(inventory, { latency: '100ms', seed: 1 }));
  await expect(async () => {
    for (const id of [1, 2, 3]) await get(id);
  }).toStayWithin({ duration: '250ms' });
});
`;

beforeAll(() => {
  mkdirSync(join(repo, '.headroom-tmp'), { recursive: true });
  dir = mkdtempSync(join(repo, '.headroom-tmp', 'jest-msw-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repo, join(dir, 'node_modules', 'headroom'));
  writeFileSync(join(dir, 'jest.config.cjs'), config);
  writeFileSync(join(dir, 'checkout.test.cjs'), spec);
});

it('measures msw-delayed calls in virtual time under jest modern fake timers', () => {
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [join(repo, 'node_modules/jest/bin/jest.js'), '--ci', '-c', join(dir, 'jest.config.cjs')],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0' },
    },
  );
  const output = run.stdout + run.stderr;
  expect(output).toMatch(/Tests: +1 failed, 1 passed, 2 total/);
  expect(output).toMatch(/✗ duration \(median\) +250 ms +300 ms/);
  expect(output).toMatch(/simulated: \+100 ms latency \(seed 1\)/);
  expect(Date.now() - started).toBeLessThan(30_000);
}, 60_000);

/**
 * Zero-config counting under vitest through the built ESM package, the way a user's project runs
 * it: `headroom/vitest` in setupFiles, better-sqlite3 imported by the code under test, nothing
 * else. (A bundler stand-in for `require` in the ESM build once made auto-instrumentation find
 * nothing here while every test still passed.)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
let dir = '';

beforeAll(() => {
  mkdirSync(join(repo, '.headroom-tmp'), { recursive: true });
  dir = mkdtempSync(join(repo, '.headroom-tmp', 'vitest-drivers-'));
  // A copy, as npm installs it: vitest loads a real node_modules package as Node does (a symlink
  // to the repo would be transformed by vitest instead, with CommonJS globals that hide bugs).
  const installed = join(dir, 'node_modules', 'headroom');
  mkdirSync(installed, { recursive: true });
  cpSync(join(repo, 'dist'), join(installed, 'dist'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(installed, 'package.json'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    "export default { test: { setupFiles: ['headroom/vitest'], include: ['*.test.mjs'] } };",
  );
  writeFileSync(
    join(dir, 'orders.test.mjs'),
    `import Database from 'better-sqlite3';
import { expect, it } from 'vitest';

const db = new Database(':memory:');
db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, order_id INTEGER)');
const byOrder = (id) => db.prepare('SELECT * FROM items WHERE order_id = ?').all(id);

it('counts one query', async () => {
  await expect(() => byOrder(1)).toStayWithin({ queries: 1 });
});

it('measures allocations, blocks and leaks in this pool too', async () => {
  const cache = new Map();
  await expect(() => {
    if (!cache.has('k')) cache.set('k', new Array(10000).fill(1));
    return cache.get('k').length;
  }).toStayWithin({ allocated: '1MB', eventLoopBlock: '50ms', retained: '1kB' });
});

it('fails: an N+1 over three orders', async () => {
  await expect(() => [1, 2, 3].map(byOrder)).toStayWithin({ queries: 1 });
});
`,
  );
});

it.each(['forks', 'threads'])(
  'counts better-sqlite3 statements with nothing but the setup file (%s pool)',
  (pool) => {
    const run = spawnSync(
      process.execPath,
      [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, `--pool=${pool}`],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' },
      },
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the runner's colours
    const output = (run.stdout + run.stderr).replace(/\u001b\[[0-9;]*m/g, '');
    expect(output).toMatch(/Tests +1 failed \| 2 passed \(3\)/);
    expect(output).toMatch(/✗ queries +1 +3 +-2/);
    expect(output).toMatch(/×3 +SELECT \* FROM items WHERE order_id = \?/);
  },
  60_000,
);

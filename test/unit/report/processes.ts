// Concurrent writers for the file tests: a child script that imports a module of src/ (bundled
// by esbuild, so no built dist/ is needed), started in several processes that wait for one
// moment and then all write at once.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** Bundles `src/<module>.ts` into `dir` as an ES module; returns its path. */
export function bundleSource(module: string, dir: string): string {
  const outfile = join(dir, `${module.replace(/\W/g, '-')}.bundle.mjs`);
  buildSync({
    entryPoints: [new URL(`../../../src/${module}.ts`, import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * Writes `body` as a child script into `dir` and runs it in `count` processes at once. The body
 * sees `bundle` (the module's exports, imported as `m`), `path`, `worker` (0…count-1) and starts
 * after a shared moment 400 ms away. Resolves to the exit codes.
 */
export async function runTogether(
  dir: string,
  bundle: string,
  path: string,
  count: number,
  body: string,
): Promise<(number | null)[]> {
  const child = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    child,
    `import * as m from ${JSON.stringify(bundle)};
const [path, worker, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
${body}
`,
  );
  const startAt = Date.now() + 400;
  return Promise.all(
    Array.from(
      { length: count },
      (_, w) =>
        new Promise<number | null>((resolve, reject) => {
          const p = spawn(process.execPath, [child, path, String(w), String(startAt)], { stdio: 'inherit' });
          p.on('error', reject);
          p.on('exit', resolve);
        }),
    ),
  );
}

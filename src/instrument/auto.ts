import { createRequire } from 'node:module';
import { join } from 'node:path';
import { instrument as instrumentBetterSqlite3 } from '../../integrations/better-sqlite3/index.js';
import { instrument as instrumentIoredis } from '../../integrations/ioredis/index.js';
import { instrument as instrumentMysql2 } from '../../integrations/mysql2/index.js';
import { instrument as instrumentNodeSqlite, loadNodeSqlite } from '../../integrations/node-sqlite/index.js';
import { instrument as instrumentPg } from '../../integrations/pg/index.js';
import { errorMessage } from '../errors.js';
import { instrumentHttp } from './http.js';

/** Drivers the runner entries instrument when the project has them installed. */
const DRIVERS: [string, (module: unknown) => boolean][] = [
  ['better-sqlite3', instrumentBetterSqlite3],
  ['pg', instrumentPg],
  ['mysql2', instrumentMysql2],
  ['ioredis', instrumentIoredis],
];

declare const require: NodeRequire | undefined;

/**
 * Loads a package as the project sees it: resolved from the project's root (so pnpm and nested
 * installs find the project's copy, not one next to headroom), and, under jest, through jest's
 * own module registry (so the instance patched is the one the tests get).
 */
export function loadFromProject(name: string, root: string): unknown {
  // The CommonJS build has the module's own `require` (jest's, under jest). In the ESM build the
  // bundler leaves a stand-in named `require` without `resolve`: use Node's loader there, whose
  // cache the ESM imports of these CommonJS drivers share.
  if (typeof require === 'function' && typeof require.resolve === 'function') {
    return require(require.resolve(name, { paths: [root] }));
  }
  return createRequire(join(root, 'package.json'))(name);
}

/** What `autoInstrument()` found. */
export interface AutoInstrumentResult {
  /** Drivers found in the project and instrumented. */
  instrumented: string[];
  /** Drivers found but not loadable (e.g. a native module built for another Node), with the reason. */
  failed: { name: string; reason: string }[];
}

/**
 * Instruments HTTP and every supported driver the project has installed, resolved from `root`
 * (the working directory by default). The runner entries call it; drivers that are not installed
 * are skipped. Calling it twice is harmless.
 *
 * @example import { autoInstrument } from 'headroom'; autoInstrument();
 */
export function autoInstrument(root: string = process.cwd()): AutoInstrumentResult {
  instrumentHttp();
  const result: AutoInstrumentResult = { instrumented: [], failed: [] };
  for (const [name, instrument] of DRIVERS) {
    let module: unknown;
    try {
      module = loadFromProject(name, root);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') {
        result.failed.push({ name, reason: errorMessage(error) });
      }
      continue;
    }
    try {
      instrument((module as { default?: unknown }).default ?? module);
      result.instrumented.push(name);
    } catch (error) {
      result.failed.push({ name, reason: errorMessage(error) });
    }
  }
  // node:sqlite is built in: instrument it where loading it prints no experimental warning.
  if (Number(process.versions.node.split('.')[0]) >= 24 && loadNodeSqlite()) {
    try {
      instrumentNodeSqlite();
      result.instrumented.push('node:sqlite');
    } catch (error) {
      result.failed.push({
        name: 'node:sqlite',
        reason: errorMessage(error),
      });
    }
  }
  return result;
}

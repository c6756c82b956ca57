/**
 * Safe files for baselines, reports and history: every write goes to a temporary file in the
 * same folder and is renamed over the target (readers see the old file or the new one, never half
 * of one); read-modify-write cycles hold a lock file, so concurrent workers never lose each
 * other's updates; a file that is not valid JSON of the expected schema is an error naming the
 * file, and is never overwritten.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { HeadroomError } from '../errors.js';

let tmpCounter = 0;

/** Writes `text` to `path` atomically: a temporary file beside it, then a rename. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${tmpCounter++}.${Date.now().toString(36)}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {}
    throw error;
  }
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** A lock older than this is taken to belong to a process that died holding it. */
const STALE_LOCK_MS = 10_000;

/**
 * Runs `fn` holding `<path>.lock` (created exclusively; removed after). Waits up to `timeoutMs`
 * for another holder, and breaks a lock left behind for more than 10 s by a process that died.
 * Synchronous, so that it works from a reporter's exit hooks as well as from tests.
 */
export function withFileLock<T>(path: string, fn: () => T, timeoutMs = 30_000): T {
  mkdirSync(dirname(path), { recursive: true });
  const lock = `${path}.lock`;
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) {
          unlinkSync(lock);
          continue;
        }
      } catch {
        continue; // removed meanwhile: try again at once
      }
      if (Date.now() > deadline) {
        throw new HeadroomError(
          'HEADROOM_ERR_BAD_FILE',
          `Failed to write ${path}: the lock ${lock} was held by another process for ${Math.round(timeoutMs / 1000)} s. ` +
            'Please delete the lock file if no headroom run is going on.',
        );
      }
      Atomics.wait(SLEEP, 0, 0, wait);
      wait = Math.min(wait * 2, 50);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {}
  }
}

/**
 * Reads a JSON file written by headroom. Returns undefined when it does not exist; throws
 * `HEADROOM_ERR_BAD_FILE` when it is not JSON, or is JSON of another schema or a newer version.
 */
export function readJsonFile<T extends { schema: string; version: number }>(
  path: string,
  schema: string,
  version: number,
): T | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badFile(path, `it is not valid JSON (${(error as Error).message})`, schema);
  }
  checkSchema(path, value, schema, version);
  return value as T;
}

/** Throws `HEADROOM_ERR_BAD_FILE` unless `value` is an object of `schema` at most `version`. */
export function checkSchema(path: string, value: unknown, schema: string, version: number): void {
  const v = value as { schema?: unknown; version?: unknown } | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v.schema !== schema) {
    throw badFile(
      path,
      `it is not a ${schema} file (its "schema" field is ${JSON.stringify(v?.schema)})`,
      schema,
    );
  }
  if (typeof v.version !== 'number' || v.version > version || v.version < 1) {
    throw badFile(
      path,
      `it is version ${JSON.stringify(v.version)} of ${schema}, and this headroom reads up to version ${version}`,
      schema,
    );
  }
}

/** The error for a corrupt or foreign file. */
export function badFile(path: string, reason: string, schema: string): HeadroomError {
  return new HeadroomError(
    'HEADROOM_ERR_BAD_FILE',
    `Failed to read ${path}: ${reason}. headroom never overwrites a file it cannot read. ` +
      `Please restore it from version control, or delete it to start a new ${schema}.`,
  );
}

/**
 * Baseline files of `toMatchPerformanceBaseline`: one per test file, in `__baselines__/` beside
 * it, keyed by test name (and label), written the way snapshots are — on first run, on the
 * runner's update flag (`vitest -u`, `jest -u`) or `HEADROOM_UPDATE=1`, and never when `CI` is set
 * without one. Written atomically under a lock; a corrupt or foreign file is an error, never
 * overwritten.
 */
import { basename, dirname, join } from 'node:path';
import { processWide } from '../measure/scope.js';
import { readJsonFile, withFileLock, writeFileAtomic } from './files.js';
import type { ReportEnvironment } from './schema.js';

export const BASELINE_SCHEMA = 'headroom-baseline';
export const BASELINE_VERSION = 1;

/** The metrics a baseline can hold. */
export const BASELINE_METRICS = [
  'queries',
  'repeatedQueries',
  'requests',
  'roundTrips',
  'allocated',
  'retained',
  'duration',
  'cpu',
  'eventLoopBlock',
] as const;
export type BaselineMetric = (typeof BASELINE_METRICS)[number];

/** Counted exactly by default. */
export const COUNT_METRICS: readonly BaselineMetric[] = [
  'queries',
  'repeatedQueries',
  'requests',
  'roundTrips',
];

/** What is compared when the options name no metrics. */
export const DEFAULT_BASELINE_METRICS: readonly BaselineMetric[] = [...COUNT_METRICS, 'allocated'];

/** One stored value. */
export interface BaselineValue {
  /** The value the engine judges by (counts; median bytes; median ms; least block). */
  value: number;
  unit: 'count' | 'ms' | 'bytes';
  /** Confidence interval of a time value. */
  interval?: [number, number];
  /** How it was measured, e.g. `"25 calls"`. */
  evidence?: string;
}

/** One test's baseline. */
export interface BaselineEntry {
  metrics: Partial<Record<BaselineMetric, BaselineValue>>;
  environment: Pick<ReportEnvironment, 'node' | 'platform' | 'arch' | 'cpu' | 'cores' | 'runner'>;
  updatedAt: string;
}

/** A baseline file. */
export interface BaselineFile {
  schema: typeof BASELINE_SCHEMA;
  version: number;
  entries: Record<string, BaselineEntry>;
}

/** The baseline file of a test file: `<dir>/__baselines__/<name>.json`. */
export function baselinePath(testPath: string): string {
  return join(dirname(testPath), '__baselines__', `${basename(testPath)}.json`);
}

/** Reads a baseline file; an empty one when it does not exist. */
export function readBaselines(path: string): BaselineFile {
  return (
    readJsonFile<BaselineFile>(path, BASELINE_SCHEMA, BASELINE_VERSION) ?? {
      schema: BASELINE_SCHEMA,
      version: BASELINE_VERSION,
      entries: {},
    }
  );
}

/**
 * Stores one entry: under the file's lock, the file is read again (another worker may have
 * written since), the entry set, and the file replaced atomically. Keys are sorted, so that the
 * file diffs well in review.
 */
export function writeBaseline(path: string, key: string, entry: BaselineEntry): void {
  withFileLock(path, () => {
    const file = readBaselines(path);
    file.entries[key] = entry;
    const sorted: Record<string, BaselineEntry> = {};
    for (const k of Object.keys(file.entries).sort()) sorted[k] = file.entries[k] as BaselineEntry;
    writeFileAtomic(
      path,
      `${JSON.stringify({ schema: BASELINE_SCHEMA, version: BASELINE_VERSION, entries: sorted }, null, 2)}\n`,
    );
  });
}

/** How baselines may be written in this run. */
export type UpdateMode = 'all' | 'new' | 'none';

/**
 * The update mode: `HEADROOM_UPDATE=1` or the runner's `-u` writes every baseline; otherwise a
 * missing one is written, unless `CI` is set (as snapshots under `--ci`).
 */
export function updateMode(runnerMode: unknown, env: NodeJS.ProcessEnv = process.env): UpdateMode {
  const flag = env.HEADROOM_UPDATE;
  if (flag !== undefined && flag !== '' && flag !== '0' && flag !== 'false') return 'all';
  if (runnerMode === 'all') return 'all';
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false';
  if (ci || runnerMode === 'none') return 'none';
  return 'new';
}

const KEYS = Symbol.for('headroom.baseline-keys.v1');
const used = (processWide[KEYS] ??= new Map()) as Map<string, number>;

/** The key of the next baseline of a test: its name, ` › label`, and ` #n` for repeats. */
export function baselineKey(testName: string, label: string | undefined): string {
  const base = `${testName}${label !== undefined ? ` › ${label}` : ''}`;
  const n = (used.get(base) ?? 0) + 1;
  used.set(base, n);
  return n > 1 ? `${base} #${n}` : base;
}

/** Forgets the keys used by the test that ended. */
export function resetBaselineKeys(): void {
  used.clear();
}

/** Why a baseline measured elsewhere may not compare, or undefined when it was measured here alike. */
export function machineDifference(
  stored: BaselineEntry['environment'],
  here: BaselineEntry['environment'],
): string | undefined {
  const diffs: string[] = [];
  if (stored.cpu !== here.cpu) diffs.push(`CPU ${stored.cpu} → ${here.cpu}`);
  if (stored.cores !== here.cores) diffs.push(`${stored.cores} → ${here.cores} cores`);
  if (stored.node.split('.')[0] !== here.node.split('.')[0]) diffs.push(`Node ${stored.node} → ${here.node}`);
  if (stored.platform !== here.platform || stored.arch !== here.arch) {
    diffs.push(`${stored.platform}/${stored.arch} → ${here.platform}/${here.arch}`);
  }
  if ((stored.runner ?? '').split(' ')[0] !== (here.runner ?? '').split(' ')[0]) {
    diffs.push(`${stored.runner ?? 'unknown runner'} → ${here.runner ?? 'unknown runner'}`);
  }
  return diffs.length ? diffs.join(', ') : undefined;
}

/**
 * Merging the reports of `vitest --shard` runs (`npx headroom merge`): each shard writes
 * `headroom-report.shard-<i>.json`; the merge is one report as if the suite had run at once.
 */
import { HeadroomError } from '../errors.js';
import { type HeadroomReport, REPORT_SCHEMA, summarize } from './schema.js';

/** Options of {@link mergeReports}. */
export interface MergeOptions {
  /** Where each report came from (file paths), to name them in errors. */
  sources?: readonly string[];
}

/**
 * One report out of several shard reports: contracts and traced tests concatenated in the order
 * given, an id that occurs more than once keeping its last occurrence (in the place of its first);
 * the summary recomputed; the environment of the first report; `shard` removed; `createdAt` the
 * latest. Throws `HEADROOM_ERR_BAD_FILE` when the reports are not all of one schema version, and
 * `HEADROOM_ERR_INVALID_OPTION` when there is none.
 *
 * @example
 * const merged = mergeReports([shard1, shard2]);
 */
export function mergeReports(reports: readonly HeadroomReport[], options: MergeOptions = {}): HeadroomReport {
  const first = reports[0];
  if (!first) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_OPTION',
      'Failed to merge reports: there is no report to merge. Please pass the shard reports (headroom-report.shard-*.json).',
    );
  }
  const name = (i: number) => options.sources?.[i] ?? `report ${i + 1}`;
  reports.forEach((r, i) => {
    if (r?.schema !== REPORT_SCHEMA) {
      throw new HeadroomError(
        'HEADROOM_ERR_BAD_FILE',
        `Failed to merge reports: ${name(i)} is not a ${REPORT_SCHEMA} file (its "schema" field is ${JSON.stringify(r?.schema)}). Please pass only headroom report files.`,
      );
    }
    if (r.version !== first.version) {
      throw new HeadroomError(
        'HEADROOM_ERR_BAD_FILE',
        `Failed to merge reports: ${name(0)} is version ${first.version} of ${REPORT_SCHEMA} and ${name(i)} is version ${JSON.stringify(r.version)}. ` +
          'Please run every shard with the same headroom version.',
      );
    }
  });

  const contracts = dedupe(reports.flatMap((r) => r.contracts ?? []));
  const anyTraces = reports.some((r) => r.traces);
  const traces = dedupe(reports.flatMap((r) => r.traces ?? []));
  let createdAt = first.createdAt;
  for (const r of reports) if (time(r.createdAt) > time(createdAt)) createdAt = r.createdAt;

  const merged: HeadroomReport = {
    schema: REPORT_SCHEMA,
    version: first.version,
    createdAt,
    environment: first.environment,
    contracts,
    summary: summarize(contracts),
  };
  if (anyTraces) merged.traces = traces;
  return merged;
}

/** Items by `id`: the last occurrence of an id wins, in the place of the first. */
function dedupe<T extends { id: string }>(items: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) byId.set(item.id, item);
  return [...byId.values()];
}

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * The shard indexes missing from a set of shard reports, from their `shard.count`: `[]` when
 * every shard is there (or the reports carry no shard information).
 *
 * @example
 * missingShards([{ shard: { index: 1, count: 3 } }, { shard: { index: 3, count: 3 } }]); // [2]
 */
export function missingShards(reports: readonly Pick<HeadroomReport, 'shard'>[]): number[] {
  const count = Math.max(0, ...reports.map((r) => r.shard?.count ?? 0));
  const seen = new Set(reports.map((r) => r.shard?.index));
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(i);
  return missing;
}

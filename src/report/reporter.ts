/**
 * `headroom/reporter`: one reporter for vitest and for jest. At the end of a run it prints every
 * contract of every test, tightest first, and writes `headroom-report.json`, `.md` and `.html`,
 * and appends the run to the history.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { reporters: ['default', ['headroom/reporter', { trace: true }]] } })
 * // jest.config.js
 * module.exports = { reporters: ['default', ['headroom/reporter', { outputDir: 'perf' }]] }
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { errorMessage, HeadroomError, show } from '../errors.js';
import { RESULTS_ENV, type ResultLine, ROOT_ENV } from './collect.js';
import {
  type HeadroomReport,
  REPORT_SCHEMA,
  REPORT_VERSION,
  type ReportContract,
  type ReportEnvironment,
  type ReportTestTrace,
  summarize,
} from './schema.js';
import { formatTable } from './terminal.js';
import { TRACE_ENV } from './trace-tests.js';
import { writeReportFiles } from './write.js';

/** Options of `headroom/reporter`. */
export interface ReporterOptions {
  /**
   * The folder the report files are written to (`HEADROOM_REPORT_DIR` overrides it).
   * @defaultValue `'headroom-report'`
   */
  outputDir?: string;
  /** Write `headroom-report.html`. @defaultValue true */
  html?: boolean;
  /** Write `headroom-report.md` (and append it to `$GITHUB_STEP_SUMMARY` when set). @defaultValue true */
  markdown?: boolean;
  /**
   * The history file each run is appended to (JSON lines), or false for none.
   * @defaultValue `'<outputDir>/headroom-history.jsonl'`
   */
  history?: string | false;
  /**
   * Trace every test, with or without a contract: its queries, requests, round trips and longest
   * event-loop block. `HEADROOM_TRACE=1` does the same. @defaultValue false
   */
  trace?: boolean;
  /** Print the table at the end of the run; a number limits its rows. @defaultValue true (every row) */
  terminal?: boolean | number;
  /** Append the Markdown report to `$GITHUB_STEP_SUMMARY` when it is set. @defaultValue true */
  githubSummary?: boolean;
}

const KNOWN = ['outputDir', 'html', 'markdown', 'history', 'trace', 'terminal', 'githubSummary'];

function checkOptions(options: unknown): ReporterOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_OPTION',
      `Failed to set up headroom/reporter: its options are ${show(options)}. Please pass an object, e.g. ['headroom/reporter', { trace: true }].`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new HeadroomError(
        'HEADROOM_ERR_UNKNOWN_KEY',
        `Failed to set up headroom/reporter: unknown option \`${key}\`. Please use ${KNOWN.map((k) => `\`${k}\``).join(', ')}.`,
      );
    }
  }
  return options as ReporterOptions;
}

/** True for jest's first reporter argument (its global config). */
function isJestConfig(value: unknown): value is JestGlobalConfig {
  return typeof value === 'object' && value !== null && 'rootDir' in value && 'maxWorkers' in value;
}

interface JestGlobalConfig {
  rootDir: string;
  shard?: { shardIndex: number; shardCount: number } | null;
}

interface VitestLike {
  version?: string;
  config?: { root?: string; shard?: { index: number; count: number } };
}

function git(args: string[], cwd: string): string | undefined {
  try {
    return (
      execFileSync('git', args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 2000,
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** Where the run happened: Node, OS, CPU, runner, commit. */
export function environment(runner: string | undefined, cwd = process.cwd()): ReportEnvironment {
  const cpu = cpus()[0]?.model?.trim() || 'unknown CPU';
  const commit = process.env.GITHUB_SHA || git(['rev-parse', 'HEAD'], cwd);
  const branch = process.env.GITHUB_REF_NAME || git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
  return {
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cpu,
    cores: typeof availableParallelism === 'function' ? availableParallelism() : cpus().length,
    ...(runner ? { runner } : {}),
    ...(commit ? { commit } : {}),
    ...(branch && branch !== 'HEAD' ? { branch } : {}),
  };
}

/** Reads every worker's results file of a run. A torn last line (a crashed worker) is skipped. */
export function readResults(dir: string): { contracts: ReportContract[]; traces: ReportTestTrace[] } {
  const contracts: ReportContract[] = [];
  const traces: ReportTestTrace[] = [];
  if (!existsSync(dir)) return { contracts, traces };
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let parsed: ResultLine;
      try {
        parsed = JSON.parse(line) as ResultLine;
      } catch {
        console.warn(
          `[headroom] skipped a torn line in ${join(dir, name)} (a worker ended while writing it)`,
        );
        continue;
      }
      if (parsed.type === 'contract') contracts.push(parsed.contract);
      else if (parsed.type === 'trace') traces.push(parsed.trace);
    }
  }
  // Stable order across runs and pools: by file, then by id.
  contracts.sort((a, b) => a.file.localeCompare(b.file) || a.id.localeCompare(b.id));
  traces.sort((a, b) => a.id.localeCompare(b.id));
  return { contracts, traces };
}

/** Builds the report of a run from its results. */
export function buildReport(
  contracts: ReportContract[],
  traces: ReportTestTrace[],
  env: ReportEnvironment,
  shard?: { index: number; count: number },
): HeadroomReport {
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    createdAt: new Date().toISOString(),
    environment: env,
    ...(shard && shard.count > 1 ? { shard } : {}),
    contracts,
    ...(traces.length ? { traces } : {}),
    summary: summarize(contracts),
  };
}

/**
 * The reporter. vitest constructs it with its options; jest with its global config and the options.
 * It implements both runners' hooks; each runner calls the ones it knows.
 */
export default class HeadroomReporter {
  readonly options: ReporterOptions;
  #root = process.cwd();
  #runner: string | undefined;
  #shard: { index: number; count: number } | undefined;
  #resultsDir: string;
  #error: Error | undefined;

  constructor(first?: unknown, second?: unknown) {
    if (isJestConfig(first)) {
      this.options = checkOptions(second);
      this.#root = first.rootDir;
      if (first.shard && first.shard.shardCount > 1) {
        this.#shard = { index: first.shard.shardIndex, count: first.shard.shardCount };
      }
      this.#runner = runnerVersion('jest', this.#root);
    } else {
      this.options = checkOptions(first);
    }
    // Workers start after reporters are made, and inherit the environment: this is how they know
    // where to write their results, and whether to trace every test.
    this.#resultsDir = join(this.outputDir, `.results-${process.pid}`);
    process.env[RESULTS_ENV] = this.#resultsDir;
    process.env[ROOT_ENV] = this.#root;
    if (this.options.trace) process.env[TRACE_ENV] = '1';
  }

  /** The folder the report goes to. */
  get outputDir(): string {
    return resolve(
      this.#root,
      process.env.HEADROOM_REPORT_DIR || this.options.outputDir || 'headroom-report',
    );
  }

  #clear(): void {
    rmSync(this.#resultsDir, { recursive: true, force: true });
    mkdirSync(this.#resultsDir, { recursive: true });
  }

  // vitest ------------------------------------------------------------------------------------

  onInit(vitest: VitestLike): void {
    if (vitest.config?.root) this.#root = vitest.config.root;
    if (vitest.config?.shard && vitest.config.shard.count > 1) this.#shard = vitest.config.shard;
    this.#runner = vitest.version ? `vitest ${vitest.version}` : runnerVersion('vitest', this.#root);
    this.#resultsDir = join(this.outputDir, `.results-${process.pid}`);
    process.env[RESULTS_ENV] = this.#resultsDir;
    process.env[ROOT_ENV] = this.#root;
    this.#clear();
  }

  /** vitest, each run (watch mode reruns too). */
  onTestRunStart(): void {
    this.#clear();
  }

  /** vitest ≥ 3. */
  onTestRunEnd(): void {
    this.finish();
  }

  // jest --------------------------------------------------------------------------------------

  onRunStart(): void {
    this.#clear();
  }

  onRunComplete(): void {
    this.finish();
  }

  getLastError(): Error | undefined {
    return this.#error;
  }

  // both --------------------------------------------------------------------------------------

  /** Reads the workers' results and writes the report. Returns it (undefined on an error). */
  finish(): HeadroomReport | undefined {
    try {
      const { contracts, traces } = readResults(this.#resultsDir);
      const report = buildReport(contracts, traces, environment(this.#runner, this.#root), this.#shard);
      const dir = this.outputDir;
      const sharded = report.shard !== undefined;
      const history =
        this.options.history === false
          ? false
          : resolve(this.#root, this.options.history ?? join(dir, 'headroom-history.jsonl'));
      // A shard writes its part only: `npx headroom merge` makes the whole report.
      const { files } = sharded
        ? writeReportFiles(dir, report, {
            html: false,
            markdown: false,
            history: false,
            githubSummary: false,
            jsonName: `headroom-report.shard-${report.shard?.index}-of-${report.shard?.count}.json`,
          })
        : writeReportFiles(dir, report, {
            html: this.options.html !== false,
            markdown: this.options.markdown !== false,
            history,
            githubSummary: this.options.githubSummary !== false,
          });
      rmSync(this.#resultsDir, { recursive: true, force: true });
      const terminal = this.options.terminal ?? true;
      if (terminal !== false) {
        const rel = files.map((f) => (f.startsWith(`${this.#root}/`) ? f.slice(this.#root.length + 1) : f));
        process.stdout.write(
          `${formatTable(report, { files: rel, ...(typeof terminal === 'number' ? { maxRows: terminal } : {}) })}\n`,
        );
      }
      return report;
    } catch (error) {
      this.#error = error instanceof Error ? error : new Error(String(error));
      process.stderr.write(`\n[headroom] the report could not be written: ${errorMessage(error)}\n`);
      process.exitCode = 1;
      return undefined;
    }
  }
}

function runnerVersion(name: string, root: string): string | undefined {
  try {
    const require = createRequire(join(root, 'package.json'));
    return `${name} ${(require(`${name}/package.json`) as { version: string }).version}`;
  } catch {
    return name;
  }
}

export type {
  HeadroomReport,
  HistoryEntry,
  HistoryPoint,
  ReportContract,
  ReportEnvironment,
  ReportEvent,
  ReportMetric,
  ReportScale,
  ReportStatus,
  ReportSummary,
  ReportTestTrace,
} from './schema.js';

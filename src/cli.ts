/**
 * The `headroom` command (Node only): `headroom merge`, `headroom trend`, `headroom export`.
 * `main(argv)` returns the exit code: 0 done, 1 a file could not be read or written (or
 * `--fail-on-drift` found drift), 2 a usage error (unknown command or option, bad value).
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HeadroomError } from './errors.js';
import { toBencher } from './report/bencher.js';
import { readJsonFile, writeFileAtomic } from './report/files.js';
import { readHistory } from './report/history.js';
import { mergeReports, missingShards } from './report/merge.js';
import { type HeadroomReport, REPORT_SCHEMA, REPORT_VERSION } from './report/schema.js';
import { computeTrends, formatTrend } from './report/trend.js';
import { writeReportFiles } from './report/write.js';

/** Where the command writes its output; `main` uses the process's streams unless told otherwise. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The folder relative paths are resolved against. @defaultValue process.cwd() */
  cwd: string;
}

const DEFAULT_DIR = 'headroom-report';
const REPORT_FILE = 'headroom-report.json';
const HISTORY_FILE = 'headroom-history.jsonl';
const SHARD_FILE = /^headroom-report\.shard-(.+)\.json$/;

const HELP = `Usage: headroom <command> [options]

Commands:
  merge    merge the reports of sharded runs into one report (and append it to the history)
  trend    show how each contract's headroom moved over the last runs, and flag steady drift
  export   print the latest report in another format (Bencher Metric Format)

Run "headroom <command> --help" for a command's options.
`;

const HELP_MERGE = `Usage: headroom merge [files...] [options]

Merges the reports of "vitest --shard" runs into one headroom-report.json, writes the Markdown and
HTML reports beside it, and appends the merged run to the history. With no files, merges every
headroom-report.shard-*.json in the report folder.

Options:
  --dir <dir>          the report folder to find shard reports in (default: headroom-report)
  --out-dir <dir>      where to write the merged reports (default: the report folder)
  --history <path>     the history file to append to (default: <out-dir>/headroom-history.jsonl)
  --no-history         do not append the merged run to the history
  -h, --help           show this help
`;

const HELP_TREND = `Usage: headroom trend [options]

Prints, per contract and metric, how its headroom moved over the last runs of the history, with a
sparkline, and flags steady drift toward the budget. Drift is information: the exit code is 0
unless --fail-on-drift is given.

Drift: a time or byte metric drifts when, over at least 5 runs, its headroom fell by 10
percentage points or more (Theil–Sen fit), by more than 3 times the run-to-run noise, and
consistently (Mann–Kendall, p < 0.01). A count (queries, requests, round trips, also of traced
tests) drifts when, over at least 5 runs, it rose and never came down.

Options:
  --history <path>     the history file (default: headroom-report/headroom-history.jsonl)
  --last <n>           how many of the newest runs to look at (default: 10)
  --json               print the trends as JSON instead of a table
  --fail-on-drift      exit with code 1 when a row drifts
  -h, --help           show this help
`;

const HELP_EXPORT = `Usage: headroom export --format bencher [options]

Prints a report in Bencher Metric Format (BMF) JSON, for "bencher run --adapter json".

Options:
  --format <format>    the output format; one of: bencher
  --input <path>       the report to export (default: headroom-report/headroom-report.json)
  --out <file>         write to this file instead of standard output
  -h, --help           show this help
`;

/** A usage error: exit code 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/**
 * Runs the `headroom` command with `argv` (the arguments after the program name) and returns
 * its exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const out: CliIo = {
    stdout: io.stdout ?? ((t) => process.stdout.write(t)),
    stderr: io.stderr ?? ((t) => process.stderr.write(t)),
    cwd: io.cwd ?? process.cwd(),
  };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'merge':
        return merge(rest, out);
      case 'trend':
        return trend(rest, out);
      case 'export':
        return exportReport(rest, out);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        out[command === undefined ? 'stderr' : 'stdout'](HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}". The commands are merge, trend and export.`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command ? `headroom ${error.command} --help` : 'headroom --help';
      out.stderr(`headroom: ${error.message}\nRun "${help}" for usage.\n`);
      return 2;
    }
    if (error instanceof HeadroomError) {
      out.stderr(`headroom: ${error.message}\n`);
      return 1;
    }
    const e = error as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      out.stderr(`headroom: ${e.message}\nRun "headroom ${command} --help" for usage.\n`);
      return 2;
    }
    if (typeof e?.code === 'string' && typeof e.syscall === 'string') {
      out.stderr(`headroom: ${e.message}\n`);
      return 1;
    }
    throw error;
  }
}

function merge(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      dir: { type: 'string' },
      'out-dir': { type: 'string' },
      history: { type: 'string' },
      'no-history': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(HELP_MERGE);
    return 0;
  }
  if (values.history !== undefined && values['no-history']) {
    throw new UsageError('--history and --no-history contradict each other; pass one.', 'merge');
  }
  const dir = resolve(io.cwd, values.dir ?? DEFAULT_DIR);
  const outDir = values['out-dir'] !== undefined ? resolve(io.cwd, values['out-dir']) : dir;
  let files = positionals.map((f) => resolve(io.cwd, f));
  if (files.length === 0) {
    files = shardFiles(dir);
    if (files.length === 0) {
      throw new HeadroomError(
        'HEADROOM_ERR_BAD_FILE',
        `Failed to merge: there is no headroom-report.shard-*.json in ${dir}. ` +
          'Please run each "vitest --shard" with the headroom reporter first, or pass the report files.',
      );
    }
  }
  const reports = files.map((f) => readReport(f));
  const merged = mergeReports(reports, { sources: files });
  const missing = missingShards(reports);
  if (missing.length > 0) {
    io.stderr(
      `headroom: warning: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${Math.max(...reports.map((r) => r.shard?.count ?? 0))} missing; the merged report covers the others only.\n`,
    );
  }
  const history = values['no-history']
    ? false
    : values.history !== undefined
      ? resolve(io.cwd, values.history)
      : join(outDir, HISTORY_FILE);
  const { files: written } = writeReportFiles(outDir, merged, { history });
  const s = merged.summary;
  io.stdout(
    `Merged ${reports.length} report${reports.length === 1 ? '' : 's'}: ${s.contracts} contracts, ${s.passed} passed, ${s.failed} failed, ${s.inconclusive} inconclusive.\n` +
      written.map((f) => `  wrote ${f}\n`).join(''),
  );
  return 0;
}

/** The shard reports in `dir`, ordered by shard number. */
function shardFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const num = (name: string) => Number.parseInt(SHARD_FILE.exec(name)?.[1] ?? '', 10);
  return names
    .filter((n) => SHARD_FILE.test(n))
    .sort((a, b) => (num(a) || 0) - (num(b) || 0) || a.localeCompare(b))
    .map((n) => join(dir, n));
}

function readReport(path: string): HeadroomReport {
  const report = readJsonFile<HeadroomReport>(path, REPORT_SCHEMA, REPORT_VERSION);
  if (!report) {
    throw new HeadroomError(
      'HEADROOM_ERR_BAD_FILE',
      `Failed to read ${path}: there is no such file. Please run the tests with the headroom reporter first, or pass the path of a report.`,
    );
  }
  if (!Array.isArray(report.contracts)) {
    throw new HeadroomError(
      'HEADROOM_ERR_BAD_FILE',
      `Failed to read ${path}: it has no "contracts" list. Please pass a report written by headroom.`,
    );
  }
  return report;
}

function trend(args: string[], io: CliIo): number {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      history: { type: 'string' },
      last: { type: 'string' },
      json: { type: 'boolean' },
      'fail-on-drift': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(HELP_TREND);
    return 0;
  }
  let last: number | undefined;
  if (values.last !== undefined) {
    last = Number(values.last);
    if (!/^\d+$/.test(values.last) || !(last >= 2)) {
      throw new UsageError(
        `--last must be a whole number of runs, at least 2; got "${values.last}".`,
        'trend',
      );
    }
  }
  const path = resolve(io.cwd, values.history ?? join(DEFAULT_DIR, HISTORY_FILE));
  const history = readHistory(path);
  const trends = computeTrends(history, last === undefined ? {} : { last });
  if (values.json) {
    io.stdout(`${JSON.stringify({ history: path, runs: history.length, trends }, null, 2)}\n`);
  } else if (history.length === 0) {
    io.stdout(
      `No history at ${path} yet. Each run with the headroom reporter appends to it; run the tests a few times, then try again.\n`,
    );
  } else {
    io.stdout(`${formatTrend(trends)}\n`);
  }
  return values['fail-on-drift'] && trends.some((t) => t.drift) ? 1 : 0;
}

function exportReport(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(HELP_EXPORT);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}"; pass the report with --input.`, 'export');
  }
  if (values.format === undefined)
    throw new UsageError('missing --format; the formats are: bencher.', 'export');
  if (values.format !== 'bencher') {
    throw new UsageError(`unknown format "${values.format}"; the formats are: bencher.`, 'export');
  }
  const input = resolve(io.cwd, values.input ?? join(DEFAULT_DIR, REPORT_FILE));
  const text = `${JSON.stringify(toBencher(readReport(input)), null, 2)}\n`;
  if (values.out !== undefined) {
    const target = resolve(io.cwd, values.out);
    writeFileAtomic(target, text);
    io.stderr(`headroom: wrote ${target}\n`);
  } else {
    io.stdout(text);
  }
  return 0;
}

/**
 * Writes a finished report: `headroom-report.json`, `.md` and `.html` in one folder (each
 * atomically), the run appended to the history, and the Markdown appended to
 * `$GITHUB_STEP_SUMMARY` when that is set. Shared by the reporter and `npx headroom merge`.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './files.js';
import { appendHistory, readHistory } from './history.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { HeadroomReport } from './schema.js';

/** What to write besides the JSON. */
export interface WriteOptions {
  /** Write `headroom-report.html`. @defaultValue true */
  html?: boolean;
  /** Write `headroom-report.md`. @defaultValue true */
  markdown?: boolean;
  /** The history file to append the run to, or false. @defaultValue false */
  history?: string | false;
  /** Append the Markdown to `$GITHUB_STEP_SUMMARY` when set. @defaultValue true */
  githubSummary?: boolean;
  /** The JSON file's name. @defaultValue `'headroom-report.json'` */
  jsonName?: string;
}

/** Writes the report files into `dir`; returns the paths written. */
export function writeReportFiles(
  dir: string,
  report: HeadroomReport,
  options: WriteOptions = {},
): { files: string[] } {
  const files: string[] = [];
  const json = join(dir, options.jsonName ?? 'headroom-report.json');
  writeFileAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  files.push(json);
  // History first: the HTML shows the run among the runs before it.
  if (options.history) {
    appendHistory(options.history, report);
    files.push(options.history);
  }
  let markdown: string | undefined;
  if (options.markdown !== false) {
    markdown = renderMarkdown(report);
    const md = join(dir, 'headroom-report.md');
    writeFileAtomic(md, markdown);
    files.push(md);
  }
  if (options.html !== false) {
    const history = options.history ? readHistory(options.history) : [];
    const html = join(dir, 'headroom-report.html');
    writeFileAtomic(html, renderHtml(report, history));
    files.push(html);
  }
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (options.githubSummary !== false && summary) {
    appendFileSync(summary, `${markdown ?? renderMarkdown(report)}\n`);
  }
  return { files };
}

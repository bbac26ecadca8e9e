/**
 * One entry for every report format, so the CLI (and anything else that prints a report) names a format
 * instead of knowing which writer draws what. The HTML writer is loaded on demand: it pulls in Vega for the
 * charts, which would cost every JSON or Markdown run a second of start-up for nothing.
 */
import type { AnalysisResult } from '../analysis/types.ts';
import type { HtmlReportOptions } from './html-report.ts';
import { jsonReportChunks, renderJson } from './json-report.ts';
import { renderJunit, type JunitOptions } from './junit-report.ts';
import { renderMarkdown } from './markdown-report.ts';

export const REPORT_FORMATS = ['json', 'markdown', 'html', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Options of the writers that have any: the HTML page's, and JUnit's `failOn`. */
export type ReportOptions = HtmlReportOptions & JunitOptions;

/** The report of `result` as text in `format`; each writer takes the options that concern it. */
export async function writeReport(result: AnalysisResult, format: ReportFormat, options: ReportOptions = {}): Promise<string> {
  if (format === 'json') return renderJson(result.report);
  if (format === 'markdown') return renderMarkdown(result.report);
  if (format === 'junit') return renderJunit(result.report, { failOn: options.failOn });
  const { renderHtmlReport } = await import('./html-report.ts');
  return renderHtmlReport(result, options);
}

/**
 * The same text as writeReport, in pieces to write one after another: a JSON report of 100 000 endpoints is 350 MB,
 * too much to hold as one string next to the report it was made from (the other formats come in one piece).
 */
export async function writeReportChunks(result: AnalysisResult, format: ReportFormat, options: ReportOptions = {}): Promise<Iterable<string>> {
  if (format === 'json') return jsonReportChunks(result.report);
  return [await writeReport(result, format, options)];
}

export { jsonReportChunks, renderJson } from './json-report.ts';
export { renderJunit, type JunitOptions } from './junit-report.ts';
export { renderMarkdown } from './markdown-report.ts';
export type { HtmlReportOptions } from './html-report.ts';
export { DEFAULT_FAIL_ON, FAIL_ON, failsPipeline, gateOf, serviceView, type FailOn, type Gate, type ServiceView } from './service-view.ts';
export type { RecommendedReport, ReportRecommendation } from './recommendation-section.ts';

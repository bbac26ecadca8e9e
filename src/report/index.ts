/**
 * One entry for every report format, so the CLI (and anything else that prints a report) names a format
 * instead of knowing which writer draws what. The HTML writer is loaded on demand: it pulls in Vega for the
 * charts, which would cost every JSON or Markdown run a second of start-up for nothing.
 */
import type { AnalysisResult } from '../analysis/types.ts';
import type { HtmlReportOptions } from './html-report.ts';
import { renderJson } from './json-report.ts';
import { renderMarkdown } from './markdown-report.ts';

export const REPORT_FORMATS = ['json', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The report of `result` as text in `format`; `html` options apply to the HTML page only. */
export async function writeReport(result: AnalysisResult, format: ReportFormat, html: HtmlReportOptions = {}): Promise<string> {
  if (format === 'json') return renderJson(result.report);
  if (format === 'markdown') return renderMarkdown(result.report);
  const { renderHtmlReport } = await import('./html-report.ts');
  return renderHtmlReport(result, html);
}

export { renderJson } from './json-report.ts';
export { renderMarkdown } from './markdown-report.ts';
export type { HtmlReportOptions } from './html-report.ts';
export type { RecommendedReport, ReportRecommendation } from './recommendation-section.ts';

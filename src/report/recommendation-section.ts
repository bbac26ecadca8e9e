/**
 * The backoff recommendation section of the Markdown and HTML reports. The runtime computes the recommendation
 * after the analysis and adds it to the report as `report.recommendation` (an additive field of schemaVersion 1,
 * so the JSON report carries it as is); this file only draws it. Structural types: report/ imports nothing from
 * actions/. Pure.
 */
import { formatNumber } from '../analysis/format.ts';
import type { Report } from '../analysis/types.ts';

export interface RecommendedConstants {
  baseMs: number;
  maxMs: number;
  multiplier: number;
  jitter: number;
  maxAttempts: number;
}

/** What the report shows of a recommendation (the runtime's object has more: checks, model). */
export interface ReportRecommendation {
  action: 'tune' | 'kill_switch' | 'none';
  service: string | null;
  upstream: string | null;
  current: RecommendedConstants;
  constants: RecommendedConstants | null;
  /** `default`: computed against the stated default constants because the live ones are unknown. */
  currentSource: 'flag' | 'default';
  /** Why the defaults were assumed (null with live constants). */
  assumption: string | null;
  /** Plain sentences, in order; the first says so when the defaults were assumed. */
  rationale: string[];
}

/** A report as the runtime hands it to the writers: with its recommendation when one was computed. */
export type RecommendedReport = Report & { recommendation?: ReportRecommendation };

const FIELDS = ['baseMs', 'maxMs', 'multiplier', 'jitter', 'maxAttempts'] as const;

/** The parts both formats show, as plain text (each writer escapes them its own way). */
interface Parts {
  heading: string;
  lead: string;
  basis: string;
  rationale: string[];
  /** The command that dry-runs it (constant text, no telemetry in it), and what --apply does. */
  command: string;
  apply: string;
}

function parts(rec: ReportRecommendation): Parts | null {
  if (rec.action === 'none') return null;
  const where = [rec.service ? `service ${rec.service}` : '', rec.upstream ? `upstream ${rec.upstream}` : ''].filter(Boolean).join(', ');
  let heading: string;
  let lead: string;
  let command: string;
  let apply: string;
  if (rec.action === 'tune' && rec.constants) {
    const c = rec.constants;
    const changed = FIELDS.filter((f) => c[f] !== rec.current[f]).map((f) => `${f} ${formatNumber(rec.current[f])} → ${formatNumber(c[f])}`);
    heading = 'Recommendation: tune the backoff constants';
    lead = `${where ? `For ${where}: ` : ''}${changed.join(', ') || 'no change'}; proposed constants ${JSON.stringify(c)}.`;
    command = 'aftershock flag tune --report report.json --reason "…"';
    apply = 'add --apply to change the flag';
  } else {
    heading = 'Recommendation: switch the new strategy off (kill switch)';
    lead = `${where ? `For ${where}: ` : ''}no backoff constants within the configured bounds bring the regressed percentiles back within tolerance.`;
    command = 'aftershock flag off --reason "…"';
    apply = 'add --apply to switch the flag off';
  }
  const basis =
    rec.currentSource === 'default'
      ? `Computed against the default constants ${JSON.stringify(rec.current)}, because the flag's live constants are unknown (${rec.assumption ?? 'not read'}).`
      : `Computed against the flag's live constants ${JSON.stringify(rec.current)}.`;
  // The basis sentence already says what was assumed: the rationale's own "Assuming …" line would repeat it.
  const rationale = rec.rationale.filter((line, i) => !(i === 0 && rec.currentSource === 'default' && line.startsWith('Assuming the default constants')));
  return { heading, lead, basis, rationale, command, apply };
}

/** Markdown lines of the section (empty when there is nothing to recommend); `escape` is the writer's text escaper. */
export function recommendationMarkdown(report: RecommendedReport, escape: (text: string) => string): string[] {
  const p = report.recommendation && parts(report.recommendation);
  if (!p) return [];
  return [`## ${p.heading}`, '', escape(p.lead), '', escape(p.basis), '', ...p.rationale.map((line) => `- ${escape(line)}`), '', `Dry run: \`${p.command}\` (with the JSON report); ${p.apply.replace('--apply', '`--apply`')}.`, ''];
}

/** The HTML section (empty when there is nothing to recommend); `escape` is the page's HTML escaper. */
export function recommendationHtml(report: RecommendedReport, escape: (text: string) => string): string {
  const p = report.recommendation && parts(report.recommendation);
  if (!p) return '';
  return `<h2 id="recommendation">${escape(p.heading)}</h2>
<p>${escape(p.lead)}</p>
<p>${escape(p.basis)}</p>
<ul class="finding-list">${p.rationale.map((line) => `<li>${escape(line)}</li>`).join('')}</ul>
<p>Dry run: <code>${escape(p.command)}</code> (with the JSON report); ${escape(p.apply)}.</p>`;
}

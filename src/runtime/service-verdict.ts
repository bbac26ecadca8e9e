/**
 * The verdict of one service, as `GET /v1/verdict?service=…` answers it: the report's own rule (analysis/decide.ts
 * `verdictOf` and `summarize`) applied to that service's findings only, so an SLA guard polling for `accounts`
 * is not blocked by a regression of `shop` in the same analysis. Findings that the report says do not decide the
 * verdict (upstream findings under an endpoint filter, see ./endpoint-scope.ts) do not decide it here either.
 */
import { summarize, verdictOf } from '../analysis/decide.ts';
import { incompleteWindows } from '../analysis/window-coverage.ts';
import type { Finding, Verdict } from '../analysis/types.ts';
import type { ServiceVerdict } from '../store/report-store.ts';
import { decidesVerdict } from './endpoint-scope.ts';

/** What the verdict route sends (fields are only ever added; documented in http/schemas.ts VerdictResponse). */
export interface ServiceVerdictView {
  service: string;
  analysisId: string;
  /** This service's own verdict. */
  verdict: Verdict;
  /** The verdict of the whole analysis it came from (other services included). */
  analysisVerdict: Verdict;
  upgradeAt: string;
  createdAt: string;
  /** This service's regressions that decide its verdict. */
  regressions: Finding[];
  /** One line on this service's verdict, worded like the report summary. */
  summary: string;
}

export function serviceVerdictOf(stored: ServiceVerdict): ServiceVerdictView {
  const deciding = stored.findings.filter(decidesVerdict);
  const base = { service: stored.service, analysisId: stored.analysisId, analysisVerdict: stored.verdict, upgradeAt: stored.upgradeAt, createdAt: stored.createdAt };
  if (deciding.length === 0) {
    // Requested but absent from the report (or only non-deciding findings): a pass over nothing would be a wrong green.
    const why = stored.findings.length === 0 ? `no findings for ${stored.service}` : `no findings for ${stored.service} that decide a verdict`;
    return { ...base, verdict: 'warn', regressions: [], summary: `Warn: analysis ${stored.analysisId} has ${why}; nothing to judge it by.` };
  }
  const extra = { incidents: stored.incidents?.length ?? 0, incomplete: incompleteWindows(stored) };
  const verdict = verdictOf(deciding, stored.settings, extra);
  return { ...base, verdict, regressions: deciding.filter((f) => f.status === 'regression'), summary: summarize(deciding, verdict, stored.settings, extra) };
}

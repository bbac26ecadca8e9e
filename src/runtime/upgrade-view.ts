/**
 * Builds the plain-data view of an upgrade (report/upgrade-view.ts) from the store: its analyses (the verdict
 * over time), the newest report, linked flag actions and guard decisions, and the rollback plan when asked.
 */
import { leadingOnset } from '../analysis/onset.ts';
import type { RollbackPlan } from '../actions/rollback-plan.ts';
import { parseDuration } from '../duration.ts';
import type { UpgradeView } from '../report/upgrade-view.ts';
import type { ReportStore } from '../store/report-store.ts';
import type { UpgradeRecord, UpgradeStore } from '../store/upgrade-store.ts';

/** Guard decisions shown on the page. */
export const DEFAULT_VIEW_DECISIONS = 50;

function durationOrNull(text: string | undefined): number | null {
  if (text === undefined) return null;
  try {
    return parseDuration(text);
  } catch {
    return null;
  }
}

export async function buildUpgradeView(
  deps: { store: UpgradeStore; reports: ReportStore; settings: { flagRemovalAfterMs: number } },
  upgrade: UpgradeRecord,
  o: { now: Date; plan: (RollbackPlan & { staleFlags?: string[] }) | null; signal?: AbortSignal },
): Promise<UpgradeView> {
  const [analyses, actions, decisions] = await Promise.all([
    deps.store.analyses(upgrade.id),
    deps.store.actions(upgrade.id),
    deps.store.decisions(upgrade.id, DEFAULT_VIEW_DECISIONS),
  ]);
  const newestDone = [...analyses].reverse().find((a) => a.status === 'done');
  const record = newestDone ? await deps.reports.get(newestDone.id) : null;
  const lead = record?.report ? leadingOnset(record.report.findings) : null;
  const plan = o.plan ?? { steps: [], automated: 0, manual: 0, blocked: null, checklist: '' };
  return {
    id: upgrade.id,
    name: upgrade.name,
    upgradeAt: upgrade.upgradeAt,
    services: upgrade.services,
    flags: upgrade.flags,
    source: upgrade.source,
    version: upgrade.version,
    notes: upgrade.notes,
    status: upgrade.status,
    createdBy: upgrade.createdBy,
    createdAt: upgrade.createdAt,
    updatedAt: upgrade.updatedAt,
    expectations: upgrade.expectations,
    now: o.now.toISOString(),
    // When the newest report's leading regression began (analysis/onset.ts); null: no regression with an onset.
    onset: lead?.onset.at ?? null,
    onsetDetail: lead ? { interval: lead.onset.interval, description: lead.onset.description, finding: `${lead.finding.service} ${lead.finding.subject} ${lead.finding.statistic}` } : null,
    analyses: analyses.map((a) => ({
      id: a.id,
      createdAt: a.createdAt,
      status: a.status,
      verdict: a.verdict,
      summary: a.summary,
      afterMs: durationOrNull(a.request.after),
      byGuard: (a.owner ?? '').startsWith('guard:'),
      error: a.error,
    })),
    latest: record?.report ? { analysisId: record.id, createdAt: record.createdAt, report: record.report, series: record.series ?? { latency: [], upstreams: [] } } : null,
    actions: actions.map((a) => ({ id: a.id, createdAt: a.createdAt, kind: a.kind, status: a.status, actor: a.actor, reason: a.reason, message: a.message, flag: a.flag, revertedById: a.revertedById })),
    decisions: decisions.map((d) => ({ id: d.id, createdAt: d.createdAt, target: d.target, evaluation: d.evaluation, decision: d.decision, step: d.step, reason: d.reason, verdict: d.verdict })),
    plan: { steps: plan.steps, automated: plan.automated, manual: plan.manual, blocked: plan.blocked, checklist: plan.checklist },
    flagRemovalAfterMs: deps.settings.flagRemovalAfterMs,
    staleFlags: plan.staleFlags ?? [],
  };
}

/**
 * The notification events and their JSON schema (schemaVersion 1; fields are only ever added, like the report
 * contract). The generic webhook sends an event as its body (plus `sentAt`); the Slack message is drawn from
 * the same event, so both always say the same thing.
 *
 * Types:
 * - `verdict.changed`: a service's verdict differs from its previous one (the first verdict of a service counts
 *   when it is not `pass`);
 * - `guard.action`: the SLA guard chose a step (tune or kill switch): acted, dry run, or not applied;
 * - planned (issue 15): `upgrade.status` with `{ upgrade: { id, name }, text: { markdown, plain } }`, the status
 *   text of an upgrade. It needs no change below: the queue stores any event as JSON text, the webhook sends it
 *   as it is and the Slack renderer falls back to `text.markdown` for types it does not draw itself.
 */
import { formatChange, formatValuePair } from '../analysis/format.ts';
import type { Finding, Verdict } from '../analysis/types.ts';
import type { ServiceView } from '../report/service-view.ts';
import type { GuardDecision } from '../store/guard-log.ts';

export const EVENT_SCHEMA_VERSION = 1;
export const EVENT_TYPES = ['verdict.changed', 'guard.action'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventLinks {
  /** The report page (HTML) under the configured public base URL, or null without one. */
  report: string | null;
  /** The analysis resource (JSON). */
  analysis: string | null;
}

/** A regression as a notification shows it: the figures of the report plus one line in words. */
export interface RegressionDigest {
  kind: Finding['kind'];
  subject: string;
  statistic: string;
  unit: string;
  before: number | null;
  after: number | null;
  relativeChange: number | null;
  /** e.g. "/checkout p99 656 → 805 ms (+22.7 %)" */
  text: string;
}

interface EventBase {
  schemaVersion: typeof EVENT_SCHEMA_VERSION;
  /** Unique per event, the same for every target and attempt: receivers deduplicate on it. */
  id: string;
  type: EventType;
  /** When the event happened (RFC 3339). */
  createdAt: string;
  links: EventLinks;
}

export interface VerdictChangedEvent extends EventBase {
  type: 'verdict.changed';
  service: string;
  verdict: Verdict;
  /** null: the first verdict recorded for this service. */
  previousVerdict: Verdict | null;
  analysisId: string;
  upgradeAt: string;
  /** The verdict in one sentence, e.g. "Fail: /checkout got slower for the slowest 1 % of requests (…)". */
  sentence: string;
  counts: ServiceView['counts'];
  /** The worst regressions first, at most notifications.topRegressions. */
  regressions: RegressionDigest[];
}

export type GuardOutcome = 'acted' | 'dry_run' | 'not_applied';

export interface GuardActionEvent extends EventBase {
  type: 'guard.action';
  guard: {
    id: string;
    target: string;
    step: 'tune' | 'kill_switch';
    /** acted: the flag was changed; dry_run: it would have been; not_applied: it was tried but failed or already held. */
    outcome: GuardOutcome;
    reason: string;
    decisionId: number;
    actionId: number | null;
    analysisId: string | null;
    verdict: string | null;
  };
}

export type NotificationEvent = VerdictChangedEvent | GuardActionEvent;

export interface EventContext {
  id: string;
  now: Date;
  publicBaseUrl: string | null;
}

function links(analysisId: string | null, publicBaseUrl: string | null): EventLinks {
  if (!analysisId) return { report: null, analysis: null };
  const path = `/v1/analyses/${encodeURIComponent(analysisId)}`;
  return { report: publicBaseUrl ? `${publicBaseUrl}${path}/report.html` : null, analysis: publicBaseUrl ? `${publicBaseUrl}${path}` : path };
}

export function regressionDigest(f: Finding): RegressionDigest {
  return {
    kind: f.kind,
    subject: f.subject,
    statistic: f.statistic,
    unit: f.unit,
    before: f.before,
    after: f.after,
    relativeChange: f.relativeChange,
    text: `${f.subject} ${f.statistic} ${formatValuePair(f.before, f.after, f.unit)} (${formatChange(f.relativeChange)})`,
  };
}

export function verdictChangedEvent(
  o: { view: ServiceView; previous: Verdict | null; analysisId: string; upgradeAt: string; topRegressions: number },
  ctx: EventContext,
): VerdictChangedEvent {
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    id: ctx.id,
    type: 'verdict.changed',
    createdAt: ctx.now.toISOString(),
    service: o.view.service,
    verdict: o.view.verdict,
    previousVerdict: o.previous,
    analysisId: o.analysisId,
    upgradeAt: o.upgradeAt,
    sentence: o.view.sentence,
    counts: o.view.counts,
    regressions: o.view.regressions.slice(0, o.topRegressions).map(regressionDigest),
    links: links(o.analysisId, ctx.publicBaseUrl),
  };
}

/** The event for a guard decision that chose a step; null for decisions without one (nothing to act on). */
export function guardActionEvent(d: GuardDecision, ctx: EventContext): GuardActionEvent | null {
  if (d.step === null) return null;
  const outcome: GuardOutcome = d.decision === 'acted' ? 'acted' : d.decision === 'dry_run' ? 'dry_run' : 'not_applied';
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    id: ctx.id,
    type: 'guard.action',
    createdAt: ctx.now.toISOString(),
    guard: { id: d.guardId, target: d.target, step: d.step, outcome, reason: d.reason, decisionId: d.id, actionId: d.actionId, analysisId: d.analysisId, verdict: d.verdict },
    links: links(d.analysisId, ctx.publicBaseUrl),
  };
}

/** The service an event is about (guard actions name a guard target instead). */
export function eventService(e: NotificationEvent): string | null {
  return e.type === 'verdict.changed' ? e.service : null;
}

/**
 * The status of an upgrade in plain words, for product owners and chat channels: one state and one sentence
 * ("healthy", "watching: p99 on /checkout +18 %, tuned at 14:32 UTC", "rolled back at 15:10 UTC"), and a short
 * status text in Markdown or plain text fit for a status page or a chat message (notifications send it).
 * Pure: the view carries the time it was built.
 */
import { formatChange } from '../analysis/format.ts';
import type { Finding } from '../analysis/types.ts';
import { regressionsBySeverity } from '../charts/plain-words.ts';
import type { UpgradeView } from './upgrade-view.ts';

export type UpgradeState = 'pending' | 'healthy' | 'watching' | 'regressed' | 'rolled_back' | 'retired';

export interface UpgradeStatus {
  state: UpgradeState;
  /** One sentence, lower case first word: "healthy", "watching: …". */
  sentence: string;
  /** Since when every analysis passed (RFC 3339), or null. */
  healthySince: string | null;
  /** "remove flag …" once healthy for long enough, else null. */
  recommendation: string | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** "45 min", "3 h", "2 days". */
export function formatAge(ms: number): string {
  if (!(ms >= 0)) return 'in the future';
  if (ms < HOUR) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (ms < 2 * DAY) return `${Math.round(ms / HOUR)} h`;
  return `${Math.round(ms / DAY)} days`;
}

/** "2026-11-20 14:32 UTC": minutes are enough for people, and the line does not wrap. */
export function utcMinute(iso: string): string {
  return Number.isFinite(Date.parse(iso)) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
}

/** "14:32 UTC" (same day as `now`) or "2026-11-20 14:32 UTC". */
export function clockTime(iso: string, nowIso: string): string {
  return iso.slice(0, 10) === nowIso.slice(0, 10) ? `${iso.slice(11, 16)} UTC` : utcMinute(iso);
}

/** "p99 on /checkout +18 %", "retries per call to payments-api +80 %", "expectation "x" failed". */
export function shortFinding(f: Finding): string {
  const change = formatChange(f.relativeChange);
  if (f.kind === 'tail_latency') return `${f.statistic} on ${f.subject} ${change}`;
  if (f.kind === 'retry_rate') return `${f.statistic === 'exhausted_rate' ? 'calls giving up' : 'retries per call'} to ${f.subject} ${change}`;
  if (f.kind === 'backoff') return `backoff wait to ${f.subject} ${change}`;
  return `expectation "${f.expectation?.name ?? f.subject}" failed`;
}

const ACTION_VERBS: Record<string, string> = { backoff_constants: 'tuned', kill_switch: 'switched off', enable: 'switched on', revert: 'reverted' };

/** Since when the analyses have passed without a break (the newest run of passes), or null. */
function healthySince(view: UpgradeView): string | null {
  const done = view.analyses.filter((a) => a.status === 'done');
  let since: string | null = null;
  for (let i = done.length - 1; i >= 0 && done[i].verdict === 'pass'; i--) since = done[i].createdAt;
  return since;
}

export function upgradeStatus(view: UpgradeView): UpgradeStatus {
  const since = healthySince(view);
  const nowMs = Date.parse(view.now);
  if (view.status === 'rolled_back') {
    const reverts = view.actions.filter((a) => a.kind === 'revert' && a.status === 'applied');
    const at = reverts.at(-1)?.createdAt ?? view.updatedAt;
    return { state: 'rolled_back', sentence: `rolled back at ${clockTime(at, view.now)}`, healthySince: null, recommendation: null };
  }
  if (view.status === 'retired') return { state: 'retired', sentence: 'retired: cleaned up, nothing left to watch', healthySince: since, recommendation: null };
  const latest = view.latest;
  if (!latest) {
    const last = view.analyses.at(-1);
    const sentence = last?.status === 'failed' ? `not analysed yet: the last analysis failed (${last.error ?? 'unknown error'})` : last ? 'waiting for the first analysis to finish' : 'waiting for the first analysis';
    return { state: 'pending', sentence, healthySince: null, recommendation: null };
  }
  const applied = view.actions.filter((a) => a.status === 'applied' && a.kind !== 'revert');
  const lastAction = applied.at(-1);
  const acted = lastAction ? `, ${ACTION_VERBS[lastAction.kind]} at ${clockTime(lastAction.createdAt, view.now)}` : '';
  const worst = regressionsBySeverity(latest.report)[0];
  if (worst) {
    const more = regressionsBySeverity(latest.report).length - 1;
    const tail = more > 0 ? ` (and ${more} more)` : '';
    return { state: lastAction ? 'watching' : 'regressed', sentence: `${lastAction ? 'watching' : 'regressed'}: ${shortFinding(worst)}${tail}${acted}`, healthySince: null, recommendation: null };
  }
  if (latest.report.verdict === 'warn') {
    const unchecked = latest.report.findings.filter((f) => f.kind === 'expectation' && f.status === 'insufficient_data').length;
    const why = unchecked > 0 ? `${unchecked} expectation${unchecked === 1 ? '' : 's'} could not be checked` : 'no regression, but not every check could decide';
    return { state: 'watching', sentence: `watching: ${why}${acted}`, healthySince: null, recommendation: null };
  }
  let recommendation: string | null = null;
  const healthyMs = since ? nowMs - Date.parse(since) : 0;
  const removable = view.flags.length > 0 ? view.flags : [];
  if (since && removable.length > 0 && healthyMs >= view.flagRemovalAfterMs) {
    const stale = view.staleFlags.filter((f) => removable.includes(f));
    recommendation =
      `healthy for ${formatAge(healthyMs)}: remove flag${removable.length === 1 ? '' : 's'} ${removable.join(', ')} (the new behaviour can stay on for good)` +
      (stale.length ? `; Unleash already marks ${stale.join(', ')} stale` : '');
  }
  return { state: 'healthy', sentence: recommendation ?? 'healthy', healthySince: since, recommendation };
}

export interface StatusTextOptions {
  format: 'markdown' | 'plain';
  /** Absolute or relative link to the upgrade page. */
  link?: string;
}

/** Markdown specials in names and sentences: shown as text, never as formatting or links. */
const mdText = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|#!~]/g, (c) => `\\${c}`);

/**
 * A short status text per upgrade, e.g.
 *   **shop 2.4.0** (shop, accounts): watching: p99 on /checkout +18 %, tuned at 14:32 UTC
 *   Upgrade 2026-11-20 14:00 UTC (3 h ago) · verdict fail · expectations 2 of 3 hold · 1 flag action · rollback: 2 steps
 */
export function upgradeStatusText(view: UpgradeView, options: StatusTextOptions): string {
  const s = upgradeStatus(view);
  const md = options.format === 'markdown';
  const t = md ? mdText : (x: string) => x.replace(/[\r\n]+/g, ' ');
  const name = md ? `**${t(view.name)}**` : view.name;
  const head = `${name} (${t(view.services.join(', ') || 'all services')}): ${t(s.sentence)}`;
  const facts = [`Upgrade ${utcMinute(view.upgradeAt)} (${formatAge(Date.parse(view.now) - Date.parse(view.upgradeAt))} ago)`];
  if (view.latest) facts.push(`verdict ${view.latest.report.verdict}`);
  const exp = view.latest?.report.findings.filter((f) => f.kind === 'expectation') ?? [];
  if (exp.length > 0) facts.push(`expectations ${exp.filter((f) => f.expectation?.outcome === 'pass').length} of ${exp.length} hold`);
  const applied = view.actions.filter((a) => a.status === 'applied').length;
  if (applied > 0) facts.push(`${applied} flag action${applied === 1 ? '' : 's'}`);
  if (view.plan.automated + view.plan.manual > 0) facts.push(`rollback: ${view.plan.automated} automated, ${view.plan.manual} manual step${view.plan.manual === 1 ? '' : 's'}`);
  const lines = [head, facts.join(' · ')];
  if (options.link) lines.push(md ? `[Upgrade page](${options.link.replace(/[()\s]/g, encodeURIComponent)})` : options.link);
  return lines.join('\n') + '\n';
}

/**
 * Pure: the cleanup and rollback plan of an upgrade. Every change aftershock made for it (applied flag actions
 * still in effect) is reverted in reverse order through the action service; everything else it made or was told
 * about (flags outside its reach, webhooks it registered, temporary tokens, config a person changed) becomes a
 * checklist line for a person. The plan is checked against the flag's current state before anything runs: each
 * revert restores exactly the state before its action, so the chain only holds while the flag still shows what
 * the last action left (otherwise the plan is blocked and says what changed).
 */
import type { FlagObservation } from '../analysis/expectations.ts';
import type { ActionRecord } from '../store/audit-log.ts';
import type { UpgradeChange } from '../store/upgrade-store.ts';
import { diffSnapshots, formatDiff, sameSnapshot, type FlagSnapshot } from './backoff-constants.ts';
import type { FlagRef } from './flag-actions.ts';

export type RollbackStepState = 'ready' | 'blocked' | 'todo' | 'done';

export interface RollbackStep {
  /** 1-based position in the order the plan runs (automated steps first, newest change first). */
  order: number;
  kind: 'revert' | 'manual';
  /** The action a `revert` step undoes. */
  actionId: number | null;
  /** What was changed, e.g. "kill switch of dten.backoff.v2 by guard:g1 at 2026-11-20 14:40 UTC". */
  what: string;
  /** Its current state, as far as aftershock can see it. */
  current: string;
  /** What the step does, or what the person has to do. */
  revert: string;
  state: RollbackStepState;
  note?: string;
}

export interface RollbackPlan {
  steps: RollbackStep[];
  /** Revert steps the action service runs (all-or-nothing). */
  automated: number;
  /** Checklist lines for a person still open. */
  manual: number;
  /** Why the automated part cannot run, when it cannot. */
  blocked: string | null;
  /** The steps as a Markdown checklist (automated part first). */
  checklist: string;
}

export interface RollbackInput {
  upgradeName: string;
  /** Actions linked to the upgrade and the reverts they point to (any order). */
  actions: ActionRecord[];
  /** The flag the action service changes. */
  ref: FlagRef;
  /** Its current state (null: Unleash not configured or not readable; `currentProblem` says which). */
  current: FlagSnapshot | null;
  currentProblem?: string;
  /** Flags the upgrade named besides `ref.flag`, with what Unleash shows now. */
  toldFlags: Array<{ flag: string; environment: string; observation: FlagObservation }>;
  changes: UpgradeChange[];
}

const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const KIND_WORDS: Record<ActionRecord['kind'], string> = { backoff_constants: 'tune', kill_switch: 'kill switch', enable: 'switch on', revert: 'revert' };

function snapshotText(s: FlagSnapshot | null): string {
  if (!s) return 'unknown';
  return `${s.enabled ? 'on' : 'off'}${s.constants ? `, constants ${JSON.stringify(s.constants)}` : ''}`;
}

function observationText(o: FlagObservation, environment: string): string {
  if (o.status === 'unavailable') return `unknown (${o.reason})`;
  if (o.status === 'missing') return 'does not exist';
  if (o.archived) return 'archived';
  if (!o.environment) return `no environment ${environment}`;
  return `${o.environment.enabled ? 'enabled' : 'disabled'} in ${environment}${o.stale ? ', marked stale' : ''}`;
}

/** Whether an applied action still holds: not reverted, or its revert was itself undone. */
function inEffect(a: ActionRecord, byId: Map<number, ActionRecord>, depth = 0): boolean {
  if (a.status !== 'applied') return false;
  if (a.revertedById === null) return true;
  const reverter = byId.get(a.revertedById);
  // A revert we cannot see (made outside the upgrade) counts as done.
  if (!reverter || depth > 20) return false;
  return !inEffect(reverter, byId, depth + 1);
}

/** Line breaks out and backticks doubled: telemetry-free text, but names come from people. */
const md = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/`/g, "'");

export function planRollback(input: RollbackInput): RollbackPlan {
  const byId = new Map(input.actions.map((a) => [a.id, a]));
  const effective = input.actions.filter((a) => a.kind !== 'revert' && inEffect(a, byId)).sort((a, b) => b.id - a.id);
  const steps: RollbackStep[] = [];
  let blocked: string | null = null;
  let expected = input.current;
  const manual: RollbackStep[] = [];
  for (const a of effective) {
    const what = `${KIND_WORDS[a.kind]} of ${a.flag} by ${a.actor} at ${minute(a.createdAt)} (action ${a.id}: ${formatDiff(a.diff)})`;
    if (a.flag !== input.ref.flag || a.project !== input.ref.project || a.environment !== input.ref.environment || !a.before || !a.after) {
      manual.push({ order: 0, kind: 'manual', actionId: a.id, what, current: 'not read (another flag than the configured one)', revert: `set ${a.flag} in ${a.environment} back to ${snapshotText(a.before)} in Unleash`, state: 'todo' });
      continue;
    }
    let state: RollbackStepState = blocked ? 'blocked' : 'ready';
    let note: string | undefined;
    if (!blocked && expected && !sameSnapshot(expected, a.after)) {
      blocked = `flag "${a.flag}" changed since action ${a.id} (${formatDiff(diffSnapshots(a.after, expected))}); revert it by hand or revert the later change first`;
      state = 'blocked';
      note = blocked;
    }
    if (!expected && !blocked) note = input.currentProblem ?? 'the current state could not be read';
    const current = steps.length === 0 ? snapshotText(expected) : `${snapshotText(expected)} once the step before ran`;
    steps.push({ order: 0, kind: 'revert', actionId: a.id, what, current, revert: `restore ${snapshotText(a.before)}`, state, ...(note ? { note } : {}) });
    expected = a.before;
  }
  for (const t of input.toldFlags) {
    if (t.flag === input.ref.flag) continue;
    manual.push({
      order: 0, kind: 'manual', actionId: null, what: `flag ${t.flag} gates the upgrade's new behaviour (aftershock does not change it)`,
      current: observationText(t.observation, t.environment), revert: `set ${t.flag} back to its state before the upgrade in Unleash (or leave it, if the old behaviour is gone)`, state: 'todo',
    });
  }
  for (const c of input.changes) {
    manual.push({
      order: 0, kind: 'manual', actionId: null, what: `${c.kind}: ${c.description} (recorded by ${c.recordedBy} at ${minute(c.createdAt)}${c.ref ? `, ref ${c.ref}` : ''})`,
      current: c.doneAt ? `undone by ${c.doneBy} at ${minute(c.doneAt)}` : 'in place', revert: c.undo || `undo: ${c.description}`, state: c.doneAt ? 'done' : 'todo',
    });
  }
  const all = [...steps, ...manual].map((s, i) => ({ ...s, order: i + 1 }));
  return {
    steps: all,
    automated: steps.length,
    manual: manual.filter((s) => s.state === 'todo').length,
    blocked,
    checklist: checklist(input.upgradeName, all, blocked),
  };
}

function checklist(name: string, steps: RollbackStep[], blocked: string | null): string {
  const out = [`## Rollback checklist: ${md(name)}`, ''];
  const auto = steps.filter((s) => s.kind === 'revert');
  const manual = steps.filter((s) => s.kind === 'manual');
  if (auto.length === 0) out.push('Nothing for aftershock to revert: it changed no flag for this upgrade.', '');
  else {
    out.push(`Automated, in this order, all or nothing (\`aftershock upgrade rollback "${md(name)}" --apply\`; a dry run without \`--apply\`):`, '');
    for (const s of auto) out.push(`${s.order}. ${s.state === 'blocked' ? '⛔ ' : ''}${md(s.revert)}: reverts ${md(s.what)}; now ${md(s.current)}`);
    out.push('');
    if (blocked) out.push(`Blocked: ${md(blocked)}.`, '');
  }
  if (manual.length > 0) {
    out.push('For a person:', '');
    for (const s of manual) out.push(`- [${s.state === 'done' ? 'x' : ' '}] ${md(s.revert)} — ${md(s.what)}; now ${md(s.current)}`);
    out.push('');
  }
  return out.join('\n');
}

/**
 * Pure: what the SLA guard does after one evaluation of one target. Checks in order — passing,
 * hysteresis, already off, cooldown, hourly cap — then picks the graduated step: tune while tunes are left
 * in this episode and the recommendation says tuning can work, the kill switch otherwise. Every outcome,
 * including doing nothing, comes with the reason in one sentence.
 */
import { describeLook, type SequentialLook } from '../analysis/sequential.ts';
import type { FindingKind, Report } from '../analysis/types.ts';
import { formatDuration } from '../duration.ts';
import type { BackoffConstants } from './backoff-constants.ts';
import type { GuardConfig } from './guard-config.ts';
import type { BackoffRecommendation } from './recommend-backoff.ts';

export type GuardStep = 'tune' | 'kill_switch';

export interface PolicyInput {
  policy: Pick<GuardConfig, 'consecutive' | 'cooldownMs' | 'maxActionsPerHour' | 'tune' | 'killSwitch'>;
  nowMs: number;
  /** Kinds with a regression in the target's services (empty = passing). */
  failingKinds: FindingKind[];
  /** Failing evaluations in a row including this one (since the last pass or guard action). */
  consecutive: number;
  flagEnabled: boolean;
  lastGuardActionMs: number | null;
  guardActionsLastHour: number;
  tunesThisEpisode: number;
  recommendation: BackoffRecommendation | null;
  /**
   * The anytime-valid evidence of this look (guard file `sequential:`); absent or null: the report's fixed-α verdict
   * alone decides. When present only the kinds of its crossed regressions may act.
   */
  sequential?: SequentialLook | null;
}

export interface PolicyDecision {
  act: boolean;
  step: GuardStep | null;
  /** Proposed constants when step is tune. */
  constants: BackoffConstants | null;
  reason: string;
}

const nothing = (reason: string): PolicyDecision => ({ act: false, step: null, constants: null, reason });

/** Kinds of `regression` findings of the given services (all services when none are given). */
export function failingKinds(report: Report, services: string[] | undefined, kinds: FindingKind[]): FindingKind[] {
  const inScope = (s: string) => !services || services.length === 0 || services.includes(s);
  const found = new Set(report.findings.filter((f) => f.status === 'regression' && inScope(f.service) && kinds.includes(f.kind)).map((f) => f.kind));
  return kinds.filter((k) => found.has(k));
}

export function decide(input: PolicyInput): PolicyDecision {
  if (input.failingKinds.length === 0) return nothing('did nothing because the evaluation passed: no regression of a configured kind');
  const seq = input.sequential ?? null;
  if (seq) {
    const crossed = new Set(seq.crossed.map((e) => e.kind));
    const kinds = input.failingKinds.filter((k) => crossed.has(k));
    if (kinds.length === 0) {
      return nothing(`did nothing because the anytime-valid test has not crossed: ${describeLook(seq)}; the report at this look says regressed: ${input.failingKinds.join(', ')}`);
    }
    const d = decideOn({ ...input, failingKinds: kinds });
    return { ...d, reason: d.act ? `${describeLook(seq)}; ${d.reason}` : `${d.reason}; ${describeLook(seq)}` };
  }
  return decideOn(input);
}

/** The checks after the evidence: hysteresis, already off, cooldown, hourly cap, then the graduated step. */
function decideOn(input: PolicyInput): PolicyDecision {
  const { policy } = input;
  const kinds = input.failingKinds.join(', ');
  if (input.consecutive < policy.consecutive) {
    return nothing(`did nothing because this is failing evaluation ${input.consecutive} of ${policy.consecutive} needed in a row (hysteresis); regressed: ${kinds}`);
  }
  if (!input.flagEnabled) return nothing(`did nothing because the new strategy is already switched off; regressed: ${kinds}`);
  if (input.lastGuardActionMs !== null && input.nowMs - input.lastGuardActionMs < policy.cooldownMs) {
    const ago = Math.max(0, input.nowMs - input.lastGuardActionMs);
    return nothing(`did nothing because of the cooldown: the last guard action was ${formatDuration(Math.round(ago / 1000) * 1000)} ago, the cooldown is ${formatDuration(policy.cooldownMs)}`);
  }
  if (input.guardActionsLastHour >= policy.maxActionsPerHour) {
    return nothing(`did nothing because the cap is reached: ${input.guardActionsLastHour} guard actions in the last hour (maximum ${policy.maxActionsPerHour})`);
  }
  const triggers = (when: FindingKind[]) => input.failingKinds.some((k) => when.includes(k));
  const rec = input.recommendation;
  const tuneTriggered = policy.tune.enabled && triggers(policy.tune.when);
  let whyNotTune = '';
  if (tuneTriggered) {
    if (input.tunesThisEpisode >= policy.tune.maxPerEpisode) {
      whyNotTune = `${input.tunesThisEpisode} tune(s) already applied in this episode (maximum ${policy.tune.maxPerEpisode}) and the regression persists`;
    } else if (!rec || rec.action !== 'tune' || !rec.constants) {
      whyNotTune = `tuning cannot help: ${rec?.rationale.at(-1) ?? 'no recommendation'}`;
    } else {
      return { act: true, step: 'tune', constants: rec.constants, reason: `tune: ${kinds} regressed in ${input.consecutive} evaluation(s) in a row; ${rec.rationale.slice(2).join(' ')}` };
    }
  }
  if (policy.killSwitch.enabled && triggers(policy.killSwitch.when)) {
    return { act: true, step: 'kill_switch', constants: null, reason: `kill switch: ${kinds} regressed in ${input.consecutive} evaluation(s) in a row${whyNotTune ? `; ${whyNotTune}` : ''}` };
  }
  return nothing(`did nothing because no enabled step is triggered by ${kinds}${whyNotTune ? ` (${whyNotTune})` : ''}`);
}

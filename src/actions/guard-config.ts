/**
 * Loads and validates the SLA guard policy (config/guard.yaml, or the file named by actions.guardFile /
 * AFTERSHOCK_GUARD_FILE). Errors name the file and the field.
 */
import path from 'node:path';
import { Type, type Static } from '../vendor/typebox.ts';
import { PROJECT_ROOT, readYamlFile, validateOrThrow } from '../config.ts';
import { parseDuration, parseTimestamp } from '../duration.ts';
import { AppError } from '../errors.ts';
import type { Expectation } from '../analysis/expectations.ts';
import type { FindingKind } from '../analysis/types.ts';
import { DEFAULT_SEQUENTIAL, type SequentialSettings } from '../analysis/sequential.ts';

const Kind = Type.Union([Type.Literal('tail_latency'), Type.Literal('retry_rate'), Type.Literal('backoff')]);
const Duration = Type.String({ minLength: 1 });

const TargetSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.:-]+$' }),
    /** A registered upgrade (name or id) instead of repeating its time, services and source (issue 15). */
    upgrade: Type.Optional(Type.String({ minLength: 1 })),
    source: Type.Optional(Type.String({ minLength: 1 })),
    services: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    endpoints: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    upgradeAt: Type.Optional(Type.String({ minLength: 1 })),
    before: Type.Optional(Duration),
    after: Type.Optional(Duration),
    /** Analyse an upgrade time after the current time as given (AnalysisRequest.allowFuture); refused otherwise. */
    allowFuture: Type.Optional(Type.Boolean()),
    /** Total time of one evaluation's analysis (AnalysisRequest.deadline), e.g. 5m; default config deadlines.analysisMs. */
    deadline: Type.Optional(Duration),
    /** The analysis baseline (issue 11), the same names as the CLI flags and the HTTP body. */
    baseline: Type.Optional(Type.Union([Type.Literal('before'), Type.Literal('seasonal'), Type.Literal('cohort')])),
    period: Type.Optional(Duration),
    periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 52 })),
    variancePeriods: Type.Optional(Type.Integer({ minimum: 2, maximum: 52 })),
    periodVariance: Type.Optional(Type.Union([Type.Literal('between'), Type.Literal('auto')])),
    cohortTag: Type.Optional(Type.String({ minLength: 1 })),
    control: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const GuardFileSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    dryRun: Type.Boolean(),
    interval: Duration,
    targets: Type.Array(TargetSchema, { minItems: 1 }),
    hysteresis: Type.Object({ consecutive: Type.Integer({ minimum: 1, maximum: 100 }) }, { additionalProperties: false }),
    cooldown: Type.Union([Duration, Type.Literal(0)]),
    maxActionsPerHour: Type.Integer({ minimum: 0 }),
    steps: Type.Object(
      {
        tune: Type.Object(
          {
            enabled: Type.Boolean(),
            when: Type.Array(Kind),
            maxPerEpisode: Type.Integer({ minimum: 0 }),
            aim: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
          },
          { additionalProperties: false },
        ),
        killSwitch: Type.Object({ enabled: Type.Boolean(), when: Type.Array(Kind) }, { additionalProperties: false }),
      },
      { additionalProperties: false },
    ),
    lockKey: Type.Integer(),
    /**
     * Anytime-valid decisions (issue 11): act only when a regression's mSPRT e-value reaches m/alpha
     * (analysis/sequential.ts). Optional for guard files written before it; the shipped file turns it on.
     */
    sequential: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean(),
          alpha: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
          tau: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          maxLooks: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * One target as configured; a target naming an `upgrade` gets its time, services, source and expectations from
 * it when evaluated (runtime/guard-runtime.ts resolves it; `upgradeId` is then set).
 */
export type GuardTarget = Static<typeof TargetSchema> & { upgradeId?: string; expectations?: Expectation[] };

export interface GuardConfig {
  enabled: boolean;
  dryRun: boolean;
  intervalMs: number;
  targets: GuardTarget[];
  consecutive: number;
  cooldownMs: number;
  maxActionsPerHour: number;
  tune: { enabled: boolean; when: FindingKind[]; maxPerEpisode: number; aim: number };
  killSwitch: { enabled: boolean; when: FindingKind[] };
  lockKey: number;
  /** Anytime-valid decisions over repeated looks; null: the report's fixed-α verdict at each look (before issue 11). */
  sequential: SequentialSettings | null;
}

/** Validates a parsed guard file (already an object); `where` names it in errors. */
export function parseGuardConfig(raw: unknown, where: string): GuardConfig {
  const g = validateOrThrow(GuardFileSchema, raw, where);
  const names = new Set<string>();
  g.targets.forEach((t, i) => {
    if (names.has(t.name)) throw new AppError('BAD_INPUT', `${where}: targets.${i}.name "${t.name}" is used twice`);
    names.add(t.name);
    if (t.upgrade !== undefined && t.upgradeAt !== undefined) {
      throw new AppError('BAD_INPUT', `${where}: targets.${i} gives both upgrade and upgradeAt; the upgrade "${t.upgrade}" already has its time`);
    }
    if (t.upgrade === undefined) {
      if (t.upgradeAt === undefined) throw new AppError('BAD_INPUT', `${where}: targets.${i} needs upgradeAt (RFC 3339) or upgrade (the name or id of a registered upgrade)`);
      if (t.source === undefined) throw new AppError('BAD_INPUT', `${where}: targets.${i} needs source (a configured source name) unless it names an upgrade`);
      parseTimestamp(t.upgradeAt, `${where}: targets.${i}.upgradeAt`);
    }
    if (t.before) parseDuration(t.before, `${where}: targets.${i}.before`);
    if (t.after) parseDuration(t.after, `${where}: targets.${i}.after`);
    if (t.deadline) parseDuration(t.deadline, `${where}: targets.${i}.deadline`);
    if (t.period) parseDuration(t.period, `${where}: targets.${i}.period`);
    // The history holds the baseline's periods: fewer would leave some of them out of the variance.
    if (t.periods !== undefined && t.variancePeriods !== undefined && t.variancePeriods < t.periods) {
      throw new AppError('BAD_INPUT', `${where}: targets.${i}.variancePeriods: must be at least targets.${i}.periods (${t.periods}), got ${t.variancePeriods}`);
    }
  });
  return {
    enabled: g.enabled,
    dryRun: g.dryRun,
    intervalMs: parseDuration(g.interval, `${where}: interval`),
    targets: g.targets,
    consecutive: g.hysteresis.consecutive,
    cooldownMs: g.cooldown === 0 || g.cooldown === '0' ? 0 : parseDuration(g.cooldown, `${where}: cooldown`),
    maxActionsPerHour: g.maxActionsPerHour,
    tune: g.steps.tune,
    killSwitch: g.steps.killSwitch,
    lockKey: g.lockKey,
    sequential: g.sequential?.enabled
      ? { alpha: g.sequential.alpha, tau: g.sequential.tau ?? DEFAULT_SEQUENTIAL.tau, maxLooks: g.sequential.maxLooks ?? null }
      : null,
  };
}

/** Reads the guard file: `file`, else AFTERSHOCK_GUARD_FILE, else actions.guardFile relative to the project. */
export function loadGuardConfig(options: { file?: string; configured?: string; env?: NodeJS.ProcessEnv } = {}): GuardConfig {
  const env = options.env ?? process.env;
  const chosen = options.file ?? env.AFTERSHOCK_GUARD_FILE ?? options.configured ?? 'config/guard.yaml';
  const file = path.isAbsolute(chosen) ? chosen : path.resolve(options.file ? process.cwd() : PROJECT_ROOT, chosen);
  return parseGuardConfig(readYamlFile(file), path.relative(process.cwd(), file) || file);
}

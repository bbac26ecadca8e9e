/**
 * TypeBox schemas of the upgrade routes (routes/upgrades.ts). Expectations are validated twice: loosely here
 * (an object with a kind and a name, so the OpenAPI document shows the shape) and exactly by the runtime
 * (runtime/expectations-file.ts), whose messages name the entry and field.
 */
import { Type, type TSchema } from '../vendor/typebox.ts';
import { CHANGE_KINDS } from '../store/upgrade-store.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });
const Duration = Type.String({ pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$', description: 'Window length, e.g. 2h' });

const ExpectationBody = Type.Object(
  { kind: Type.Union([Type.Literal('flag'), Type.Literal('flat')]), name: Text(100) },
  {
    additionalProperties: true,
    description:
      'flag: { flag, enabled?, gone?, strategy?, payloadKeys?, variant?, project?, environment?, service? }; ' +
      'flat: { counter: { measurement, field?, serviceTag? } | endpoint, services?, tolerance? } (see config/expectations.yaml)',
  },
);
const ChangeBody = Type.Object(
  {
    kind: Type.Union(CHANGE_KINDS.map((k) => Type.Literal(k))),
    description: Text(500),
    undo: Type.Optional(Text(500, 'How a person undoes it')),
    ref: Type.Optional(Text(200, 'An id in the other system (webhook id, token name)')),
  },
  { additionalProperties: false },
);

export const UpgradeBody = Type.Object(
  {
    name: Text(100, 'Unique, e.g. "shop 2.4.0"'),
    upgradeAt: Type.String({ format: 'date-time', description: 'RFC 3339 time of the upgrade' }),
    services: Type.Optional(Type.Array(Text(200), { maxItems: 100 })),
    source: Type.Optional(Text(200, 'A configured source name (default: upgrades.source)')),
    before: Type.Optional(Duration),
    flags: Type.Optional(Type.Array(Text(200), { maxItems: 20, description: 'Feature flags that gate the new behaviour' })),
    expectations: Type.Optional(Type.Array(ExpectationBody, { maxItems: 50 })),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
    version: Type.Optional(Text(100)),
    changes: Type.Optional(Type.Array(ChangeBody, { maxItems: 50, description: 'Changes made for the upgrade that a person undoes: the rollback checklist' })),
  },
  { additionalProperties: false },
);

export const RollbackBody = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ description: 'Default true: the exact plan, nothing changed' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Why; recorded with every revert' })),
  },
  { additionalProperties: false },
);

export const UpgradeParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'Upgrade id or name' }) });
export const UpgradeListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

const Record_ = Type.Object({
  id: Type.String(),
  name: Type.String(),
  upgradeAt: Type.String({ format: 'date-time' }),
  services: Type.Array(Type.String()),
  source: Type.String(),
  before: Nullable(Type.String()),
  flags: Type.Array(Type.String()),
  expectations: Type.Array(Type.Object({}, { additionalProperties: true })),
  notes: Type.String(),
  status: Type.String({ description: 'active | rolled_back | retired' }),
  origin: Type.String({ description: 'manual | marker' }),
  version: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const Status = Type.Object({
  state: Type.String({ description: 'pending | healthy | watching | regressed | rolled_back | retired' }),
  sentence: Type.String({ description: 'The status in plain words' }),
  healthySince: Nullable(Type.String()),
  recommendation: Nullable(Type.String()),
});
const Links = Type.Object({ self: Type.String(), page: Type.String(), statusMarkdown: Type.String(), statusText: Type.String(), rollback: Type.String() });
export const UpgradeItem = Type.Object({ upgrade: Record_, status: Status, analyses: Type.Integer(), byGuard: Type.Integer(), links: Links });
export const UpgradePageSchema = Type.Object({ items: Type.Array(UpgradeItem), nextCursor: Nullable(Type.String()) });
export const CreatedUpgrade = Type.Object({ upgrade: Record_, links: Links });

const Step = Type.Object({
  order: Type.Integer(),
  kind: Type.String({ description: 'revert (aftershock does it) | manual (a person does it)' }),
  actionId: Nullable(Type.Integer()),
  what: Type.String(),
  current: Type.String(),
  revert: Type.String(),
  state: Type.String({ description: 'ready | blocked | todo | done' }),
  note: Type.Optional(Type.String()),
});
const Plan = Type.Object({ steps: Type.Array(Step), automated: Type.Integer(), manual: Type.Integer(), blocked: Nullable(Type.String()), checklist: Type.String({ description: 'Markdown' }) });
const Loose = Type.Object({}, { additionalProperties: true });

export const UpgradeDetail = Type.Object({
  upgrade: Record_,
  status: Status,
  onset: Nullable(Type.String({ description: 'When the regression began (baselines analysis); null = unknown' })),
  analyses: Type.Array(Loose, { description: 'Oldest first: the verdict over time' }),
  latest: Nullable(Type.Object({ analysisId: Type.String(), createdAt: Type.String(), verdict: Type.String(), summary: Type.String(), expectations: Type.Array(Loose), links: Loose })),
  actions: Type.Array(Loose),
  decisions: Type.Array(Loose),
  plan: Plan,
  links: Links,
});

export const RollbackResponse = Type.Object({
  upgrade: Type.Object({ id: Type.String(), name: Type.String() }),
  dryRun: Type.Boolean(),
  applied: Type.Boolean(),
  message: Type.String(),
  plan: Plan,
  actions: Type.Array(Loose, { description: 'Audit records this call made' }),
});

/**
 * Flag actions and SLA guard decisions (issue 6). Writes need the `write` scope, are dry runs unless the
 * body says `"dryRun": false`, return the exact diff, and are recorded with who/when/why/before/after.
 *   GET  /v1/flag                          current state of the backoff flag
 *   POST /v1/actions/backoff-constants     tune (explicit constants, or the recommendation of an analysis)
 *   POST /v1/actions/kill-switch           switch the new strategy off
 *   POST /v1/actions/:id/revert            restore the state before action :id (409 if the flag changed since)
 *   GET  /v1/actions, GET /v1/actions/:id  audit log, newest first, `before` cursor
 *   GET  /v1/guard/decisions               what the guard decided and why, newest first
 */
import { Type, type TSchema } from '../../vendor/typebox.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { NOT_APPLIED_REASON, notAppliedMessage, UNCONFIGURED_MESSAGE } from '../../actions/action-service.ts';
import type { BackoffRecommendation } from '../../actions/recommend-backoff.ts';
import { ACTION_STATUSES, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type ActionRecord } from '../../store/audit-log.ts';
import { AppError } from '../../errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { ErrorBody } from '../schemas.ts';

const Reason = Type.String({ minLength: 1, maxLength: 2000, description: 'Why, in your words; recorded in the audit log' });
const AnalysisId = Type.String({ minLength: 1, maxLength: 100, description: 'The analysis that motivated the action' });
const UpgradeId = Type.String({ minLength: 1, maxLength: 100, description: 'The upgrade the action is for: it is linked to it (its page, its rollback plan)' });
const DryRun = Type.Boolean({ description: 'Default true: return the exact diff without changing anything' });

const ConstantsBody = Type.Object(
  {
    baseMs: Type.Optional(Type.Number()),
    maxMs: Type.Optional(Type.Number()),
    multiplier: Type.Optional(Type.Number()),
    jitter: Type.Optional(Type.Number()),
    maxAttempts: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false, description: 'Fields to change; the others keep their current values' },
);

const TuneBody = Type.Object(
  {
    constants: Type.Optional(ConstantsBody),
    enable: Type.Optional(Type.Boolean({ description: 'Also switch the new strategy on (constants first, then on)' })),
    dryRun: Type.Optional(DryRun),
    reason: Reason,
    analysisId: Type.Optional(AnalysisId),
    upgradeId: Type.Optional(UpgradeId),
  },
  { additionalProperties: false },
);
const KillBody = Type.Object({ dryRun: Type.Optional(DryRun), reason: Reason, analysisId: Type.Optional(AnalysisId), upgradeId: Type.Optional(UpgradeId) }, { additionalProperties: false });
const RevertBody = Type.Object({ dryRun: Type.Optional(DryRun), reason: Type.Optional(Reason), upgradeId: Type.Optional(UpgradeId) }, { additionalProperties: false });
// Upper bounds keep ids a bigint can hold: 1e30 used to pass validation and fail in PostgreSQL as a 500.
const ActionIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Cursor: `nextBefore` of the previous page' })),
  },
  { additionalProperties: false },
);
const ActionsQuery = Type.Composite([PageQuery, Type.Object({ status: Type.Optional(Type.Union(ACTION_STATUSES.map((s) => Type.Literal(s)))) })], { additionalProperties: false });
const DecisionsQuery = Type.Composite([PageQuery, Type.Object({ target: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) })], { additionalProperties: false });

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Constants = Type.Object({ baseMs: Type.Number(), maxMs: Type.Number(), multiplier: Type.Number(), jitter: Type.Number(), maxAttempts: Type.Number() });
const Snapshot = Type.Object({ enabled: Type.Boolean(), constants: Nullable(Constants) });
const Range = Type.Object({ min: Type.Number(), max: Type.Number() });
const Bounds = Type.Object({ baseMs: Range, maxMs: Range, multiplier: Range, jitter: Range, maxAttempts: Range });
const Diff = Type.Array(Type.Object({ field: Type.String(), from: Type.Unknown(), to: Type.Unknown() }));
const ActionSchema = Type.Object({
  id: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  kind: Type.String({ description: 'backoff_constants | kill_switch | enable | revert' }),
  status: Type.String({ description: 'dry_run | noop | applied | failed | refused' }),
  dryRun: Type.Boolean(),
  mode: Type.String({ description: 'unleash, or unconfigured (no Unleash: dry runs only)' }),
  actor: Type.String(),
  reason: Type.String(),
  analysisId: Nullable(Type.String()),
  project: Type.String(),
  environment: Type.String(),
  flag: Type.String(),
  before: Nullable(Snapshot),
  target: Nullable(Snapshot),
  after: Nullable(Snapshot),
  diff: Diff,
  revertsId: Nullable(Type.Integer()),
  revertedById: Nullable(Type.Integer()),
  message: Type.String(),
  error: Nullable(Type.String()),
});
const Recommendation = Type.Object({
  action: Type.String(),
  service: Nullable(Type.String()),
  upstream: Nullable(Type.String()),
  current: Constants,
  constants: Nullable(Constants),
  checks: Type.Array(
    Type.Object({
      subject: Type.String(),
      statistic: Type.String(),
      q: Type.Number(),
      beforeMs: Type.Number(),
      afterMs: Type.Number(),
      targetMs: Type.Number(),
      extraWaitCurrentMs: Type.Number(),
      extraWaitProposedMs: Nullable(Type.Number()),
      predictedMs: Nullable(Type.Number()),
    }),
  ),
  model: Nullable(
    Type.Object({
      retriesPerCall: Nullable(Type.Number()),
      attemptFailProbability: Nullable(Type.Number()),
      observedMedianWaitMs: Nullable(Type.Number()),
      modelMedianWaitMs: Nullable(Type.Number()),
      waitScale: Type.Number(),
    }),
  ),
  currentSource: Type.Optional(Type.String({ description: 'flag: computed against the live constants; default: against the stated defaults (see assumption)' })),
  assumption: Type.Optional(Nullable(Type.String({ description: 'Why the default constants were assumed' }))),
  rationale: Type.Array(Type.String()),
});
const NotApplied = Type.Object(
  { reason: Type.Literal(NOT_APPLIED_REASON), message: Type.String() },
  {
    description:
      'Present only when dryRun false was asked for (in the body, or by the configured dryRunDefault) but nothing could be applied because Unleash is not configured. ' +
      'The answer is still 200 (the dry run itself worked and is recorded), so automation must check `applied` (false) or this field, never the status code alone.',
  },
);
const Outcome = Type.Object({
  applied: Type.Boolean({ description: 'True only when Unleash was changed' }),
  dryRun: Type.Boolean(),
  message: Type.String(),
  diff: Diff,
  action: ActionSchema,
  notApplied: Type.Optional(NotApplied),
  recommendation: Type.Optional(Recommendation),
});
const ActionPageSchema = Type.Object({ items: Type.Array(ActionSchema), nextBefore: Nullable(Type.Integer()) });
const DecisionPageSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      createdAt: Type.String({ format: 'date-time' }),
      guardId: Type.String(),
      target: Type.String(),
      evaluation: Type.String({ description: 'failing | passing | error | standby' }),
      decision: Type.String({ description: 'acted | dry_run | nothing' }),
      step: Nullable(Type.String()),
      reason: Type.String(),
      consecutive: Type.Integer(),
      actionId: Nullable(Type.Integer()),
      analysisId: Nullable(Type.String()),
      verdict: Nullable(Type.String()),
      details: Nullable(Type.Record(Type.String(), Type.Unknown())),
    }),
  ),
  nextBefore: Nullable(Type.Integer()),
});
const FlagResponse = Type.Object({
  configured: Type.Boolean(),
  message: Type.Optional(Type.String()),
  project: Type.String(),
  environment: Type.String(),
  flag: Type.String(),
  enabled: Type.Optional(Type.Boolean()),
  constants: Type.Optional(Nullable(Constants)),
  strategyId: Type.Optional(Nullable(Type.String())),
  payloadProblem: Type.Optional(Type.String()),
  bounds: Bounds,
});

// Writes also answer 413 (body limit), 415 (not JSON) and 429 (rate limit, action lock busy).
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody, 502: ErrorBody, 504: ErrorBody };

/**
 * Before schema validation of the flag writes (and after authentication: a caller without a token learns nothing
 * about the body). The service coerces types (query strings need it): Ajv would turn `"100"` into 100, `true` into
 * 1, `false` into 0 and `null` into `false`, `0` or `""` — `"jitter": false` would have set jitter 0, and
 * `"dryRun": null` from a client that serializes unset fields would have changed production. So no field of these
 * bodies may be null, constants must be JSON numbers, the switches JSON booleans and the texts JSON strings. An
 * absent body counts as `{}` (a bodiless `POST …/revert` is a dry run; Fastify otherwise validates `undefined`
 * and answers "body must be object").
 */
export function strictActionBody(request: FastifyRequest, _reply: unknown, done: (err?: Error) => void): void {
  request.body ??= {};
  const body = request.body as Record<string, unknown>;
  let problem: string | undefined;
  if (typeof body === 'object' && body !== null) {
    const inner = typeof body.constants === 'object' && body.constants !== null ? Object.entries(body.constants).map(([k, v]) => [`constants.${k}`, v] as const) : [];
    const fields = [...Object.entries(body), ...inner];
    const nulled = fields.find(([, v]) => v === null);
    const wrong = fields.find(([k, v]) => EXPECTED[k] !== undefined && typeof v !== EXPECTED[k].type);
    if (nulled) problem = `body.${nulled[0]} is null; leave the field out instead (null is never a value here)`;
    else if (wrong) problem = `body.${wrong[0]} must be ${EXPECTED[wrong[0]].says}, got ${JSON.stringify(wrong[1])}`;
  }
  done(problem ? new AppError('BAD_INPUT', `invalid request: ${problem}`) : undefined);
}
const NUMBER = { type: 'number', says: 'a number (a JSON number)' } as const;
const EXPECTED: Record<string, { type: 'number' | 'boolean' | 'string'; says: string }> = {
  dryRun: { type: 'boolean', says: 'true or false (a JSON boolean)' },
  enable: { type: 'boolean', says: 'true or false (a JSON boolean)' },
  reason: { type: 'string', says: 'a string' },
  analysisId: { type: 'string', says: 'a string' },
  'constants.baseMs': NUMBER,
  'constants.maxMs': NUMBER,
  'constants.multiplier': NUMBER,
  'constants.jitter': NUMBER,
  'constants.maxAttempts': NUMBER,
};

/** The id of the upgrade a body names (by id or name); 404 before anything is recorded when there is none. */
async function upgradeIdOf(deps: AppDeps, idOrName: string | undefined): Promise<string | undefined> {
  return idOrName === undefined ? undefined : (await deps.upgrades.get(idOrName)).id;
}

/**
 * What a write answers: the audit record plus flags a client should not have to derive. `askedToApply`: the
 * caller wanted a real change (dryRun false, given or by default); when that could not happen, `notApplied` says
 * why in a field automation can test.
 */
function outcome(action: ActionRecord, askedToApply: boolean, recommendation?: BackoffRecommendation) {
  const notApplied = askedToApply && action.mode === 'unconfigured' ? { reason: NOT_APPLIED_REASON, message: notAppliedMessage('dryRun false was asked for') } : null;
  return {
    applied: action.status === 'applied',
    dryRun: action.status === 'dry_run',
    message: action.message,
    diff: action.diff,
    action,
    ...(notApplied ? { notApplied } : {}),
    ...(recommendation ? { recommendation } : {}),
  };
}

const actionRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { actions, guardLog } = deps;
  const { bounds } = actions;
  const tags = ['actions'];
  const security = [{ bearer: [] }];
  const { server } = deps.settings;
  // Flag changes are write routes like POST /v1/analyses: same body-size and per-client rate limits. The token is
  // checked first, then the body's types, then the schema.
  const writeLimits = {
    bodyLimit: server.writeBodyLimitBytes,
    config: { rateLimit: { max: server.writeRateLimit.max, timeWindow: server.writeRateLimit.timeWindowMs } },
    preValidation: strictActionBody,
  };
  const asksToApply = (dryRun: boolean | undefined) => (dryRun ?? actions.dryRunDefault) === false;

  app.get(
    '/v1/flag',
    { onRequest: deps.requireRead, schema: { tags, security, summary: 'Current state of the backoff flag in Unleash', response: { 200: FlagResponse, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 502: ErrorBody, 504: ErrorBody } } },
    async () => {
      if (!actions.configured) return { configured: false, message: UNCONFIGURED_MESSAGE, ...actions.ref, bounds };
      return { configured: true, ...(await actions.readState()), bounds };
    },
  );

  app.post(
    '/v1/actions/backoff-constants',
    {
      ...writeLimits,
      onRequest: deps.requireWrite,
      schema: {
        tags,
        security,
        summary: 'Set the backoff constants (dry run by default)',
        description: 'Give `constants`, or only `analysisId` to apply that analysis\'s recommendation. Outside the configured bounds → 422.',
        body: TuneBody,
        response: { 200: Outcome, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      const ctx = { actor: deps.principal(request), reason: b.reason, analysisId: b.analysisId, upgradeId: await upgradeIdOf(deps, b.upgradeId), dryRun: b.dryRun, enable: b.enable };
      if (b.constants) return outcome(await actions.tune(b.constants, ctx), asksToApply(b.dryRun));
      if (!b.analysisId) throw new AppError('BAD_INPUT', 'body needs `constants`, or `analysisId` to apply the recommendation of that analysis');
      const { action, recommendation } = await actions.tuneFromReport({ analysisId: b.analysisId }, ctx);
      return outcome(action, asksToApply(b.dryRun), recommendation);
    },
  );

  app.post(
    '/v1/actions/kill-switch',
    { ...writeLimits, onRequest: deps.requireWrite, schema: { tags, security, summary: 'Switch the new strategy off (dry run by default)', body: KillBody, response: { 200: Outcome, ...errors } } },
    async (request) => {
      const b = request.body;
      return outcome(await actions.killSwitch({ actor: deps.principal(request), reason: b.reason, analysisId: b.analysisId, upgradeId: await upgradeIdOf(deps, b.upgradeId), dryRun: b.dryRun }), asksToApply(b.dryRun));
    },
  );

  app.post(
    '/v1/actions/:id/revert',
    {
      ...writeLimits,
      onRequest: deps.requireWrite,
      schema: { tags, security, summary: 'Restore the state before an action (dry run by default; 409 if the flag changed since)', params: ActionIdParams, body: Type.Optional(RevertBody), response: { 200: Outcome, ...errors } },
    },
    async (request) => {
      const b = request.body ?? {};
      return outcome(await actions.revert(request.params.id, { actor: deps.principal(request), reason: b.reason ?? '', upgradeId: await upgradeIdOf(deps, b.upgradeId), dryRun: b.dryRun }), asksToApply(b.dryRun));
    },
  );

  app.get(
    '/v1/actions',
    { onRequest: deps.requireRead, schema: { tags, security, summary: 'Audit log of flag actions, newest first', querystring: ActionsQuery, response: { 200: ActionPageSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } } },
    async (request) => actions.listActions({ limit: request.query.limit, before: request.query.before, status: request.query.status }),
  );

  app.get(
    '/v1/actions/:id',
    { onRequest: deps.requireRead, schema: { tags, security, summary: 'One audit record', params: ActionIdParams, response: { 200: ActionSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const rec = await actions.getAction(request.params.id);
      if (!rec) throw new AppError('NOT_FOUND', `action ${request.params.id} does not exist`);
      return rec;
    },
  );

  app.get(
    '/v1/guard/decisions',
    { onRequest: deps.requireRead, schema: { tags: ['guard'], security, summary: 'SLA guard decisions (including "did nothing because …"), newest first', querystring: DecisionsQuery, response: { 200: DecisionPageSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } } },
    async (request) => guardLog.list({ limit: request.query.limit, before: request.query.before, target: request.query.target }),
  );
};

export default actionRoutes;

/**
 * TypeBox schemas of the HTTP API: they validate requests, serialize responses and become the OpenAPI document.
 * Report and finding objects allow additional properties so that additive fields of the report contract
 * (../analysis/types.ts) reach clients without a change here.
 */
import { Type, type Static } from '../vendor/typebox.ts';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';
import { PERIOD_VARIANCES } from '../runtime/analysis-request.ts';

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 with a zone, e.g. 2026-11-20T14:00:00Z' });
/** Window lengths; error-handler.ts words a mismatch for people instead of quoting this regex. */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$';
const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'Window length, e.g. 2h, 90m, 1h30m; at most 31d', examples: ['2h'] });
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    // The closed code set as an enum, so generated clients get a type they can switch on.
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: [...ERROR_CODES], description: 'AppError code (closed set)' }),
    message: Type.String(),
    requestId: Type.String(),
  },
  { description: 'Every error response' },
);

/** The baseline of an analysis (issue 11): the CLI's --baseline/--period/--periods/--variance-periods/--period-variance/--cohort-tag/--control. */
export const BaselineFields = {
  baseline: Type.Optional(Type.Union([Type.Literal('before'), Type.Literal('seasonal'), Type.Literal('cohort')], { description: 'What the after window is compared with (default from config, normally before)' })),
  period: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'seasonal: period length, e.g. 1d or 7d', examples: ['1d'] })),
  periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 52, description: 'seasonal: number of earlier periods that are the baseline (each a cluster)' })),
  variancePeriods: Type.Optional(
    Type.Integer({ minimum: 2, maximum: 52, description: 'seasonal: number of earlier periods (the baseline\'s included) that measure the period-to-period variation (default from config, 14)' }),
  ),
  periodVariance: Type.Optional(
    Type.Union(PERIOD_VARIANCES.map((v) => Type.Literal(v)), {
      description: 'seasonal: variance of a period total — between (the periods\' spread, t(K − 1); default from config) or auto (per service the within-period variance when the periods do not differ beyond their noise)',
    }),
  ),
  cohortTag: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'cohort: the telemetry tag holding the flag cohort (default variant)' })),
  control: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'cohort: the flag-off value of that tag; every other value is the treatment' })),
};

export const AnalysisRequestBody = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 200, description: 'A configured source name (config `sources`), e.g. demo', examples: ['demo'] }),
    upgradeAt: Timestamp,
    before: Type.Optional(Duration),
    after: Type.Optional(Duration),
    services: Type.Optional(Type.Array(Name, { maxItems: 100, description: 'Only these services (all when absent)' })),
    endpoints: Type.Optional(Type.Array(Name, { maxItems: 100, description: 'Only these endpoints (all when absent)' })),
    upgradeId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The registered upgrade (id or name) this analysis is for: its expectations are checked too' })),
    allowFuture: Type.Optional(
      Type.Boolean({ description: 'Accept an upgradeAt after the current time and windows past it as given (otherwise: 400, and windows are cut at now)' }),
    ),
    deadline: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: 'Total time for the whole analysis (default config deadlines.analysisMs)', examples: ['10m'] })),
    fetchDeadline: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: 'Total time for reading both windows (default config deadlines.fetchMs)', examples: ['5m'] })),
    ...BaselineFields,
  },
  { additionalProperties: false },
);
export type AnalysisRequestBody = Static<typeof AnalysisRequestBody>;

// A pair as a fixed-length array rather than Type.Tuple: a tuple becomes `items: [..]` + `additionalItems`, which
// OpenAPI 3.0 does not allow, so validators and client generators reject the whole document.
// A bound is null when the interval is open on that side (an infinite bound, e.g. a relative change from a rate
// of 0, is null in JSON); requiring numbers made GET /v1/analyses/:id a 500 for such reports.
const Interval = Type.Union([
  Type.Array(Nullable(Type.Number()), { minItems: 2, maxItems: 2, description: '[low, high]; null = unbounded on that side' }),
  Type.Null(),
]);
export const FindingSchema = Type.Object(
  {
    kind: Type.String(),
    service: Type.String(),
    subject: Type.String(),
    statistic: Type.String(),
    unit: Type.String(),
    before: Nullable(Type.Number()),
    after: Nullable(Type.Number()),
    relativeChange: Nullable(Type.Number()),
    ci: Interval,
    test: Type.String(),
    pValue: Nullable(Type.Number()),
    qValue: Nullable(Type.Number()),
    status: Type.String({ description: 'regression | improvement | no_change | insufficient_data' }),
    nBefore: Type.Number(),
    nAfter: Type.Number(),
    reason: Type.String(),
    onset: Type.Optional(
      Type.Object(
        {
          at: Type.String({ description: 'RFC 3339: start of the first block at the new rate' }),
          interval: Type.Array(Type.String(), { minItems: 2, maxItems: 2, description: 'RFC 3339 [earliest, latest] start in the confidence set' }),
          relation: Type.String({ description: 'upgrade | before_upgrade | after_upgrade' }),
          description: Type.String(),
        },
        { additionalProperties: true, description: 'When a regression began (issue 11): change point of its per-block series over both windows' },
      ),
    ),
  },
  { additionalProperties: true },
);

const WindowRange = Type.Object({ start: Type.String(), stop: Type.String() });
export const ReportSchema = Type.Object(
  {
    schemaVersion: Type.Literal(1),
    verdict: Type.String({ description: 'pass | warn | fail' }),
    upgradeAt: Type.String(),
    windows: Type.Object({ before: WindowRange, after: WindowRange }),
    findings: Type.Array(FindingSchema),
    summary: Type.String(),
    warnings: Type.Array(Type.String()),
    recommendation: Type.Optional(
      Type.Object(
        {
          action: Type.String({ description: 'tune | kill_switch | none' }),
          currentSource: Type.String({ description: 'flag: against the live constants; default: against the stated defaults, because the live ones are unknown' }),
          assumption: Type.Union([Type.String(), Type.Null()], { description: 'Why the default constants were assumed' }),
          rationale: Type.Array(Type.String()),
        },
        { additionalProperties: true, description: 'The backoff recommendation the runtime adds after the analysis (same as POST /v1/actions/backoff-constants {analysisId} proposes)' },
      ),
    ),
  },
  { additionalProperties: true, description: 'Report contract, schemaVersion 1' },
);

const Status = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]);
const VerdictSchema = Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]);
const StoredRequest = Type.Object({}, { additionalProperties: true, description: 'The request as submitted' });

export const AnalysisResponse = Type.Object({
  id: Type.String(),
  status: Status,
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  request: StoredRequest,
  report: Type.Union([ReportSchema, Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  links: Type.Object({ self: Type.String(), markdown: Type.String(), html: Type.String() }),
});

export const CreatedResponse = Type.Object({ id: Type.String(), status: Status, links: Type.Object({ self: Type.String() }) });

export const AnalysisSummarySchema = Type.Object({
  id: Type.String(),
  status: Status,
  progress: Type.Number(),
  request: StoredRequest,
  verdict: Type.Union([VerdictSchema, Type.Null()]),
  summary: Type.Union([Type.String(), Type.Null()]),
  services: Type.Array(Type.String()),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ListQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'nextCursor of the previous page' })),
    service: Type.Optional(Name),
    verdict: Type.Optional(VerdictSchema),
    status: Type.Optional(Status),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Upgrade time at or after (RFC 3339)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Upgrade time before (RFC 3339)' })),
  },
  { additionalProperties: false },
);

export const ListResponse = Type.Object({ items: Type.Array(AnalysisSummarySchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const VerdictQuery = Type.Object({ service: Name }, { additionalProperties: false });
export const VerdictResponse = Type.Object({
  service: Type.String(),
  analysisId: Type.String({ description: 'The analysis the verdict comes from: the newest finished one covering this service' }),
  verdict: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')], {
    description: "This service's own verdict: the report's rule applied to this service's findings only (other services of the analysis do not count); warn when the analysis has no findings for it",
  }),
  upgradeAt: Type.String(),
  createdAt: Type.String(),
  regressions: Type.Array(FindingSchema, { description: "This service's regressions that decide its verdict" }),
  analysisVerdict: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')], { description: 'The verdict of the whole analysis `analysisId` (all services)' }),
  summary: Type.String({ description: "One line on this service's verdict, worded like the report summary" }),
});

/**
 * A 200 that is not JSON (Markdown, HTML, images, Prometheus text), documented per media type. Used instead of the
 * route-wide `produces`, which also stamps that media type on the JSON error responses and so hid their schema.
 */
export function nonJsonResponse(description: string, mediaTypes: string[]) {
  return { description, content: Object.fromEntries(mediaTypes.map((m) => [m, { schema: { type: 'string' } }])) };
}

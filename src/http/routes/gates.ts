/**
 * Pipeline gates (issue 13): the pass/fail question progressive-delivery tools already know how to ask.
 *   GET  /v1/gates/argo?service=…[&failOn=warn]  Argo Rollouts `web` metric provider: always 200 with the gate in
 *                                               the body (Argo turns a non-2xx into a measurement *error*)
 *   POST /v1/gates/flagger                      Flagger webhook (its documented body: name, namespace, phase,
 *                                               checksum, metadata): 200 = pass, 409 = halt, with the same body
 * Both answer from the newest finished analysis covering the service (the one GET /v1/verdict answers from) and
 * judge the service's own findings (report/service-view.ts), so gates and verdict agree. 404 when no finished
 * analysis covers the service. Never starts an analysis.
 */
import { Type, type Static } from '../../vendor/typebox.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';
import { DEFAULT_FAIL_ON, FAIL_ON, gateOf, serviceView, type FailOn } from '../../report/service-view.ts';
import type { AppDeps } from '../app-deps.ts';
import { ErrorBody } from '../schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const FailOnSchema = Type.Union(
  FAIL_ON.map((v) => Type.Literal(v)),
  { description: `${DEFAULT_FAIL_ON} (default): only a regression fails the gate; warn: a significant change within tolerance fails it too` },
);
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

const ArgoQuery = Type.Object({ service: Name, failOn: Type.Optional(FailOnSchema) }, { additionalProperties: false });

// Flagger's CanaryWebhookPayload (docs "Webhooks"): metadata is the hook's map of strings. Extra fields are
// accepted so a newer Flagger does not break the gate.
const FlaggerBody = Type.Object(
  {
    name: Name,
    namespace: Type.String({ maxLength: 253 }),
    phase: Type.Optional(Type.String({ maxLength: 100 })),
    checksum: Type.Optional(Type.String({ maxLength: 200 })),
    metadata: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 2000 }), {
        description: 'service: the aftershock service of this canary (default: the canary name); failOn: warn|fail; token: a read token, for Flagger cannot send headers',
      }),
    ),
  },
  { additionalProperties: true },
);
type FlaggerBody = Static<typeof FlaggerBody>;

const Worst = Type.Union([
  Type.Object({
    kind: Type.String(),
    subject: Type.String(),
    statistic: Type.String(),
    unit: Type.String(),
    before: Nullable(Type.Number()),
    after: Nullable(Type.Number()),
    relativeChange: Nullable(Type.Number()),
  }),
  Type.Null(),
]);

const GateResponse = Type.Object(
  {
    service: Type.String(),
    gate: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('inconclusive')], {
      description: 'fail: a regression (or, with failOn=warn, a warn verdict); inconclusive: too little data to decide; pass otherwise',
    }),
    verdict: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')], { description: "The service's own verdict" }),
    failOn: FailOnSchema,
    analysisId: Type.String(),
    upgradeAt: Type.String({ format: 'date-time' }),
    analyzedAt: Type.String({ format: 'date-time', description: 'When the analysis was created' }),
    sentence: Type.String({ description: 'The verdict in one sentence' }),
    findings: Type.Integer(),
    regressions: Type.Integer(),
    insufficientData: Type.Integer(),
    significantWithinTolerance: Type.Integer(),
    improvements: Type.Integer(),
    worst: Worst,
    links: Type.Object({ analysis: Type.String(), html: Type.String() }),
    canary: Type.Optional(Type.Object({ name: Type.String(), namespace: Type.String(), phase: Type.Union([Type.String(), Type.Null()]) })),
  },
  { description: 'Stable field names: pipeline conditions such as `result.gate == "pass"` depend on them' },
);
type GateResponse = Static<typeof GateResponse>;

/** The gate for `service` from the newest finished analysis covering it; NOT_FOUND when there is none. */
async function gateFor(deps: AppDeps, service: string, failOn: FailOn): Promise<GateResponse> {
  const latest = await deps.analyses.verdict(service);
  const record = latest ? await deps.store.get(latest.analysisId) : null;
  if (!latest || !record?.report) throw new AppError('NOT_FOUND', `no finished analysis covers service "${service}"`);
  const view = serviceView(record.report, service);
  const worst = view.regressions[0] ?? null;
  const self = `/v1/analyses/${encodeURIComponent(record.id)}`;
  return {
    service,
    gate: gateOf(view.verdict, view.counts, failOn),
    verdict: view.verdict,
    failOn,
    analysisId: record.id,
    upgradeAt: record.report.upgradeAt,
    analyzedAt: record.createdAt,
    sentence: view.sentence,
    ...view.counts,
    worst: worst && { kind: worst.kind, subject: worst.subject, statistic: worst.statistic, unit: worst.unit, before: worst.before, after: worst.after, relativeChange: worst.relativeChange },
    links: { analysis: self, html: `${self}/report.html` },
  };
}

const gateRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const security = [{ bearer: [] }];

  app.get(
    '/v1/gates/argo',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['gates'],
        summary: 'Argo Rollouts web metric provider: the gate for a service',
        description:
          'Always 200 when an analysis covers the service, with `gate` pass | fail | inconclusive in the body (use ' +
          '`successCondition: result.gate == "pass"` and `failureCondition: result.gate == "fail"`: neither matches ' +
          'inconclusive, which pauses the rollout). 404 when no finished analysis covers the service (an Argo error measurement).',
        security,
        querystring: ArgoQuery,
        response: { 200: GateResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => gateFor(deps, request.query.service, request.query.failOn ?? DEFAULT_FAIL_ON),
  );

  /**
   * Flagger sends no custom headers, so a read token may come as `metadata.token` (as in Flagger's own examples);
   * it is used as the bearer token and removed from the body before anything else sees it.
   */
  const flaggerAuth = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const metadata = (request.body as FlaggerBody | undefined)?.metadata;
    const token = metadata?.token;
    if (metadata) delete metadata.token;
    if (!request.headers.authorization && token) request.headers.authorization = `Bearer ${token}`;
    await deps.requireRead(request, reply);
  };

  app.post(
    '/v1/gates/flagger',
    {
      preHandler: flaggerAuth,
      schema: {
        tags: ['gates'],
        summary: 'Flagger webhook: 200 lets the canary advance, 409 halts it',
        description:
          "Takes Flagger's webhook body. The service is `metadata.service`, else the canary name; `metadata.failOn: warn` " +
          'is stricter. 200 when the gate passes; 409 with the same body when it fails or is inconclusive (too little ' +
          'data), which Flagger counts as a failed check (or, for confirm-* hooks, waits on); 404 when no finished analysis ' +
          'covers the service. Authentication: a bearer header, or a read token in `metadata.token`.',
        security,
        body: FlaggerBody,
        response: { 200: GateResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: GateResponse },
      },
    },
    async (request, reply) => {
      const { name, namespace, phase, metadata } = request.body;
      const failOn = metadata?.failOn ?? DEFAULT_FAIL_ON;
      if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new AppError('BAD_INPUT', `body.metadata.failOn must be one of ${FAIL_ON.join(', ')} (got "${failOn}")`);
      const service = metadata?.service?.trim() || name;
      const body = { ...(await gateFor(deps, service, failOn as FailOn)), canary: { name, namespace, phase: phase ?? null } };
      return reply.code(body.gate === 'pass' ? 200 : 409).send(body);
    },
  );
};

export default gateRoutes;

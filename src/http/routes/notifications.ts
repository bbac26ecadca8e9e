/**
 * GET /v1/notifications/deliveries: every queued notification (verdict changes, guard actions) per target, with
 * its status (pending, delivered, failed) and each attempt (status code or error, duration), newest first, with a
 * `before` cursor. Read-only: deliveries are made in the background by src/notify.
 */
import { Type, type TSchema } from '../../vendor/typebox.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../store/audit-log.ts';
import { DELIVERY_STATUSES, type Delivery, type DeliveryAttempt } from '../../store/notification-log.ts';
import type { AppDeps } from '../app-deps.ts';
import { ErrorBody } from '../schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const DeliveriesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Cursor: `nextBefore` of the previous page' })),
    status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

const AttemptSchema = Type.Object({
  attempt: Type.Integer(),
  startedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer(),
  ok: Type.Boolean(),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
});

const DeliverySchema = Type.Object({
  id: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  eventId: Type.String(),
  eventType: Type.String({ description: 'verdict.changed | guard.action' }),
  target: Type.String(),
  kind: Type.String({ description: 'webhook | slack' }),
  status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  nextAttemptAt: Type.String({ format: 'date-time' }),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  event: Type.Object({}, { additionalProperties: true, description: 'The event as sent (schemaVersion 1)' }),
  history: Type.Array(AttemptSchema),
});

const DeliveryPage = Type.Object({ items: Type.Array(DeliverySchema), nextBefore: Nullable(Type.Integer()) });

function present(d: Delivery & { history: DeliveryAttempt[] }) {
  const { payload, ...rest } = d;
  return { ...rest, event: JSON.parse(payload) as Record<string, unknown> };
}

const notificationRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/v1/notifications/deliveries',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['notifications'],
        summary: 'Notification deliveries and their attempts, newest first',
        security: [{ bearer: [] }],
        querystring: DeliveriesQuery,
        response: { 200: DeliveryPage, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const page = await deps.notifications.list({ limit: request.query.limit, before: request.query.before, status: request.query.status, target: request.query.target });
      return { items: page.items.map(present), nextBefore: page.nextBefore };
    },
  );
};

export default notificationRoutes;

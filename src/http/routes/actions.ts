/**
 * Owned by the Unleash helper: flag actions and guard decision routes. Registered by app.ts with `{ deps }`
 * (see ../app-deps.ts); guard writes with `preHandler: deps.requireWrite` and record `deps.principal(request)`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.ts';

const actionRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (_app, _opts) => {
  // Routes are added by the Unleash helper.
};

export default actionRoutes;

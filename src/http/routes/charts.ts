/**
 * Owned by the charts helper: GET /v1/analyses/:id/report.html and /v1/analyses/:id/charts/:name.{svg,png,vl.json}.
 * Registered by app.ts with `{ deps }` (see ../app-deps.ts); read analyses through `deps.store.get(id)` and guard
 * read routes with `preHandler: deps.requireRead`. The landing page `/` lives in ./landing.ts (service helper).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.ts';

const chartRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (_app, _opts) => {
  // Routes are added by the charts helper.
};

export default chartRoutes;

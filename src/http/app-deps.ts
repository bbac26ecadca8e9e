/**
 * What every route plugin of the app receives. app.ts builds it once and registers each plugin under
 * `src/http/routes/` with `{ deps }` as options, so route plugins written by different people share one
 * store, one config and one auth scheme.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { SqlClient } from '../store/pg/sql-client.ts';
import type { ReportStore } from '../store/report-store.ts';
import type { AnalysisService } from '../runtime/analysis-service.ts';
import type { ServiceMetrics } from './metrics-registry.ts';
import type { ServiceSettings } from './service-config.ts';

export type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface AppDeps {
  config: Config;
  /** The environment the service was created with (process.env unless a test passes its own). */
  env: NodeJS.ProcessEnv;
  sql: SqlClient;
  store: ReportStore;
  /** preHandlers enforcing bearer-token scopes (a write token also reads). */
  requireRead: PreHandler;
  requireWrite: PreHandler;
  /** Identity of the caller for audit records (token label, never the token itself). */
  principal(request: FastifyRequest): string;
  /** Validated server/store/auth/pool settings with environment overrides applied. */
  settings: ServiceSettings;
  /** Submits analyses to the worker pool and answers cached verdicts. */
  analyses: AnalysisService;
  /** Prometheus registry: route plugins may add their own counters. */
  metrics: ServiceMetrics;
}

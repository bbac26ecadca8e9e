/**
 * What every route plugin of the app receives: services built once by the runtime (src/runtime/open-runtime.ts)
 * plus the app's own auth and metrics. app.ts registers each plugin under `src/http/routes/` with `{ deps }`, so
 * a route never builds a service, opens a store or reads the environment itself.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActionService } from '../actions/action-service.ts';
import type { AnalysisService } from '../runtime/analysis-service.ts';
import type { ReportPageCache } from '../runtime/report-page-cache.ts';
import type { ReadinessCheck } from '../runtime/readiness.ts';
import type { ServiceSettings } from '../runtime/service-settings.ts';
import type { UpgradeService } from '../runtime/upgrade-service.ts';
import type { GuardLog } from '../store/guard-log.ts';
import type { NotificationLog } from '../store/notification-log.ts';
import type { ReportStore } from '../store/report-store.ts';
import type { ServiceMetrics } from './metrics-registry.ts';
import type { SecretFilter } from './redact.ts';

/** A route hook; the auth ones go in `onRequest`, so a caller without the scope never gets its body parsed. */
export type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface AppDeps {
  /** Analyses and their reports. */
  store: ReportStore;
  /** Flag actions (Unleash), dry-run first, audited. */
  actions: ActionService;
  /** The SLA guard's decisions. */
  guardLog: GuardLog;
  /** Notification deliveries and their attempts (read only here). */
  notifications: NotificationLog;
  /** Reachability of the store and every configured source, for /readyz. */
  readiness(): Promise<Record<string, ReadinessCheck>>;
  /** `onRequest` hooks enforcing bearer-token scopes (a write token also reads); they run before body parsing. */
  requireRead: PreHandler;
  requireWrite: PreHandler;
  /** Identity of the caller for audit records (token label, never the token itself). */
  principal(request: FastifyRequest): string;
  /** Validated server/store/auth/pool settings with environment overrides applied. */
  settings: ServiceSettings;
  /** Submits analyses to the worker pool and answers cached verdicts. */
  analyses: AnalysisService;
  /** Recognises configured tokens so that none reaches a log line (URLs, request ids); absent = by name only. */
  secrets?: SecretFilter;
  /** Prometheus registry: route plugins may add their own counters. */
  metrics: ServiceMetrics;
  /** HTML report pages, drawn once per finished analysis and then served from the store (issue 12). */
  reportPages: ReportPageCache;
  /** Upgrades: registration, the page's view, the rollback plan, status texts (issue 15). */
  upgrades: UpgradeService;
}

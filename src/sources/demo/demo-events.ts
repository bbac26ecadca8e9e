/**
 * The demo's deployment marker and event counters: the upgrade itself is recorded in the telemetry (shop
 * 2.4.0 deployed at the upgrade time, like `deployment,service=shop version="2.4.0" <ts>`), and each service
 * counts fallbacks to its old code path (`fallback_total`), which stay flat across the upgrade in this story.
 */
import type { DeploymentMarker, EventCountQuery, EventCountSeries, TimeRange } from '../../analysis/types.ts';
import { seededRandom } from '../../stats/seeded-random.ts';
import { DEMO_ENDPOINTS } from './demo-telemetry.ts';

export const DEMO_DEPLOYMENT = { service: 'shop', version: '2.4.0' } as const;
/** Fallbacks per request, before and after alike. */
export const DEMO_FALLBACK_RATES: Readonly<Record<string, number>> = { shop: 0.002, accounts: 0.001 };
export const DEMO_FALLBACK_COUNTER = 'fallback_total';

const inScope = (service: string, services?: string[]) => !services?.length || services.includes(service);

export function demoMarkers(query: { upgradeAt: number; before: TimeRange; after: TimeRange; services?: string[] }): DeploymentMarker[] {
  const { upgradeAt, before, after } = query;
  const inWindows = (upgradeAt >= before.start && upgradeAt < before.stop) || (upgradeAt >= after.start && upgradeAt < after.stop);
  return inWindows && inScope(DEMO_DEPLOYMENT.service, query.services) ? [{ ...DEMO_DEPLOYMENT, at: upgradeAt }] : [];
}

/** Seeded Poisson totals of the counters the demo knows (`fallback_total`, counted or summed alike). */
export function demoEventCounts(
  query: { before: TimeRange; after: TimeRange; services?: string[]; eventCounts?: EventCountQuery[] },
  options: { seed: number; scale: number },
): EventCountSeries[] {
  const out: EventCountSeries[] = [];
  const seconds = (r: TimeRange) => Math.max(0, r.stop - r.start) / 1000;
  for (const q of query.eventCounts ?? []) {
    if (q.measurement !== DEMO_FALLBACK_COUNTER) continue;
    const counter = q.field ? `${q.measurement}.${q.field}` : q.measurement;
    for (const [service, rate] of Object.entries(DEMO_FALLBACK_RATES)) {
      if (!inScope(service, query.services)) continue;
      const perSecond = DEMO_ENDPOINTS.filter((e) => e.service === service).reduce((n, e) => n + e.ratePerSec, 0) * options.scale * rate;
      // One stream per counter and service, independent of the request telemetry's draws.
      const r = seededRandom(options.seed * 7919 + service.length * 104_729 + counter.length);
      out.push({ counter, service, before: r.poisson(perSecond * seconds(query.before)), after: r.poisson(perSecond * seconds(query.after)) });
    }
  }
  return out;
}

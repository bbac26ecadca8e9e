/**
 * `FlagReader` over the Unleash Admin API: `GET /api/admin/projects/{project}/features/{flag}` (404 = the flag
 * does not exist, e.g. removed and archived), reduced to what expectations judge: archived and stale marks, and
 * the environment's on/off, strategies and strategy-variant payloads.
 */
import { AppError } from '../../errors.ts';
import type { FlagObservation } from '../../analysis/expectations.ts';
import type { FlagReader } from '../flag-reader.ts';
import type { FlagRef } from '../flag-actions.ts';
import { UnleashHttp, type UnleashHttpOptions } from './unleash-http.ts';

interface Feature {
  name: string;
  stale?: boolean;
  archived?: boolean;
  archivedAt?: string | null;
  environments?: Array<{
    name: string;
    enabled: boolean;
    strategies?: Array<{ name: string; variants?: Array<{ name: string; payload?: { type: string; value: string } }> }>;
  }>;
}

export class UnleashFlagReader implements FlagReader {
  readonly description: string;
  readonly defaults: Pick<FlagRef, 'project' | 'environment'>;
  private readonly http: UnleashHttp;

  constructor(options: UnleashHttpOptions & Pick<FlagRef, 'project' | 'environment'>) {
    this.http = new UnleashHttp(options);
    this.defaults = { project: options.project, environment: options.environment };
    this.description = `Unleash ${this.http.baseUrl}`;
  }

  async read(ref: FlagRef, signal?: AbortSignal): Promise<Exclude<FlagObservation, { status: 'unavailable' }>> {
    let f: Feature;
    try {
      f = await this.http.request<Feature>('GET', `/api/admin/projects/${encodeURIComponent(ref.project)}/features/${encodeURIComponent(ref.flag)}`, undefined, signal);
    } catch (e) {
      if (e instanceof AppError && e.code === 'NOT_FOUND') return { status: 'missing' };
      throw e;
    }
    const env = f.environments?.find((x) => x.name === ref.environment) ?? null;
    return {
      status: 'found',
      archived: f.archived === true || Boolean(f.archivedAt),
      stale: f.stale === true,
      environment: env && {
        name: env.name,
        enabled: env.enabled,
        strategies: (env.strategies ?? []).map((s) => ({ name: s.name, variants: (s.variants ?? []).map((v) => ({ name: v.name, ...(v.payload ? { payload: v.payload } : {}) })) })),
      },
    };
  }
}

/**
 * `FlagReader`: read-only look at any feature flag (not only the one the actions change), for the expectations
 * of an upgrade ("`dten.hybrid.enable` is enabled in production", "the deprecated flag is gone") and the current
 * state column of a rollback plan. `unleash/unleash-flag-reader.ts` implements it over the Unleash Admin API.
 */
import type { FlagObservation } from '../analysis/expectations.ts';
import type { Config } from '../config.ts';
import { unleashSettings } from './actions-config.ts';
import type { FlagRef } from './flag-actions.ts';
import { UnleashFlagReader } from './unleash/unleash-flag-reader.ts';

export interface FlagReader {
  /** Where it reads, without secrets. */
  readonly description: string;
  /** Project and environment used when an expectation names none. */
  readonly defaults: Pick<FlagRef, 'project' | 'environment'>;
  /** The flag as Unleash has it; `missing` when it does not exist. Throws (UPSTREAM, TIMEOUT …) when Unleash cannot be read. */
  read(ref: FlagRef, signal?: AbortSignal): Promise<Exclude<FlagObservation, { status: 'unavailable' }>>;
}

/** The reader over the configured Unleash, or null when Unleash is not configured. */
export function createFlagReader(config: Config, env: NodeJS.ProcessEnv = process.env): FlagReader | null {
  const u = unleashSettings(config, env);
  if (!u.url || !u.adminToken) return null;
  return new UnleashFlagReader({ ...u, token: u.adminToken });
}

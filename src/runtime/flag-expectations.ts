/**
 * Checks the `flag` expectations of an analysis request against Unleash (read-only) and judges each with
 * analysis/expectations.ts. Unleash not configured or not reachable makes an expectation unknown (the
 * report warns), never failed: aftershock cannot tell, so it says so.
 */
import { flagExpectationFinding, type Expectation, type FlagExpectation, type FlagObservation } from '../analysis/expectations.ts';
import type { Finding } from '../analysis/types.ts';
import type { FlagReader } from '../actions/flag-reader.ts';

export const UNLEASH_UNCONFIGURED = 'Unleash is not configured (set unleash.url and unleash.adminToken, or UNLEASH_URL and UNLEASH_ADMIN_TOKEN)';

export async function observeFlag(reader: FlagReader | null, e: Pick<FlagExpectation, 'flag' | 'project' | 'environment'>, signal?: AbortSignal): Promise<{ observation: FlagObservation; environment: string }> {
  if (!reader) return { observation: { status: 'unavailable', reason: UNLEASH_UNCONFIGURED }, environment: e.environment ?? 'production' };
  const ref = { project: e.project ?? reader.defaults.project, environment: e.environment ?? reader.defaults.environment, flag: e.flag };
  try {
    return { observation: await reader.read(ref, signal), environment: ref.environment };
  } catch (err) {
    return { observation: { status: 'unavailable', reason: `Unleash could not be read: ${(err as Error).message}` }, environment: ref.environment };
  }
}

export async function checkFlagExpectations(expectations: Expectation[] | undefined, o: { reader: FlagReader | null; service: string; signal?: AbortSignal }): Promise<Finding[]> {
  const flags = (expectations ?? []).filter((e): e is FlagExpectation => e.kind === 'flag');
  const out: Finding[] = [];
  for (const e of flags) {
    const { observation, environment } = await observeFlag(o.reader, e, o.signal);
    out.push(flagExpectationFinding(e, observation, { service: o.service, environment }));
  }
  return out;
}

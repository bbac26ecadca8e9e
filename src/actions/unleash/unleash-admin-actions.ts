/**
 * `FlagActions` over the Unleash Admin API (tested against unleash-server 7.5.1).
 * Flag model: the feature flag gates the new strategy per environment (on/off via
 * `…/environments/{env}/on|off`); the constants are the JSON payload (`value` is a JSON *string*) of a named
 * **strategy variant** on the environment's strategy — environment-level variants are deprecated (403).
 * A change is only sent when it differs from what Unleash holds, and is read back before returning.
 * The payload may carry fields other than the five constants (other teams' settings): they are read past and
 * written back unchanged.
 */
import { AppError } from '../../errors.ts';
import {
  assertWithinBounds,
  formatDiff,
  diffSnapshots,
  parseBackoffPayload,
  payloadWith,
  sameConstants,
  sameSnapshot,
  type BackoffBounds,
  type BackoffConstants,
  type FlagSnapshot,
} from '../backoff-constants.ts';
import type { ChangeResult, FlagActions, FlagRef, FlagState, ServedCheck } from '../flag-actions.ts';
import { UnleashHttp, type UnleashHttpOptions } from './unleash-http.ts';

export interface UnleashAdminOptions extends UnleashHttpOptions, FlagRef {
  /** Name of the strategy variant whose payload holds the constants. */
  variant: string;
  bounds: BackoffBounds;
  /** Read-backs before a write counts as not applied (Unleash answers from its database, so 1–2 suffice). */
  verifyAttempts?: number;
  verifyDelayMs?: number;
  /** Backend (client) token: enables `waitUntilServed`, which reads the flag the way SDKs do. */
  clientToken?: string;
  clientVisibleTimeoutMs?: number;
}

export const DEFAULT_CLIENT_VISIBLE_TIMEOUT_MS = 10_000;
const SERVED_POLL_MS = 250;

export const DEFAULT_VERIFY_ATTEMPTS = 3;
export const DEFAULT_VERIFY_DELAY_MS = 150;

interface UnleashVariant {
  name: string;
  weight: number;
  weightType?: string;
  stickiness?: string;
  payload?: { type: string; value: string };
}

interface UnleashStrategy {
  id: string;
  name: string;
  title?: string | null;
  disabled?: boolean | null;
  constraints?: unknown[];
  parameters?: Record<string, string>;
  segments?: number[];
  sortOrder?: number;
  variants?: UnleashVariant[];
}

interface UnleashFeature {
  name: string;
  environments?: Array<{ name: string; enabled: boolean; strategies?: UnleashStrategy[] }>;
}

export class UnleashAdminActions implements FlagActions {
  readonly ref: FlagRef;
  readonly description: string;
  private readonly http: UnleashHttp;
  private readonly options: UnleashAdminOptions;

  constructor(options: UnleashAdminOptions) {
    this.options = options;
    this.ref = { project: options.project, environment: options.environment, flag: options.flag };
    this.http = new UnleashHttp(options);
    this.description = `Unleash ${this.http.baseUrl} flag "${options.flag}" (project ${options.project}, environment ${options.environment}, variant "${options.variant}")`;
  }

  private get featurePath(): string {
    return `/api/admin/projects/${encodeURIComponent(this.ref.project)}/features/${encodeURIComponent(this.ref.flag)}`;
  }

  private get envPath(): string {
    return `${this.featurePath}/environments/${encodeURIComponent(this.ref.environment)}`;
  }

  private async readRaw(signal?: AbortSignal): Promise<{ state: FlagState; strategy: UnleashStrategy | null }> {
    let feature: UnleashFeature;
    try {
      feature = await this.http.request<UnleashFeature>('GET', this.featurePath, undefined, signal);
    } catch (e) {
      if (e instanceof AppError && e.code === 'NOT_FOUND') {
        throw new AppError('NOT_FOUND', `flag "${this.ref.flag}" does not exist in Unleash project "${this.ref.project}" (${e.message})`, { cause: e });
      }
      throw e;
    }
    const env = feature.environments?.find((x) => x.name === this.ref.environment);
    if (!env) {
      throw new AppError('NOT_FOUND', `flag "${this.ref.flag}" has no environment "${this.ref.environment}" in project "${this.ref.project}"`);
    }
    const strategies = env.strategies ?? [];
    const strategy = strategies.find((s) => s.variants?.some((v) => v.name === this.options.variant)) ?? strategies[0] ?? null;
    const variant = strategy?.variants?.find((v) => v.name === this.options.variant);
    let constants: BackoffConstants | null = null;
    let payloadProblem: string | undefined;
    if (variant?.payload) {
      try {
        if (variant.payload.type !== 'json') throw new AppError('BAD_INPUT', `payload type is "${variant.payload.type}", expected "json"`);
        constants = parseBackoffPayload(variant.payload.value, `variant "${this.options.variant}" of flag "${this.ref.flag}"`, { allowOtherFields: true });
      } catch (e) {
        payloadProblem = (e as Error).message;
      }
    } else {
      payloadProblem = strategy
        ? `strategy ${strategy.id} has no variant "${this.options.variant}" with a payload`
        : `environment "${this.ref.environment}" has no strategy`;
    }
    const state: FlagState = { ...this.ref, enabled: env.enabled, constants, strategyId: strategy?.id ?? null };
    if (payloadProblem) state.payloadProblem = payloadProblem;
    return { state, strategy };
  }

  async readState(signal?: AbortSignal): Promise<FlagState> {
    return (await this.readRaw(signal)).state;
  }

  /** Reads back until Unleash shows `expected`; a mismatch after the last read is a failed write. */
  private async verify(expected: FlagSnapshot, what: string, signal?: AbortSignal): Promise<FlagState> {
    const attempts = this.options.verifyAttempts ?? DEFAULT_VERIFY_ATTEMPTS;
    let state: FlagState | null = null;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, this.options.verifyDelayMs ?? DEFAULT_VERIFY_DELAY_MS));
      state = await this.readState(signal);
      if (sameSnapshot(state, expected)) return state;
    }
    throw new AppError('UPSTREAM', `${what}: read-after-write verification failed, Unleash shows ${formatDiff(diffSnapshots(expected, state!))} against what was written`);
  }

  async setBackoffConstants(constants: BackoffConstants, signal?: AbortSignal): Promise<ChangeResult> {
    assertWithinBounds(constants, this.options.bounds);
    return this.writeConstants(constants, signal);
  }

  /** Writes recorded constants back (undo, revert) without the bounds check: what was there is restored as it was. */
  restoreBackoffConstants(constants: BackoffConstants, signal?: AbortSignal): Promise<ChangeResult> {
    return this.writeConstants(constants, signal);
  }

  private async writeConstants(constants: BackoffConstants, signal?: AbortSignal): Promise<ChangeResult> {
    const { state, strategy } = await this.readRaw(signal);
    if (sameConstants(state.constants, constants)) return { changed: false, state };
    if (!strategy) {
      throw new AppError('NOT_FOUND', `flag "${this.ref.flag}" has no strategy in environment "${this.ref.environment}" to carry the constants; add one (e.g. flexibleRollout 100 %) first`);
    }
    const variants = strategy.variants ?? [];
    const previous = variants.find((v) => v.name === this.options.variant)?.payload;
    const payload = { type: 'json', value: payloadWith(previous?.type === 'json' ? previous.value : undefined, constants) };
    let nextVariants: UnleashVariant[];
    if (variants.some((v) => v.name === this.options.variant)) {
      nextVariants = variants.map((v) => (v.name === this.options.variant ? { ...v, payload } : v));
    } else if (variants.length === 0) {
      nextVariants = [{ name: this.options.variant, weight: 1000, weightType: 'variable', stickiness: 'default', payload }];
    } else {
      // Rebalancing someone else's variants would change what their users get: refuse instead.
      throw new AppError('BAD_INPUT', `strategy ${strategy.id} of flag "${this.ref.flag}" has variants (${variants.map((v) => v.name).join(', ')}) but none named "${this.options.variant}"; add it by hand or set unleash.variant`);
    }
    // PUT replaces the whole strategy, which makes the request idempotent (safe to retry).
    const body = {
      name: strategy.name,
      title: strategy.title ?? null,
      disabled: strategy.disabled ?? false,
      constraints: strategy.constraints ?? [],
      parameters: strategy.parameters ?? {},
      segments: strategy.segments ?? [],
      sortOrder: strategy.sortOrder ?? 0,
      variants: nextVariants,
    };
    const what = `set backoff constants of "${this.ref.flag}"`;
    await this.http.request('PUT', `${this.envPath}/strategies/${encodeURIComponent(strategy.id)}`, body, signal);
    return { changed: true, state: await this.verify({ enabled: state.enabled, constants }, what, signal) };
  }

  private async setEnabled(enabled: boolean, signal?: AbortSignal): Promise<ChangeResult> {
    const state = await this.readState(signal);
    if (state.enabled === enabled) return { changed: false, state };
    await this.http.request('POST', `${this.envPath}/${enabled ? 'on' : 'off'}`, undefined, signal);
    const what = `switch "${this.ref.flag}" ${enabled ? 'on' : 'off'} in ${this.ref.environment}`;
    return { changed: true, state: await this.verify({ enabled, constants: state.constants }, what, signal) };
  }

  /** What the client API (`/api/client/features/{flag}`, as SDKs poll it) serves for our environment. */
  private async servedSnapshot(http: UnleashHttp, signal?: AbortSignal): Promise<FlagSnapshot> {
    const f = await http.request<{ enabled: boolean; strategies?: UnleashStrategy[] }>('GET', `/api/client/features/${encodeURIComponent(this.ref.flag)}`, undefined, signal);
    const variant = (f.strategies ?? []).flatMap((s) => s.variants ?? []).find((v) => v.name === this.options.variant);
    let constants: BackoffConstants | null = null;
    try {
      if (variant?.payload) constants = parseBackoffPayload(variant.payload.value, 'served payload', { allowOtherFields: true });
    } catch {
      constants = null;
    }
    return { enabled: f.enabled, constants };
  }

  async waitUntilServed(expected: FlagSnapshot, signal?: AbortSignal): Promise<ServedCheck> {
    if (!this.options.clientToken) return { served: false, afterMs: 0, detail: 'no client token configured (unleash.clientToken), so what SDKs receive was not checked' };
    const http = new UnleashHttp({ ...this.options, token: this.options.clientToken });
    const timeout = this.options.clientVisibleTimeoutMs ?? DEFAULT_CLIENT_VISIBLE_TIMEOUT_MS;
    const started = Date.now();
    let last = '';
    for (;;) {
      try {
        const served = await this.servedSnapshot(http, signal);
        if (sameSnapshot(served, expected)) return { served: true, afterMs: Date.now() - started, detail: 'the client API serves the new state' };
        last = `still serves ${formatDiff(diffSnapshots(expected, served))} against the new state`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() - started >= timeout) return { served: false, afterMs: Date.now() - started, detail: last };
      await new Promise((r) => setTimeout(r, SERVED_POLL_MS));
    }
  }

  disable(signal?: AbortSignal): Promise<ChangeResult> {
    return this.setEnabled(false, signal);
  }

  enable(signal?: AbortSignal): Promise<ChangeResult> {
    return this.setEnabled(true, signal);
  }
}

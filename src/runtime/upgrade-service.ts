/**
 * Upgrades as the runtime serves them to the CLI (`aftershock upgrade …`), the HTTP routes (/v1/upgrades, the
 * page /upgrades/:id) and the guard: register one (by hand or from deployment markers in the telemetry), read it
 * with everything made for it, check it (an analysis with its expectations, linked to it), and its cleanup and
 * rollback plan (upgrade-rollback.ts). One instance per runtime (open-runtime.ts builds it).
 */
import { fetchWithinDeadline, runDeadlines } from './run-deadlines.ts';
import type { ActionService } from '../actions/action-service.ts';
import type { FlagReader } from '../actions/flag-reader.ts';
import type { AnalysisResult, DeploymentMarker } from '../analysis/types.ts';
import type { Config } from '../config.ts';
import { formatDuration, parseDuration, parseTimestamp } from '../duration.ts';
import { AppError } from '../errors.ts';
import { upgradeStatus, upgradeStatusText, type UpgradeStatus } from '../report/upgrade-status.ts';
import type { UpgradeView } from '../report/upgrade-view.ts';
import { createSource } from '../sources/resolve-source.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { ReportStore } from '../store/report-store.ts';
import { CHANGE_KINDS, type ChangeKind, type UpgradeChange, type UpgradeRecord, type UpgradeStore } from '../store/upgrade-store.ts';
import type { AnalysisRequest } from './analysis-request.ts';
import { parseExpectations } from './expectations-file.ts';
import { planFor, rollbackUpgrade, type RollbackOutcome } from './upgrade-rollback.ts';
import type { UpgradeSettings } from './upgrade-settings.ts';
import { buildUpgradeView } from './upgrade-view.ts';

/** What a person or pipeline gives to register an upgrade (CLI flags, the POST body). */
export interface UpgradeInput {
  name: string;
  upgradeAt: string;
  services?: string[];
  source?: string;
  before?: string;
  flags?: string[];
  /** Validated with parseExpectations. */
  expectations?: unknown;
  notes?: string;
  version?: string;
  /** Changes made for the upgrade that a person undoes (webhooks, tokens, config): the rollback checklist. */
  changes?: Array<{ kind: ChangeKind; description: string; undo?: string; ref?: string }>;
}

export interface UpgradeServiceOptions {
  store: UpgradeStore;
  reports: ReportStore;
  audit: AuditLog;
  actions: ActionService;
  flagReader: FlagReader | null;
  config: Config;
  settings: UpgradeSettings;
  /** One tracked analysis (the runtime's analyzeTracked). */
  analyze: (request: AnalysisRequest, owner: string, signal?: AbortSignal) => Promise<{ result: AnalysisResult; analysisId: string }>;
  now?: () => Date;
}

export const UPGRADE_NAME = /^[\w .:+@/()-]{1,100}$/;
/** The after window of a check never shrinks below this (the upgrade just happened). */
const MIN_AFTER_MS = 60_000;
const DAY_MS = 86_400_000;

export interface UpgradeSummary {
  upgrade: UpgradeRecord;
  status: UpgradeStatus;
  /** Analyses made for it, and how many of them by the guard. */
  analyses: number;
  byGuard: number;
}

export class UpgradeService {
  private readonly now: () => Date;

  constructor(private readonly o: UpgradeServiceOptions) {
    this.now = o.now ?? (() => new Date());
  }

  get settings(): UpgradeSettings {
    return this.o.settings;
  }

  /**
   * Validates and stores a new upgrade. `remote` (HTTP): the source must be a configured name, as for analyses,
   * so a caller cannot make the server read files or probe hosts.
   */
  async create(input: UpgradeInput, o: { actor: string; remote: boolean; origin?: 'manual' | 'marker' }): Promise<UpgradeRecord> {
    const name = input.name?.trim() ?? '';
    if (!UPGRADE_NAME.test(name)) throw new AppError('BAD_INPUT', `name: "${input.name}" must be 1-100 letters, digits, spaces or . : + @ / ( ) - _`);
    const upgradeAt = new Date(parseTimestamp(input.upgradeAt, 'upgradeAt')).toISOString();
    const source = input.source ?? this.o.settings.source;
    const configured = Object.keys(this.o.config.sources ?? {});
    if (o.remote && !configured.includes(source)) {
      throw new AppError('BAD_INPUT', `source: "${source}" is not a configured source; configured: ${configured.join(', ') || '(none)'}`);
    }
    if (!o.remote) createSource(source, this.o.config);
    if (input.before !== undefined) parseDuration(input.before, 'before');
    const expectations = input.expectations === undefined ? [] : parseExpectations(input.expectations, 'expectations');
    for (const c of input.changes ?? []) {
      if (!CHANGE_KINDS.includes(c.kind)) throw new AppError('BAD_INPUT', `changes: kind "${c.kind}" is not one of ${CHANGE_KINDS.join(', ')}`);
    }
    const upgrade = await this.o.store.create({
      name,
      upgradeAt,
      services: [...new Set(input.services ?? [])],
      source,
      before: input.before ?? null,
      flags: [...new Set(input.flags ?? [])],
      expectations,
      notes: input.notes ?? '',
      version: input.version ?? null,
      origin: o.origin ?? 'manual',
      createdBy: o.actor,
      now: this.now(),
    });
    for (const c of input.changes ?? []) await this.o.store.recordChange({ upgradeId: upgrade.id, ...c, recordedBy: o.actor });
    return upgrade;
  }

  /**
   * `create`, but safe to repeat (a deployment pipeline that runs twice): the same name with the same time,
   * services and source gives back the upgrade registered before (`created: false`); a different definition
   * under a taken name is a CONFLICT.
   */
  async register(input: UpgradeInput, o: { actor: string; remote: boolean }): Promise<{ upgrade: UpgradeRecord; created: boolean }> {
    const known = input.name ? await this.o.store.get(input.name.trim()) : null;
    if (known && known.name === input.name.trim()) {
      const same =
        Date.parse(known.upgradeAt) === parseTimestamp(input.upgradeAt, 'upgradeAt') &&
        known.source === (input.source ?? this.o.settings.source) &&
        [...known.services].sort().join('\u0000') === [...new Set(input.services ?? [])].sort().join('\u0000');
      if (same) return { upgrade: known, created: false };
      throw new AppError('CONFLICT', `an upgrade named "${known.name}" already exists with another time, source or services (${known.upgradeAt}, ${known.source}, ${known.services.join(', ') || 'all services'}); choose another name`);
    }
    return { upgrade: await this.create(input, o), created: true };
  }

  /**
   * Registers upgrades from the deployment markers a source sees in [around − within, around + within): markers
   * of one version within `markerGroupWindow` of each other are one upgrade ("shop 2.4.0") at the earliest of
   * them. Upgrades already registered under that name are returned as existing.
   */
  async fromMarkers(o: { source: string; around?: string; within?: string; services?: string[]; actor: string; remote: boolean; signal?: AbortSignal }): Promise<{ created: UpgradeRecord[]; existing: UpgradeRecord[]; markers: DeploymentMarker[] }> {
    const around = o.around ? parseTimestamp(o.around, 'around') : this.now().getTime();
    const within = parseDuration(o.within ?? '1d', 'within');
    const source = createSource(o.source, this.o.config);
    let markers: DeploymentMarker[];
    try {
      const w = await fetchWithinDeadline(source, runDeadlines({}, this.o.config).fetch, o.signal, {
        upgradeAt: around,
        before: { start: around - within, stop: around },
        after: { start: around, stop: around + within },
        services: o.services,
      });
      markers = w.markers ?? [];
    } finally {
      await source.close?.();
    }
    if (markers.length === 0) {
      throw new AppError('BAD_INPUT', `${source.description}: no deployment markers between ${new Date(around - within).toISOString()} and ${new Date(around + within).toISOString()}${o.services?.length ? ` for ${o.services.join(', ')}` : ''} (schema.deployment names the measurement)`);
    }
    const groups: Array<{ version: string | undefined; at: number; services: Set<string> }> = [];
    for (const m of [...markers].sort((a, b) => a.at - b.at)) {
      const g = groups.find((x) => x.version === m.version && m.at - x.at <= this.o.settings.markerGroupWindowMs);
      if (g) g.services.add(m.service);
      else groups.push({ version: m.version, at: m.at, services: new Set([m.service]) });
    }
    const created: UpgradeRecord[] = [];
    const existing: UpgradeRecord[] = [];
    for (const g of groups) {
      const services = [...g.services].sort();
      const name = `${services.join('+')} ${g.version ?? new Date(g.at).toISOString().slice(0, 16)}`;
      const known = await this.o.store.get(name);
      if (known) {
        existing.push(known);
        continue;
      }
      created.push(await this.create({ name, upgradeAt: new Date(g.at).toISOString(), services, source: o.source, version: g.version }, { actor: o.actor, remote: o.remote, origin: 'marker' }));
    }
    return { created, existing, markers };
  }

  async get(idOrName: string): Promise<UpgradeRecord> {
    const u = await this.o.store.get(idOrName);
    if (!u) throw new AppError('NOT_FOUND', `upgrade "${idOrName}" does not exist`);
    return u;
  }

  list(query: { limit?: number; cursor?: string } = {}) {
    return this.o.store.list(query);
  }

  /** Upgrades newest first with their status in plain words (no Unleash reads: for lists and the landing page). */
  async listWithStatus(query: { limit?: number; cursor?: string } = {}): Promise<{ items: UpgradeSummary[]; nextCursor: string | null }> {
    const page = await this.o.store.list(query);
    const items = await Promise.all(
      page.items.map(async (upgrade) => {
        const view = await this.view(upgrade, { plan: false });
        return { upgrade, status: upgradeStatus(view), analyses: view.analyses.length, byGuard: view.analyses.filter((a) => a.byGuard).length };
      }),
    );
    return { items, nextCursor: page.nextCursor };
  }

  /** Everything the page shows. `plan: false` skips the flag reads of the rollback plan. */
  async view(upgradeOrId: UpgradeRecord | string, o: { plan?: boolean; signal?: AbortSignal } = {}): Promise<UpgradeView> {
    const upgrade = typeof upgradeOrId === 'string' ? await this.get(upgradeOrId) : upgradeOrId;
    const plan = o.plan === false ? null : await planFor(this.o, upgrade, o.signal);
    return buildUpgradeView(this.o, upgrade, { now: this.now(), plan, signal: o.signal });
  }

  /**
   * The analysis request of a check now: the after window runs from the upgrade until now (at least a minute),
   * or `after` long when given.
   */
  requestFor(upgrade: UpgradeRecord, nowMs = this.now().getTime(), after?: string): AnalysisRequest {
    const afterMs = after !== undefined ? parseDuration(after, 'after') : Math.max(MIN_AFTER_MS, Math.floor((nowMs - Date.parse(upgrade.upgradeAt)) / 1000) * 1000);
    return {
      source: upgrade.source,
      upgradeAt: upgrade.upgradeAt,
      before: upgrade.before ?? this.o.settings.before,
      // Capped like HTTP analyses: a months-old upgrade is checked on its last 31 days after the upgrade.
      after: formatDuration(Math.min(afterMs, 31 * DAY_MS)),
      ...(upgrade.services.length ? { services: upgrade.services } : {}),
      upgradeId: upgrade.id,
      ...(upgrade.expectations.length ? { expectations: upgrade.expectations } : {}),
    };
  }

  /** Runs one analysis of the upgrade with its expectations, recorded and linked like any other. */
  async check(idOrName: string, o: { owner: string; after?: string; signal?: AbortSignal }): Promise<{ upgrade: UpgradeRecord; result: AnalysisResult; analysisId: string }> {
    const upgrade = await this.get(idOrName);
    const { result, analysisId } = await this.o.analyze(this.requestFor(upgrade, this.now().getTime(), o.after), o.owner, o.signal);
    return { upgrade, result, analysisId };
  }

  /** The request of `POST /v1/analyses` with an `upgradeId`: the upgrade must exist; its expectations come along. */
  async attach(request: AnalysisRequest): Promise<AnalysisRequest> {
    if (!request.upgradeId) return request;
    const upgrade = await this.get(request.upgradeId);
    return { ...request, upgradeId: upgrade.id, ...(upgrade.expectations.length ? { expectations: upgrade.expectations } : {}) };
  }

  async plan(idOrName: string, signal?: AbortSignal) {
    const upgrade = await this.get(idOrName);
    return { upgrade, plan: await planFor(this.o, upgrade, signal) };
  }

  /** Reverts everything aftershock changed for the upgrade, newest first, all or nothing (dry run unless `dryRun: false`). */
  async rollback(idOrName: string, ctx: { actor: string; reason: string; dryRun?: boolean; signal?: AbortSignal }): Promise<RollbackOutcome> {
    const upgrade = await this.get(idOrName);
    return rollbackUpgrade(this.o, upgrade, { ...ctx, dryRun: ctx.dryRun ?? true });
  }

  /** Records a change made for the upgrade that a person must undo (a line of the rollback checklist). */
  async recordChange(idOrName: string, change: { kind: ChangeKind; description: string; undo?: string; ref?: string; recordedBy: string }): Promise<UpgradeChange> {
    if (!CHANGE_KINDS.includes(change.kind)) throw new AppError('BAD_INPUT', `kind "${change.kind}" is not one of ${CHANGE_KINDS.join(', ')}`);
    const upgrade = await this.get(idOrName);
    return this.o.store.recordChange({ upgradeId: upgrade.id, ...change });
  }

  /** The short status text (Markdown or plain) notifications send. */
  async statusText(idOrName: string, format: 'markdown' | 'plain', link?: string): Promise<string> {
    return upgradeStatusText(await this.view(idOrName), { format, link });
  }
}

/**
 * `UpgradeStore`: upgrades as stored entities (issue 15) — what went in, when, for which services, behind which
 * flags, with which expectations — and what belongs to each: its analyses (by the `upgradeId` of their request),
 * the flag actions and guard decisions made for it (links), and the changes aftershock made or was told about
 * for the cleanup and rollback plan. Implemented over SQL by `pg/pg-upgrade-store.ts` (PGlite or PostgreSQL).
 */
import type { Expectation } from '../analysis/expectations.ts';
import type { ActionRecord } from './audit-log.ts';
import type { GuardDecision } from './guard-log.ts';
import type { AnalysisSummary } from './report-store.ts';

/** active: being watched; rolled_back: its rollback plan was applied; retired: cleaned up, nothing left to watch. */
export const UPGRADE_STATUSES = ['active', 'rolled_back', 'retired'] as const;
export type UpgradeStatus = (typeof UPGRADE_STATUSES)[number];
/** manual: registered by a person or a pipeline; marker: from a deployment marker in the telemetry. */
export type UpgradeOrigin = 'manual' | 'marker';

export interface UpgradeRecord {
  id: string;
  /** Unique, e.g. "shop 2.4.0". */
  name: string;
  /** RFC 3339. */
  upgradeAt: string;
  services: string[];
  /** The configured source its analyses read. */
  source: string;
  /** Before-window length for its analyses (default 2h); the after window grows from the upgrade until now. */
  before: string | null;
  /** Feature flags that gate its new behaviour. */
  flags: string[];
  expectations: Expectation[];
  notes: string;
  status: UpgradeStatus;
  origin: UpgradeOrigin;
  /** The version deployed, when known (markers carry it). */
  version: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewUpgrade {
  name: string;
  upgradeAt: string;
  services: string[];
  source: string;
  before?: string | null;
  flags?: string[];
  expectations?: Expectation[];
  notes?: string;
  origin?: UpgradeOrigin;
  version?: string | null;
  createdBy: string;
  now?: Date;
}

export const CHANGE_KINDS = ['flag', 'webhook', 'token', 'config', 'other'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/**
 * A change made for an upgrade that aftershock cannot undo through its action service: a webhook subscription
 * it registered for notifications, a temporary token it created, a config key a person changed. Each becomes
 * a line of the rollback checklist for a person, until ticked off.
 */
export interface UpgradeChange {
  id: number;
  upgradeId: string;
  kind: ChangeKind;
  /** What was changed, in one sentence. */
  description: string;
  /** How a person undoes it. */
  undo: string;
  /** An id in the other system (webhook id, token name), when there is one. */
  ref: string | null;
  recordedBy: string;
  createdAt: string;
  doneAt: string | null;
  doneBy: string | null;
}

export type NewUpgradeChange = Pick<UpgradeChange, 'upgradeId' | 'kind' | 'description' | 'recordedBy'> & Partial<Pick<UpgradeChange, 'undo' | 'ref'>> & { now?: Date };

export interface UpgradePage {
  items: UpgradeRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export type UpgradeLinkKind = 'action' | 'guard_decision';

export interface UpgradeStore {
  /** CONFLICT when the name is taken. */
  create(input: NewUpgrade): Promise<UpgradeRecord>;
  /** By id or by name. */
  get(idOrName: string): Promise<UpgradeRecord | null>;
  /** Newest upgrade first (by upgrade time). */
  list(query?: { limit?: number; cursor?: string }): Promise<UpgradePage>;
  setStatus(id: string, status: UpgradeStatus): Promise<void>;
  /** Links a flag action or guard decision to the upgrade (idempotent). */
  link(upgradeId: string, kind: UpgradeLinkKind, ref: number): Promise<void>;
  /** Analyses whose request names the upgrade, oldest first (the verdict over time). */
  analyses(upgradeId: string): Promise<AnalysisSummary[]>;
  /** Linked flag actions, oldest first. */
  actions(upgradeId: string): Promise<ActionRecord[]>;
  /** Linked guard decisions, newest first, at most `limit`. */
  decisions(upgradeId: string, limit?: number): Promise<GuardDecision[]>;
  recordChange(change: NewUpgradeChange): Promise<UpgradeChange>;
  /** Oldest first. */
  changes(upgradeId: string): Promise<UpgradeChange[]>;
  /** Ticks a checklist line off; false when it does not exist or already was. */
  markChangeDone(upgradeId: string, changeId: number, by: string): Promise<boolean>;
  count(): Promise<number>;
}

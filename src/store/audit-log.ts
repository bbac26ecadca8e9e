/**
 * `AuditLog`: the append-only record of flag actions (who, when, why, the state before, the target and the
 * state after). Two things are filled in later, once: which action reverted a record, and the state a failed
 * action left when it could not be read at the time. Implemented over SQL by `pg/pg-audit-log.ts` (PGlite or PostgreSQL).
 */
import type { DiffEntry, FlagSnapshot } from '../actions/backoff-constants.ts';

export const ACTION_KINDS = ['backoff_constants', 'kill_switch', 'enable', 'revert'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export const ACTION_STATUSES = ['dry_run', 'noop', 'applied', 'failed', 'refused'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export type ActionMode = 'unleash' | 'unconfigured';

export interface ActionRecord {
  id: number;
  /** RFC 3339. */
  createdAt: string;
  kind: ActionKind;
  status: ActionStatus;
  dryRun: boolean;
  mode: ActionMode;
  /** Token label of the caller, `cli:<user>` or `guard:<id>`. */
  actor: string;
  reason: string;
  analysisId: string | null;
  project: string;
  environment: string;
  flag: string;
  before: FlagSnapshot | null;
  target: FlagSnapshot | null;
  after: FlagSnapshot | null;
  diff: DiffEntry[];
  revertsId: number | null;
  revertedById: number | null;
  /** What happened, in one or two plain sentences. */
  message: string;
  error: string | null;
}

export type NewActionRecord = Omit<ActionRecord, 'id' | 'createdAt' | 'revertedById'> & { createdAt?: Date };

export interface ActionPage {
  items: ActionRecord[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  nextBefore: number | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface ActionListQuery {
  limit?: number;
  before?: number;
  flag?: string;
  status?: ActionStatus;
}

export interface AuditLog {
  insert(rec: NewActionRecord): Promise<ActionRecord>;
  get(id: number): Promise<ActionRecord | null>;
  /** Marks `id` reverted by `byId` unless already marked; false when someone else got there first. */
  markReverted(id: number, byId: number): Promise<boolean>;
  /**
   * Records the state a failed action left, read back after the fact (it was unknown when the action failed),
   * appending `note` to its message. Only fills an unknown `after`: returns the record as it then is, null when
   * there is no such action.
   */
  recordAfter(id: number, after: FlagSnapshot, note: string): Promise<ActionRecord | null>;
  /** Newest first, `limit` rows with id below `before`. */
  list(query?: ActionListQuery): Promise<ActionPage>;
  /** Applied actions on `flag` by actors starting with `actorPrefix` since `since`, newest first. */
  appliedSince(flag: string, actorPrefix: string, since: Date): Promise<ActionRecord[]>;
}

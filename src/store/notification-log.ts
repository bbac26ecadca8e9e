/**
 * `NotificationLog`: what notifications need to persist — the last verdict per service (to tell a change from a
 * repeat), the delivery queue (one row per event and target, leased by the process delivering it, so deliveries
 * survive a restart and replicas never send one twice at the same time) and every attempt with its outcome.
 * Implemented over SQL by `pg/pg-notification-log.ts` (migration 0200).
 */
import type { Verdict } from '../analysis/types.ts';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type TargetKind = 'webhook' | 'slack';

export interface VerdictObservation {
  service: string;
  verdict: Verdict;
  analysisId: string;
  /** RFC 3339: the upgrade of the analysis. */
  upgradeAt: string;
  now: Date;
}

export interface VerdictTransition {
  /** The verdict recorded before this one (null: the first for this service). */
  previous: Verdict | null;
  /** True when the stored verdict belongs to a later upgrade: this observation changed nothing. */
  stale: boolean;
}

export interface NewDelivery {
  /** Identifies the event across its targets (receivers deduplicate on it). */
  eventId: string;
  eventType: string;
  target: string;
  kind: TargetKind;
  /** The event as JSON text. */
  payload: string;
  now: Date;
}

export interface DeliveryAttempt {
  /** 1 for the first attempt, counted across restarts. */
  attempt: number;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

export interface Delivery {
  id: number;
  createdAt: string;
  eventId: string;
  eventType: string;
  target: string;
  kind: TargetKind;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatusCode: number | null;
  lastError: string | null;
  finishedAt: string | null;
}

export interface DeliveryQuery {
  limit?: number;
  /** Cursor: only deliveries with a smaller id. */
  before?: number;
  status?: DeliveryStatus;
  target?: string;
}

export interface ClaimOptions {
  owner: string;
  limit: number;
  /** How long the claim holds; past it another process may take the delivery over. */
  leaseMs: number;
  now: Date;
}

export interface NotificationLog {
  /** Records a service's verdict and returns the one before it (compare-and-set per service). */
  recordVerdict(o: VerdictObservation): Promise<VerdictTransition>;
  /** Queues deliveries; one already queued for the same event and target is left alone. Returns how many were new. */
  enqueue(deliveries: NewDelivery[]): Promise<number>;
  /** Leases up to `limit` pending deliveries that are due and not leased by a live owner, oldest first. */
  claim(o: ClaimOptions): Promise<Delivery[]>;
  /** Records one attempt (and its outcome as the delivery's last status). */
  recordAttempt(id: number, attempt: DeliveryAttempt): Promise<void>;
  /** Ends the lease: delivered, failed for good, or pending again from `nextAttemptAt`. */
  finish(id: number, outcome: { status: 'delivered' | 'failed'; now: Date } | { status: 'pending'; nextAttemptAt: Date }): Promise<void>;
  /** Gives up the leases of `owner` (a clean shutdown), so the next start resumes them at once. */
  release(owner: string): Promise<void>;
  /** Newest first, with each delivery's attempts. */
  list(query?: DeliveryQuery): Promise<{ items: Array<Delivery & { history: DeliveryAttempt[] }>; nextBefore: number | null }>;
}

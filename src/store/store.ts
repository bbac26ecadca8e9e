/**
 * `Store`: everything aftershock persists, opened once by the runtime: analyses and reports, the audit log of
 * flag actions, guard decisions, upgrades, the cross-process locks and the notification queue. `open-store.ts` opens the one implementation
 * (`pg/`: embedded PGlite by default, PostgreSQL by URL).
 */
import type { AuditLog } from './audit-log.ts';
import type { GuardLog } from './guard-log.ts';
import type { Locks } from './locks.ts';
import type { NotificationLog } from './notification-log.ts';
import type { ReportStore } from './report-store.ts';
import type { UpgradeStore } from './upgrade-store.ts';

export interface Store {
  /** `pglite` is one process (its unfinished analyses at start were interrupted); `postgres` may be shared by replicas. */
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, without credentials. */
  readonly description: string;
  readonly reports: ReportStore;
  readonly audit: AuditLog;
  readonly guardLog: GuardLog;
  readonly locks: Locks;
  /** Notification deliveries and the last verdict per service. */
  readonly notifications: NotificationLog;
  /** Upgrades, their links, and the changes for their rollback checklist. */
  readonly upgrades: UpgradeStore;
  close(): Promise<void>;
}

/**
 * Turns what the runtime reports into notifications: for a finished analysis, each service's own verdict is
 * compared with the one recorded before it (a change, or a first verdict that is not `pass`, makes a
 * `verdict.changed` event); a guard decision that chose a step makes a `guard.action` event. Each event is queued
 * once per subscribed target and the dispatcher sends it in the background. Nothing here ever throws into the
 * caller or makes it wait: the runtime calls `analysisDone`/`guardDecision` and goes on.
 */
import { randomUUID } from 'node:crypto';
import type { AnalysisResult } from '../analysis/types.ts';
import { serviceView, servicesOf } from '../report/service-view.ts';
import type { GuardDecision } from '../store/guard-log.ts';
import type { NotificationLog } from '../store/notification-log.ts';
import { DeliveryDispatcher, type DispatcherLog } from './dispatcher.ts';
import { eventService, guardActionEvent, verdictChangedEvent, type NotificationEvent } from './events.ts';
import type { NotifySettings } from './notify-config.ts';

export interface NotifierOptions {
  store: NotificationLog;
  settings: NotifySettings;
  owner: string;
  log: DispatcherLog;
  now?: () => Date;
  random?: () => number;
  newId?: () => string;
}

export class Notifier {
  readonly dispatcher: DeliveryDispatcher;
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly o: NotifierOptions) {
    this.dispatcher = new DeliveryDispatcher({ store: o.store, settings: o.settings, owner: o.owner, log: o.log, now: o.now, random: o.random });
    this.now = o.now ?? (() => new Date());
    this.newId = o.newId ?? randomUUID;
  }

  start(): void {
    this.dispatcher.start();
  }

  /** A stored analysis finished (any owner: the service, the guard). Returns at once. */
  analysisDone(analysisId: string, result: AnalysisResult): void {
    this.track(this.onAnalysis(analysisId, result), { analysisId });
  }

  /** The guard recorded a decision. Returns at once. */
  guardDecision(d: GuardDecision): void {
    this.track(this.onGuard(d), { guardDecisionId: d.id });
  }

  /** Waits until the events reported so far are queued (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(drainMs?: number): Promise<void> {
    await this.settled();
    await this.dispatcher.close(drainMs);
  }

  private track(work: Promise<void>, context: object): void {
    const p = work.catch((e: unknown) => this.o.log.warn({ ...context, err: { message: (e as Error).message } }, 'notifications: could not queue an event'));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async onAnalysis(analysisId: string, result: AnalysisResult): Promise<void> {
    const { report } = result;
    for (const service of servicesOf(report)) {
      const view = serviceView(report, service);
      const now = this.now();
      const t = await this.o.store.recordVerdict({ service, verdict: view.verdict, analysisId, upgradeAt: report.upgradeAt, now });
      if (t.stale) continue;
      // A first verdict is news only when it is not the pass everyone expects.
      const changed = t.previous === null ? view.verdict !== 'pass' : t.previous !== view.verdict;
      if (!changed) continue;
      const event = verdictChangedEvent(
        { view, previous: t.previous, analysisId, upgradeAt: report.upgradeAt, topRegressions: this.o.settings.topRegressions },
        { id: this.newId(), now, publicBaseUrl: this.o.settings.publicBaseUrl },
      );
      await this.enqueue(event);
    }
  }

  private async onGuard(d: GuardDecision): Promise<void> {
    const event = guardActionEvent(d, { id: this.newId(), now: this.now(), publicBaseUrl: this.o.settings.publicBaseUrl });
    if (event) await this.enqueue(event);
  }

  /** Queues `event` for every target that subscribed to its type (and service), then wakes the dispatcher. */
  async enqueue(event: NotificationEvent): Promise<number> {
    const service = eventService(event);
    const targets = this.o.settings.targets.filter((t) => t.events.includes(event.type) && (service === null || t.services === null || t.services.includes(service)));
    if (targets.length === 0) return 0;
    const payload = JSON.stringify(event);
    const now = this.now();
    const added = await this.o.store.enqueue(targets.map((t) => ({ eventId: event.id, eventType: event.type, target: t.name, kind: t.kind, payload, now })));
    this.dispatcher.kick();
    return added;
  }
}

/**
 * The action service as the runtime hands it out: every action whose context names an upgrade (`upgradeId`)
 * is linked to that upgrade once it is recorded — applied, dry run, refused or failed alike — so the upgrade's
 * page lists it and its rollback plan can revert it. The semantics of the actions stay ActionService's own.
 */
import { ActionService, type ActionContext, type ActionServiceOptions } from '../actions/action-service.ts';
import type { BackoffConstants } from '../actions/backoff-constants.ts';
import { isAppError } from '../errors.ts';
import type { ActionRecord } from '../store/audit-log.ts';
import type { UpgradeStore } from '../store/upgrade-store.ts';

export class LinkedActionService extends ActionService {
  constructor(
    options: ActionServiceOptions,
    private readonly upgrades: UpgradeStore,
  ) {
    super(options);
  }

  private async linked(ctx: ActionContext, work: Promise<ActionRecord>): Promise<ActionRecord> {
    const upgradeId = ctx.upgradeId;
    if (!upgradeId) return work;
    try {
      const rec = await work;
      await this.upgrades.link(upgradeId, 'action', rec.id);
      return rec;
    } catch (e) {
      // Refusals and failures are recorded too; their record id travels in the error.
      const id = isAppError(e) ? e.details?.actionId : undefined;
      if (typeof id === 'number') await this.upgrades.link(upgradeId, 'action', id).catch(() => undefined);
      throw e;
    }
  }

  override tune(constants: Partial<BackoffConstants>, ctx: ActionContext & { enable?: boolean }): Promise<ActionRecord> {
    return this.linked(ctx, super.tune(constants, ctx));
  }

  override killSwitch(ctx: ActionContext): Promise<ActionRecord> {
    return this.linked(ctx, super.killSwitch(ctx));
  }

  override enable(ctx: ActionContext): Promise<ActionRecord> {
    return this.linked(ctx, super.enable(ctx));
  }

  override revert(id: number, ctx: ActionContext): Promise<ActionRecord> {
    return this.linked(ctx, super.revert(id, ctx));
  }
}

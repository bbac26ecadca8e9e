/**
 * `aftershock guard`: the SLA guard from the command line. Re-analyses the targets of the guard file every
 * interval and acts through Unleash per its policy (dry run unless the file says `dryRun: false` or
 * --apply is given); `--once` evaluates once and exits (1 when a target is failing), for cron jobs.
 * Decisions go to the store's guard log (GET /v1/guard/decisions) and to stderr.
 */
import { parseArgs } from 'node:util';
import { actionsSettings } from '../actions/actions-config.ts';
import { loadGuardConfig } from '../actions/guard-config.ts';
import { loadConfig } from '../config.ts';
import { openRuntimeLazily } from './open-runtime-lazily.ts';
import { AppError } from '../errors.ts';
import { createGuard } from '../runtime/guard-runtime.ts';

export const GUARD_USAGE = `Usage: aftershock guard [--once] [--apply] [--guard-file FILE] [--config FILE]

  --once              evaluate every target once, print the decisions (JSON), exit
  --apply             act even if the guard file says dryRun: true
  --guard-file FILE   the policy (default: actions.guardFile, config/guard.yaml; env AFTERSHOCK_GUARD_FILE)
  --config FILE       YAML merged over config/default.yaml (Unleash: unleash section or UNLEASH_URL /
                      UNLEASH_ADMIN_TOKEN; store: DATABASE_URL or the embedded store)

Exit codes: 0 passing (or stopped by a signal), 1 a target is failing (--once), 2 bad input or usage.`;

export async function guardCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        once: { type: 'boolean' },
        apply: { type: 'boolean' },
        'guard-file': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new AppError('BAD_INPUT', `${(e as Error).message}\n\n${GUARD_USAGE}`);
  }
  if (values.help) {
    process.stdout.write(GUARD_USAGE + '\n');
    return 0;
  }
  const config = loadConfig({ file: values.config });
  const guard = loadGuardConfig({ file: values['guard-file'], configured: actionsSettings(config).guardFile });
  if (values.apply) guard.dryRun = false;
  const rt = await openRuntimeLazily({ config, store: true, notify: true });
  try {
    const { actions } = rt;
    const log = (m: string) => process.stderr.write(`aftershock: ${m}\n`);
    if (!actions.configured) log('guard: Unleash is not configured (UNLEASH_URL / UNLEASH_ADMIN_TOKEN): every action is a dry run');
    else if (guard.dryRun) log('guard: dry run (guard file says dryRun: true; --apply to act)');
    const g = createGuard(rt, guard, { log });
    if (values.once) {
      const decisions = await g.runOnce();
      process.stdout.write(JSON.stringify(decisions, null, 2) + '\n');
      return decisions.some((d) => d.evaluation === 'failing') ? 1 : decisions.some((d) => d.evaluation === 'error') ? 2 : 0;
    }
    const handle = g.start();
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    log('guard: stopping after the current evaluation');
    await handle.stop();
    return 0;
  } finally {
    await rt.close();
  }
}

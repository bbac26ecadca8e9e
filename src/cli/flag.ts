/**
 * `aftershock flag show | tune | off | on | revert | log`: the backoff feature flag in Unleash, by hand.
 * Same semantics as the HTTP API: dry run unless --apply, exact diff printed, bounds enforced, every action
 * recorded in the audit log of the configured store (DATABASE_URL, or the embedded store under
 * AFTERSHOCK_DATA_DIR — which one process opens at a time: stop `serve` first or use PostgreSQL).
 * Unleash comes from the config's `unleash:` section or UNLEASH_URL / UNLEASH_ADMIN_TOKEN.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Report } from '../analysis/types.ts';
import type { ActionService } from '../actions/action-service.ts';
import { notAppliedMessage, UNCONFIGURED_MESSAGE } from '../actions/action-service.ts';
import { formatDiff, type BackoffConstants, type BackoffField } from '../actions/backoff-constants.ts';
import { loadConfig } from '../config.ts';
import { openRuntimeLazily } from './open-runtime-lazily.ts';
import { AppError } from '../errors.ts';
import type { ActionRecord } from '../store/audit-log.ts';

export const FLAG_USAGE = `Usage: aftershock flag <show | tune | off | on | revert <id> | log> [options]

  show                        the flag's state in Unleash (JSON on stdout)
  tune                        set backoff constants; fields not given keep their values
      --base-ms N --max-ms N --multiplier X --jitter X --max-attempts N
      --report FILE           or: apply the recommendation computed from a report (aftershock analyze output)
      --analysis ID           or: from a stored analysis (also recorded as the reason's analysis id)
      --enable                also switch the new strategy on (constants first, then on)
  off                         kill switch: switch the new strategy off
  on                          switch it back on
  revert <id>                 restore the state before action <id> (refused if the flag changed since)
  log [--limit N]             the audit log, newest first

Options for changes:
  --reason TEXT               why (required for tune, off, on)
  --apply                     really change the flag; without it, print the exact diff only (dry run)
  --config FILE               YAML merged over config/default.yaml

Exit codes:
  0  done, or a dry run without --apply
  2  bad input, refused (bounds, conflict) or Unleash unreachable
  3  --apply was given but nothing was applied: Unleash is not configured (only a dry run was recorded)`;

/** `--apply` was asked for and nothing could be applied (no Unleash): never the 0 of a real change. */
export const EXIT_NOT_APPLIED = 3;

const NUMERIC = [
  ['base-ms', 'baseMs'],
  ['max-ms', 'maxMs'],
  ['multiplier', 'multiplier'],
  ['jitter', 'jitter'],
  ['max-attempts', 'maxAttempts'],
] as const;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        'base-ms': { type: 'string' },
        'max-ms': { type: 'string' },
        multiplier: { type: 'string' },
        jitter: { type: 'string' },
        'max-attempts': { type: 'string' },
        report: { type: 'string' },
        analysis: { type: 'string' },
        enable: { type: 'boolean' },
        reason: { type: 'string' },
        apply: { type: 'boolean' },
        limit: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw new AppError('BAD_INPUT', `${(e as Error).message}\n\n${FLAG_USAGE}`);
  }
}

/** A plain decimal literal only: `Number()` alone would also take `0x64`, `0b1`, `" 5 "` or `""` (as 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `what` names the input as the user typed it: `--base-ms`, `revert <id>`. */
function number(what: string, text: string): number {
  const n = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(n)) throw new AppError('BAD_INPUT', `${what}: "${text}" is not a decimal number (e.g. 120 or 0.5)`);
  return n;
}

function positiveInt(what: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new AppError('BAD_INPUT', `${what}: "${text}" is not a positive integer (e.g. 12)`);
  return n;
}

async function readReport(file: string): Promise<Report> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new AppError('BAD_INPUT', `--report ${file}: cannot read a JSON report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  const r = parsed as Partial<Report>;
  if (r?.schemaVersion !== 1 || !Array.isArray(r.findings) || !r.settings) {
    throw new AppError('BAD_INPUT', `--report ${file}: not an aftershock report (schemaVersion 1 with findings and settings)`);
  }
  return r as Report;
}

/**
 * Prints the record as JSON and one line for a person; dry runs say how to apply. `applyAsked`: --apply was given,
 * so a record of a change that could not be made (no Unleash) exits EXIT_NOT_APPLIED, saying so unmistakably.
 */
function show(rec: ActionRecord, applyAsked: boolean): number {
  process.stdout.write(JSON.stringify(rec, null, 2) + '\n');
  if (applyAsked && rec.mode === 'unconfigured') {
    process.stderr.write(`aftershock: ${notAppliedMessage('--apply was given')}. ${rec.message}\n`);
    return EXIT_NOT_APPLIED;
  }
  const line =
    rec.status === 'dry_run'
      ? `${rec.message}${rec.mode === 'unleash' ? ' (rerun with --apply to change the flag)' : ''}`
      : rec.status === 'applied'
        ? `action ${rec.id}: applied ${formatDiff(rec.diff)}; undo with \`aftershock flag revert ${rec.id} --apply\``
        : rec.message;
  process.stderr.write(`aftershock: ${line}\n`);
  return 0;
}

/** "no value for maxMs, jitter" in the option names a person typed (the service speaks in field names). */
function withOptionNames(e: unknown): unknown {
  const missing = (e as AppError).details?.missing as BackoffField[] | undefined;
  if (!(e instanceof AppError) || !missing) return e;
  const option = (f: BackoffField) => `--${NUMERIC.find(([, field]) => field === f)![0]}`;
  return new AppError(e.code, e.message.replace(/no value for [^:]+:/, `no value for ${missing.map(option).join(', ')}:`).replace(/give all of .*$/, `give all of ${NUMERIC.map(([flag]) => `--${flag}`).join(', ')}`), { cause: e });
}

async function tune(values: ReturnType<typeof parse>['values'], actions: ActionService, base: { actor: string; reason: string; dryRun: boolean }): Promise<number> {
  const given: Partial<BackoffConstants> = {};
  for (const [flag, field] of NUMERIC) if (values[flag] !== undefined) given[field] = number(`--${flag}`, values[flag]!);
  const explicit = Object.keys(given).length > 0;
  if (explicit && (values.report || values.analysis)) {
    throw new AppError('BAD_INPUT', 'give either constants (--base-ms …) or --report / --analysis for a recommendation, not both');
  }
  const ctx = { ...base, enable: values.enable };
  const applyAsked = !base.dryRun;
  if (explicit) return show(await actions.tune(given, ctx).catch((e: unknown) => Promise.reject(withOptionNames(e))), applyAsked);
  if (!values.report && !values.analysis) throw new AppError('BAD_INPUT', `tune needs constants (--base-ms …), --report FILE or --analysis ID\n\n${FLAG_USAGE}`);
  const from = values.report ? { report: await readReport(values.report) } : { analysisId: values.analysis! };
  try {
    const { action, recommendation } = await actions.tuneFromReport(from, ctx);
    for (const line of recommendation.rationale) process.stderr.write(`aftershock: ${line}\n`);
    return show(action, applyAsked);
  } catch (e) {
    // The rationale says why the report does not call for tuning: show it before the refusal.
    const rec = (e as AppError).details?.recommendation as { rationale?: string[] } | undefined;
    for (const line of rec?.rationale ?? []) process.stderr.write(`aftershock: ${line}\n`);
    throw e;
  }
}

export async function flagCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help || positionals.length === 0) {
    (values.help ? process.stdout : process.stderr).write(FLAG_USAGE + '\n');
    return values.help ? 0 : 2;
  }
  const [sub, ...rest] = positionals;
  const expectedArgs = sub === 'revert' ? 1 : 0;
  if (rest.length !== expectedArgs) throw new AppError('BAD_INPUT', `flag ${sub}: ${expectedArgs ? 'needs exactly one action id' : `unexpected argument "${rest[0]}"`}\n\n${FLAG_USAGE}`);
  if (!['show', 'tune', 'off', 'on', 'revert', 'log'].includes(sub)) throw new AppError('BAD_INPUT', `unknown flag command "${sub}"\n\n${FLAG_USAGE}`);
  if (['tune', 'off', 'on'].includes(sub) && !values.reason?.trim()) throw new AppError('BAD_INPUT', `flag ${sub}: --reason is required (it goes into the audit log)`);

  const config = loadConfig({ file: values.config });
  // `show` only reads Unleash: it needs no store (which the embedded PGlite lets one process hold at a time).
  const rt = await openRuntimeLazily({ config, store: sub !== 'show' });
  try {
    if (sub === 'show') {
      if (!rt.flags) {
        process.stdout.write(JSON.stringify({ configured: false, ...rt.flagRef }, null, 2) + '\n');
        process.stderr.write(`aftershock: ${UNCONFIGURED_MESSAGE}\n`);
        return 0;
      }
      const state = await rt.flags.readState();
      process.stdout.write(JSON.stringify(state, null, 2) + '\n');
      process.stderr.write(`aftershock: flag "${state.flag}" in ${state.environment} is ${state.enabled ? 'on' : 'OFF'}${state.payloadProblem ? `; ${state.payloadProblem}` : ''}\n`);
      return 0;
    }
    const { actions } = rt;
    const base = { actor: `cli:${os.userInfo().username}`, reason: values.reason?.trim() ?? '', analysisId: values.analysis ?? null, dryRun: !values.apply };
    switch (sub) {
      case 'tune':
        return await tune(values, actions, base);
      case 'off':
        return show(await actions.killSwitch(base), !base.dryRun);
      case 'on':
        return show(await actions.enable(base), !base.dryRun);
      case 'revert':
        return show(await actions.revert(positiveInt('revert <id>', rest[0]), base), !base.dryRun);
      default: {
        const page = await actions.listActions({ limit: values.limit ? positiveInt('--limit', values.limit) : undefined });
        process.stdout.write(JSON.stringify(page, null, 2) + '\n');
        return 0;
      }
    }
  } finally {
    await rt.close();
  }
}

/**
 * `aftershock upgrade create | list | show | check | rollback`: upgrades from the command line (issue 15).
 * Same semantics as /v1/upgrades: the rollback is a dry run unless --apply; every revert is audited. Data goes
 * to stdout (JSON, or the format asked for), a line for a person to stderr. The store is the configured one
 * (DATABASE_URL, or the embedded store: stop `serve` first or use PostgreSQL).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openRuntimeLazily } from './open-runtime-lazily.ts';
import { AppError } from '../errors.ts';
import { writeReport } from '../report/index.ts';
import { upgradeStatus, upgradeStatusText } from '../report/upgrade-status.ts';
import { loadExpectationsFile } from '../runtime/expectations-file.ts';
import type { UpgradeInput } from '../runtime/upgrade-service.ts';
import { CHANGE_KINDS, type ChangeKind } from '../store/upgrade-store.ts';

export const UPGRADE_USAGE = `Usage: aftershock upgrade <create | list | show | check | rollback> [options]

  create --name N --at T [--service S]... [--source S] [--before 2h] [--flag F]... [--version V]
         [--expectations FILE] [--notes TEXT] [--change KIND:WHAT[=>UNDO]]...
                              register an upgrade (expectations: see config/expectations.yaml;
                              KIND of a change: ${CHANGE_KINDS.join(', ')})
  create --from-markers --source S [--around T] [--within 1d] [--service S]...
                              register the upgrades the deployment markers in the telemetry show
  list [--limit N]            upgrades, newest first, with their status
  show <name|id> [--format json|markdown|text]
                              one upgrade: status, analyses, expectations, actions, rollback plan
                              (markdown/text: the short status text and the checklist)
  check <name|id> [--after D] [--format json|markdown]
                              analyse it now with its expectations (the after window runs from the
                              upgrade until now, or --after long)
  rollback <name|id> [--apply] [--reason TEXT]
                              revert what aftershock changed for it, newest first, all or nothing;
                              without --apply a dry run; prints the checklist for the rest

  --config FILE               YAML merged over config/default.yaml

Exit codes: 0 done (check: pass or warn), 1 check: fail, 2 bad input, refused or unreachable.`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        at: { type: 'string' },
        service: { type: 'string', multiple: true },
        source: { type: 'string' },
        before: { type: 'string' },
        flag: { type: 'string', multiple: true },
        version: { type: 'string' },
        expectations: { type: 'string' },
        notes: { type: 'string' },
        change: { type: 'string', multiple: true },
        'from-markers': { type: 'boolean' },
        around: { type: 'string' },
        within: { type: 'string' },
        after: { type: 'string' },
        limit: { type: 'string' },
        format: { type: 'string' },
        apply: { type: 'boolean' },
        reason: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw new AppError('BAD_INPUT', `${(e as Error).message}\n\n${UPGRADE_USAGE}`);
  }
}

/** "webhook:registered the chat webhook=>delete webhook 7" → a checklist change. */
export function parseChange(text: string): NonNullable<UpgradeInput['changes']>[number] {
  const m = /^([a-z]+):\s*(.+?)(?:\s*=>\s*(.+))?$/s.exec(text.trim());
  if (!m || !CHANGE_KINDS.includes(m[1] as ChangeKind)) {
    throw new AppError('BAD_INPUT', `--change "${text}": expected KIND:WHAT[=>UNDO] with KIND one of ${CHANGE_KINDS.join(', ')}, e.g. "webhook:registered the chat webhook=>delete webhook 7"`);
  }
  return { kind: m[1] as ChangeKind, description: m[2], ...(m[3] ? { undo: m[3] } : {}) };
}

const say = (line: string) => process.stderr.write(`aftershock: ${line}\n`);
const out = (value: unknown) => process.stdout.write(typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n');

export async function upgradeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help || positionals.length === 0) {
    (values.help ? process.stdout : process.stderr).write(UPGRADE_USAGE + '\n');
    return values.help ? 0 : 2;
  }
  const [sub, ...rest] = positionals;
  const needsTarget = ['show', 'check', 'rollback'].includes(sub);
  if (!['create', 'list', ...(needsTarget ? [sub] : [])].includes(sub)) throw new AppError('BAD_INPUT', `unknown upgrade command "${sub}"\n\n${UPGRADE_USAGE}`);
  if (rest.length !== (needsTarget ? 1 : 0)) throw new AppError('BAD_INPUT', `upgrade ${sub}: ${needsTarget ? 'needs exactly one upgrade name or id' : `unexpected argument "${rest[0]}"`}\n\n${UPGRADE_USAGE}`);
  const actor = `cli:${os.userInfo().username}`;
  const config = loadConfig({ file: values.config });
  // Validated before the store is opened: a wrong file fails fast.
  const expectations = values.expectations ? loadExpectationsFile(values.expectations) : undefined;
  const changes = (values.change ?? []).map(parseChange);
  const rt = await openRuntimeLazily({ config, store: true });
  try {
    const { upgrades } = rt;
    switch (sub) {
      case 'create': {
        if (values['from-markers']) {
          if (!values.source) throw new AppError('BAD_INPUT', 'upgrade create --from-markers needs --source (where the deployment markers are)');
          const r = await upgrades.fromMarkers({ source: values.source, around: values.around, within: values.within, services: values.service, actor, remote: false });
          out({ created: r.created, existing: r.existing, markers: r.markers.map((m) => ({ ...m, at: new Date(m.at).toISOString() })) });
          say(`${r.markers.length} deployment marker${r.markers.length === 1 ? '' : 's'}: registered ${r.created.map((u) => `"${u.name}"`).join(', ') || 'nothing new'}${r.existing.length ? `; already registered: ${r.existing.map((u) => `"${u.name}"`).join(', ')}` : ''}`);
          return 0;
        }
        if (!values.name || !values.at) throw new AppError('BAD_INPUT', `upgrade create needs --name and --at (or --from-markers)\n\n${UPGRADE_USAGE}`);
        const upgrade = await upgrades.create(
          { name: values.name, upgradeAt: values.at, services: values.service, source: values.source, before: values.before, flags: values.flag, version: values.version, notes: values.notes, expectations, changes },
          { actor, remote: false },
        );
        out(upgrade);
        say(`registered upgrade "${upgrade.name}" (${upgrade.id}); check it with \`aftershock upgrade check "${upgrade.name}"\``);
        return 0;
      }
      case 'list': {
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) throw new AppError('BAD_INPUT', `--limit: "${values.limit}" is not a positive integer`);
        const page = await upgrades.listWithStatus({ limit });
        out(page);
        for (const s of page.items) say(`${s.upgrade.name} (${s.upgrade.upgradeAt}, ${s.upgrade.services.join(', ') || 'all services'}): ${s.status.sentence}`);
        return 0;
      }
      case 'show': {
        const view = await upgrades.view(rest[0]);
        const format = values.format ?? 'json';
        // The chart series stay out: they are for drawing (GET /upgrades/:id), and large.
        if (format === 'json') out({ ...view, latest: view.latest && { analysisId: view.latest.analysisId, createdAt: view.latest.createdAt, report: view.latest.report }, status: upgradeStatus(view) });
        else if (format === 'markdown' || format === 'text') out(`${upgradeStatusText(view, { format: format === 'text' ? 'plain' : 'markdown' })}\n${view.plan.checklist}`);
        else throw new AppError('BAD_INPUT', `--format must be json, markdown or text (got "${format}")`);
        say(`${view.name}: ${upgradeStatus(view).sentence}`);
        return 0;
      }
      case 'check': {
        const format = values.format ?? 'json';
        if (format !== 'json' && format !== 'markdown') throw new AppError('BAD_INPUT', `--format must be json or markdown (got "${format}")`);
        const { upgrade, result, analysisId } = await upgrades.check(rest[0], { owner: actor, after: values.after });
        out(await writeReport(result, format));
        const exp = result.report.findings.filter((f) => f.kind === 'expectation');
        for (const f of exp) say(f.reason);
        say(`${upgrade.name}: ${upgradeStatus(await upgrades.view(upgrade, { plan: false })).sentence} (analysis ${analysisId})`);
        return result.report.verdict === 'fail' ? 1 : 0;
      }
      default: {
        const outcome = await upgrades.rollback(rest[0], { actor, reason: values.reason?.trim() ?? '', dryRun: !values.apply });
        out(outcome);
        process.stderr.write(`${outcome.plan.checklist}\n`);
        say(`${outcome.message}${outcome.dryRun && outcome.plan.automated > 0 && rt.actions.configured ? ' (rerun with --apply to revert)' : ''}`);
        return 0;
      }
    }
  } finally {
    await rt.close();
  }
}

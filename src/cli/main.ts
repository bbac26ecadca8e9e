/**
 * `aftershock <command>`: the dispatcher. Pipelines rely on the exit codes: 0 = pass or warn, 1 = fail,
 * 2 = bad input, usage, or a source that cannot be read. Data goes to stdout (or --out), everything else to stderr.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAppError } from '../errors.ts';

export const USAGE = `Usage: aftershock <command> [options]

Commands:
  analyze   compare telemetry before and after an upgrade and print a report
  serve     run the HTTP service (what \`npm start\` runs)
  guard     re-analyse configured services on an interval and act through Unleash (dry-run by default)
  flag      show | tune | off | on | revert | log the backoff feature flag in Unleash
  upgrade   create | list | show | check | rollback an upgrade (expectations, status, cleanup plan)

Run \`aftershock <command> --help\` for the options of one command; \`aftershock --version\` prints the version.
Exit codes: 0 pass or warn, 1 fail (or warn with analyze --fail-on warn), 2 bad input or usage.`;

/** The version in package.json (this file is src/cli/main.ts or dist/cli/main.js: two levels below the root). */
export function version(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  analyze: async () => (await import('./analyze.ts')).analyzeCommand,
  serve: async () => (await import('./serve.ts')).serveCommand,
  guard: async () => (await import('./guard.ts')).guardCommand,
  flag: async () => (await import('./flag.ts')).flagCommand,
  upgrade: async () => (await import('./upgrade.ts')).upgradeCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`aftershock ${version()}\n`);
    return 0;
  }
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    (command ? process.stdout : process.stderr).write(USAGE + '\n');
    return command ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`aftershock: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (e) {
    return reportError(e);
  }
}

/** Prints an error for a person (no stack unless AFTERSHOCK_DEBUG is set) and returns exit code 2. */
export function reportError(e: unknown): number {
  if (isAppError(e)) {
    process.stderr.write(`aftershock: error: ${e.message}\n`);
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`aftershock: internal error: ${msg}\n`);
  }
  if (process.env.AFTERSHOCK_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 2;
}

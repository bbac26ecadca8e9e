/**
 * `aftershock analyze`: one analysis from the command line, for CI gates.
 *   aftershock analyze --source <file.lp | - | demo | name | influx URL> --upgrade-at <RFC 3339>
 *     [--precision ns|us|ms|s] [--before 2h] [--after 2h] [--config FILE] [--format json|markdown|html|junit]
 *     [--out FILE] [--service S]... [--endpoint E]... [--fail-on warn|fail] [--allow-future]
 *     [--deadline D] [--fetch-deadline D]
 *     [--baseline before|seasonal|cohort] [--period 1d|7d|D] [--periods K] [--variance-periods H] [--period-variance between|auto] [--cohort-tag T] [--control V]
 */
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_FAIL_ON, FAIL_ON, failsPipeline, REPORT_FORMATS, writeReportChunks, type FailOn, type ReportFormat } from '../report/index.ts';
import type { AnalysisResult } from '../analysis/types.ts';
import { loadConfig } from '../config.ts';
import { openRuntimeLazily } from './open-runtime-lazily.ts';
import { AppError } from '../errors.ts';
import { BASELINE_KINDS, DEFAULT_WINDOW, PERIOD_VARIANCES, type AnalysisRequest, type BaselineKind, type PeriodVariance } from '../runtime/analysis-request.ts';
import { createProgress } from './progress.ts';
import { STDIN_SOURCE, spoolStdin } from './stdin-input.ts';
import { runDeadlines, withinDeadline } from '../runtime/run-deadlines.ts';

export const ANALYZE_USAGE = `Usage: aftershock analyze --source <file.lp | - | demo | name | URL> --upgrade-at <RFC 3339> [options]

  --source S        a line-protocol file (any name; gzip too), "-" for line protocol on stdin, "demo", a source
                    named in the config, or
                    influx1+http://[user:pass@]host:port/<db>[?rp=…] | influx2+http(s)://host:port/<bucket>?org=<org>
                    | prom+http(s)://host:port[/prefix] (Prometheus, Thanos, Mimir, VictoriaMetrics)
  --precision P     timestamp unit of line-protocol input: ns (default), us, ms or s
  --upgrade-at T    when the upgrade shipped, e.g. 2026-11-20T14:00:00Z
  --before D        length of the window before the upgrade (default ${DEFAULT_WINDOW})
  --after D         length of the window after the upgrade (default ${DEFAULT_WINDOW})
  --config FILE     YAML merged over config/default.yaml
  --format F        json (default), markdown, html, or junit (JUnit XML for CI test views)
  --out FILE        write the report there instead of stdout
  --service S       only this service (repeatable)
  --endpoint E      only this endpoint (repeatable); the selected endpoints then decide the verdict, and
                    retry/backoff findings are reported without deciding it (upstream calls carry no endpoint)
  --fail-on V       fail (default): exit 1 on a fail verdict; warn: exit 1 on warn too (stricter gates)
  --allow-future    accept an --upgrade-at after the current time (timestamps ahead of this clock) and windows
                    reaching past now as given; without it such a time is refused (exit 2), and a window reaching
                    past now is cut there (only the elapsed part is analysed, and the report says so)
  --deadline D      total time for the whole analysis, e.g. 10m (default: config deadlines.analysisMs, 15 min)
  --fetch-deadline D  total time for reading both windows from the source (default: deadlines.fetchMs, 10 min);
                    a deadline that passes ends the run with exit 2, naming what timed out
  --baseline B      what the after window is compared with (default from config, normally before):
                    before    the window before the upgrade
                    seasonal  the same clock window on the --periods previous --period s (day-to-day
                              variation enters the uncertainty: each period is a cluster)
                    cohort    the flag-off requests of the after window itself (a concurrent control)
  --period P        seasonal: 1d (default), 7d or any duration
  --periods K       seasonal: how many earlier periods are the baseline (default 3)
  --variance-periods H  seasonal: how many earlier periods (the baseline's included) measure the
                    period-to-period variation (default from config, 14; at least K): t(H − 1) for it
  --period-variance V  seasonal: between (default from config: the periods' spread, t(K − 1), honest
                    whatever the day-to-day effect) or auto (per service the variance inside the periods
                    when they differ by no more than their noise: more power on alike days, liberal with
                    small day-to-day effects; see README "Baselines")
  --cohort-tag T    cohort: the telemetry tag holding the flag cohort (default variant)
  --control V       cohort: its flag-off value (default disabled); every other value is the treatment
  --max-series N    refuse data with more than N distinct series (default: config input.maxSeries, 20000)

Exit codes: 0 pass or warn, 1 fail (or warn with --fail-on warn), 2 bad input or usage.`;

const FORMATS = REPORT_FORMATS;
type Format = ReportFormat;
const PRECISIONS: readonly Precision[] = ['ns', 'us', 'ms', 's'];
type Precision = NonNullable<AnalysisRequest['precision']>;

export async function analyzeCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        source: { type: 'string' },
        precision: { type: 'string' },
        'upgrade-at': { type: 'string' },
        before: { type: 'string' },
        after: { type: 'string' },
        config: { type: 'string' },
        format: { type: 'string', default: 'json' },
        out: { type: 'string' },
        service: { type: 'string', multiple: true },
        endpoint: { type: 'string', multiple: true },
        'fail-on': { type: 'string', default: DEFAULT_FAIL_ON },
        'allow-future': { type: 'boolean' },
        deadline: { type: 'string' },
        'fetch-deadline': { type: 'string' },
        baseline: { type: 'string' },
        period: { type: 'string' },
        periods: { type: 'string' },
        'variance-periods': { type: 'string' },
        'period-variance': { type: 'string' },
        'cohort-tag': { type: 'string' },
        control: { type: 'string' },
        'max-series': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new AppError('BAD_INPUT', `${(e as Error).message}\n\n${ANALYZE_USAGE}`);
  }
  if (values.help) {
    process.stdout.write(ANALYZE_USAGE + '\n');
    return 0;
  }
  if (!values.source) throw new AppError('BAD_INPUT', `--source is required\n\n${ANALYZE_USAGE}`);
  if (!values['upgrade-at']) throw new AppError('BAD_INPUT', `--upgrade-at is required\n\n${ANALYZE_USAGE}`);
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new AppError('BAD_INPUT', `--format must be one of ${FORMATS.join(', ')} (got "${values.format}")`);
  const failOn = values['fail-on'] as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new AppError('BAD_INPUT', `--fail-on must be one of ${FAIL_ON.join(', ')} (got "${values['fail-on']}")`);

  const precision = values.precision as Precision | undefined;
  if (precision !== undefined && !PRECISIONS.includes(precision)) {
    throw new AppError('BAD_INPUT', `--precision must be one of ${PRECISIONS.join(', ')} (got "${values.precision}")`);
  }

  const maxSeries = values['max-series'];
  if (maxSeries !== undefined && !/^[1-9][0-9]*$/.test(maxSeries)) {
    throw new AppError('BAD_INPUT', `--max-series must be a positive whole number of series (got "${maxSeries}")`);
  }
  const baseline = baselineOptions(values);
  const config = loadConfig({ file: values.config });
  if (maxSeries !== undefined) config.input.maxSeries = Number(maxSeries);
  // Standard input is the source's read, under the fetch deadline; the spool removes its file when stopped.
  const fetchDeadline = runDeadlines({ deadline: values.deadline, fetchDeadline: values['fetch-deadline'] }, config).fetch;
  const stdin =
    values.source === STDIN_SOURCE
      ? await withinDeadline('--source -: reading standard input', fetchDeadline, undefined, (signal) => spoolStdin(process.stdin, { signal }), { abandon: false })
      : null;
  const relabel = stdin?.relabel ?? ((text: string) => text);
  const progress = createProgress(process.stderr);
  let result: AnalysisResult;
  try {
    const rt = await openRuntimeLazily({ config });
    try {
      result = await rt.analyze(
        {
          source: stdin?.path ?? values.source,
          upgradeAt: values['upgrade-at'],
          before: values.before,
          after: values.after,
          services: values.service,
          endpoints: values.endpoint,
          ...(precision ? { precision } : {}),
          ...(values['allow-future'] ? { allowFuture: true } : {}),
          ...(values.deadline !== undefined ? { deadline: values.deadline } : {}),
          ...(values['fetch-deadline'] !== undefined ? { fetchDeadline: values['fetch-deadline'] } : {}),
          ...baseline,
        },
        // Only the HTML page draws charts: the other formats need no timelines (most of the memory at many series).
        { onProgress: progress.update, onLog: (m) => progress.log(relabel(m)), charts: format === 'html' },
      );
    } finally {
      progress.done();
      await rt.close();
    }
  } catch (e) {
    throw stdin ? stdin.relabelError(e) : e;
  } finally {
    await stdin?.remove();
  }
  if (stdin) result = { ...result, report: JSON.parse(relabel(JSON.stringify(result.report))) };
  // In pieces: a JSON report of 100 000 endpoints is 350 MB, never held as one string.
  const text = await writeReportChunks(result, format, { failOn });
  if (values.out) await writeOut(values.out, text);
  else for await (const bytes of utf8Chunks(text)) if (!process.stdout.write(bytes)) await once(process.stdout, 'drain');
  for (const w of result.report.warnings) process.stderr.write(`aftershock: warning: ${w}\n`);
  process.stderr.write(`aftershock: ${result.report.summary}\n`);
  return failsPipeline(result.report.verdict, failOn) ? 1 : 0;
}

/** The baseline flags as request fields (checked against config defaults in runtime/baseline.ts). */
function baselineOptions(values: { baseline?: string; period?: string; periods?: string; 'variance-periods'?: string; 'period-variance'?: string; 'cohort-tag'?: string; control?: string }): Partial<AnalysisRequest> {
  const out: Partial<AnalysisRequest> = {};
  if (values.baseline !== undefined) {
    if (!(BASELINE_KINDS as readonly string[]).includes(values.baseline)) throw new AppError('BAD_INPUT', `--baseline must be one of ${BASELINE_KINDS.join(', ')} (got "${values.baseline}")`);
    out.baseline = values.baseline as BaselineKind;
  }
  if (values.periods !== undefined) {
    if (!/^\d+$/.test(values.periods)) throw new AppError('BAD_INPUT', `--periods must be a whole number (got "${values.periods}")`);
    out.periods = Number(values.periods);
  }
  const history = values['variance-periods'];
  if (history !== undefined) {
    if (!/^\d+$/.test(history)) throw new AppError('BAD_INPUT', `--variance-periods must be a whole number (got "${history}")`);
    out.variancePeriods = Number(history);
  }
  if (values.period !== undefined) out.period = values.period;
  const variance = values['period-variance'];
  if (variance !== undefined) {
    if (!(PERIOD_VARIANCES as readonly string[]).includes(variance)) throw new AppError('BAD_INPUT', `--period-variance must be one of ${PERIOD_VARIANCES.join(', ')} (got "${variance}")`);
    out.periodVariance = variance as PeriodVariance;
  }
  if (values['cohort-tag'] !== undefined) out.cohortTag = values['cohort-tag'];
  if (values.control !== undefined) out.control = values.control;
  const kind = out.baseline;
  const misplaced = [
    ...(kind !== 'seasonal' && (out.period !== undefined || out.periods !== undefined || out.variancePeriods !== undefined) && kind !== undefined ? ['--period/--periods/--variance-periods (seasonal only)'] : []),
    ...(kind !== 'seasonal' && out.periodVariance !== undefined && kind !== undefined ? ['--period-variance (seasonal only)'] : []),
    ...(kind !== 'cohort' && (out.cohortTag !== undefined || out.control !== undefined) && kind !== undefined ? ['--cohort-tag/--control (cohort only)'] : []),
  ];
  if (misplaced.length) throw new AppError('BAD_INPUT', `--baseline ${kind}: ${misplaced.join(' and ')} do not apply`);
  return out;
}

/** A path that cannot be written is a usage problem (exit 2 with the path), not an internal error. */
/** Bytes per write when a report comes in pieces. */
const WRITE_CHUNK_BYTES = 1 << 22;

/**
 * The pieces as UTF-8 in buffers of about WRITE_CHUNK_BYTES, each piece encoded as it comes: gathered as strings,
 * the pieces of a 350 MB report lived long enough to fill the old generation with garbage (2.3 GB at 100 000
 * endpoints); encoded at once they die young. A long string goes out in slices of WRITE_CHUNK_CHARS, never between
 * the two halves of a surrogate pair (each half alone would be written as U+FFFD). Each buffer is new (a write may
 * still be reading the last one), unless `reuse`: then the buffers alternate between two, and the consumer must be
 * done with a chunk before it asks for the one after next. New 4 MiB buffers, 90 of them for a 350 MB report, are
 * external memory that V8 answers with full collections (issue 12).
 */
async function* utf8Chunks(pieces: Iterable<string>, reuse = false): AsyncGenerator<Uint8Array> {
  // With `reuse`: the buffer of the chunk before the one just yielded, free again by the time it is asked for.
  let other: Buffer | null = null;
  const next = (done: Buffer): Buffer => {
    if (!reuse) return Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
    const free = other ?? Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
    other = done;
    return free;
  };
  let buf: Buffer = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  let used = 0;
  for (const piece of pieces) {
    for (let i = 0; i < piece.length; ) {
      let end = Math.min(piece.length, i + WRITE_CHUNK_CHARS);
      const last = piece.charCodeAt(end - 1);
      if (end < piece.length && last >= 0xd800 && last <= 0xdbff) end--;
      const part = end - i === piece.length ? piece : piece.slice(i, end);
      // A UTF-16 unit takes at most 3 bytes of UTF-8: flush first when the part might not fit.
      if (used > 0 && used + 3 * part.length > buf.length) {
        yield buf.subarray(0, used);
        buf = next(buf);
        used = 0;
      }
      if (3 * part.length > buf.length) yield Buffer.from(part, 'utf8');
      else used += buf.write(part, used, 'utf8');
      i = end;
    }
  }
  if (used > 0) yield buf.subarray(0, used);
}

/** Characters written per call: a report of 100 000 endpoints is ~350 MB, and writeFile(text) copies all of it into one Buffer first. */
const WRITE_CHUNK_CHARS = 1 << 22;

/** Writes all of `bytes` (a write may take fewer bytes than it is given). */
async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten}`);
    done += bytesWritten;
  }
}

export async function writeOut(file: string, text: string | Iterable<string>): Promise<void> {
  try {
    const fh = await open(file, 'w');
    // One write in flight while the next chunk is made: awaited one by one, the writes of a 350 MB report left the
    // thread idle for a second of its 2.5 s (100 000 endpoints, issue 12). The chunks alternate between two buffers
    // (utf8Chunks with reuse): the next one is asked for only after the write before the current one has ended.
    let writing: Promise<unknown> | null = null;
    try {
      for await (const bytes of utf8Chunks(typeof text === 'string' ? [text] : text, true)) {
        if (writing !== null) await writing;
        writing = writeAll(fh, bytes);
        // Handled here so that a write failing while the next chunk is made is not an unhandled rejection; the
        // await above or below still throws its error.
        writing.catch(() => undefined);
      }
      if (writing !== null) await writing;
    } finally {
      // The chunk maker failed with a write in flight: let the write end before the file is closed.
      await writing?.catch(() => undefined);
      await fh.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new AppError('BAD_INPUT', `--out ${file}: cannot write: ${why}`, { cause: e });
  }
}

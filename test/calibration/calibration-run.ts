/**
 * Runs a calibration family over many seeds through generator → WindowBuilder → analyze() (and the Kayenta-style
 * judge on the same windows) and summarises what a statistician would check: report-level fail and false
 * improvement rates, power on the right finding, interval coverage against the analytic truth, and dispersion.
 * Shared by `bench/calibration.ts` (every family, 100 seeds) and the fast subset in calibration.test.ts.
 */
import { analyze } from '../../src/analysis/analyze.ts';
import type { AnalysisSettings, Finding, MetricWindows, Report } from '../../src/analysis/types.ts';
import { normalQuantile } from '../../src/stats/normal-quantile.ts';
import { studentTQuantile } from '../../src/stats/student-t-quantile.ts';
import { seasonalPeriods, type Family, type FindingTarget } from './families.ts';
import { cohortMetricPairs, kayentaJudge, metricPairs, type KayentaVerdict } from './kayenta-judge.ts';
import { DAY_MS, windowRange } from './scenario.ts';
import { baselineWindows, buildWindows, logDayEffect, seasonalReferenceRange, seasonalWindows } from './telemetry-generator.ts';
import { trueLatencyChange, trueRetryChange } from './truth.ts';

/** k of n with the binomial standard error sqrt(p (1 − p) / n) of the rate k / n. */
export interface Rate {
  k: number;
  n: number;
  rate: number;
  se: number;
}

export function rate(k: number, n: number): Rate {
  const p = n > 0 ? k / n : NaN;
  return { k, n, rate: p, se: n > 0 ? Math.sqrt((p * (1 - p)) / n) : NaN };
}

/** Coverage of the report's interval of relativeChange for one statistic, against the known true change. */
export interface Coverage {
  statistic: string;
  truth: number;
  /** Seeds whose finding had an interval (others: insufficient data or no interval). */
  covered: Rate;
  /** Interval entirely above / below the truth. */
  missHigh: number;
  missLow: number;
  meanEstimate: number | null;
  /** Mean of z² with z = (log(1 + estimate) − log(1 + truth)) / se, se from the interval's log width / (2 · 1.96); ≈ 1 when calibrated. */
  meanZ2: number | null;
  /** Mean of z² of the finding's test, z = Φ⁻¹(p / 2), where nothing changed (true change exactly 0); ≈ 1 when calibrated. */
  meanTestZ2: number | null;
}

export interface JudgeRates {
  fail: Rate;
  /** Reports with any improvement (no-change families: false improvements). */
  improvement: Rate;
  /** Regression families: the target finding is a regression (Kayenta: High). */
  power: Rate | null;
}

export interface FamilyResult {
  family: string;
  expect: Family['expect'];
  comparison: Family['comparison'];
  audit: string | null;
  seeds: number;
  aftershock: JudgeRates & { warn: Rate };
  /** Kayenta-style judge with the mean-ratio gate at aftershock's tolerances. */
  kayenta: (JudgeRates & { scoreFail: Rate }) | null;
  /** The same with Kayenta's default gate (allowedIncrease = allowedDecrease = 1: no minimum effect). */
  kayentaNoGate: JudgeRates | null;
  coverage: Coverage[];
  /**
   * Seasonal families with a day-to-day effect: the seeds whose after day's realised log day effect lies in the
   * exact t(K − 1) prediction interval x̄ ± t·s·√(1 + 1/K) of the K reference days' realised effects — the coverage
   * an interval that saw the day effects without any sampling noise reaches on these very seeds. With ~100 seeds
   * the day effects are ~100 draws and this moves by several points from one seed range to another (89 % on seeds
   * 1000–1099 at K = 7, 94.8 % over 20 000 seeds), so it is the same-run reference for the intervals' coverage.
   */
  dayEffectOracle: Rate | null;
  /** Mean CPU milliseconds per seed for generating + building, analyze(), and the Kayenta-style judge. */
  cpuMs: { generate: number; analyze: number; kayenta: number };
}

export interface RunOptions {
  seeds: number;
  firstSeed?: number;
  settings: AnalysisSettings;
  /** Run the Kayenta-style judge too (default true). */
  kayenta?: boolean;
}

export const DEFAULT_FIRST_SEED = 1_000;
const Z975 = normalQuantile(0.975);

/** The windows the family's comparison analyses, and the raw windows the Kayenta judge reads. */
export function familyWindows(f: Family, seed: number): { analysed: MetricWindows; raw: MetricWindows } {
  if (f.comparison === 'seasonal-1d') {
    const w = seasonalWindows(f.scenario, seed, 1);
    return { analysed: w, raw: w };
  }
  const periods = seasonalPeriods(f.comparison);
  if (periods !== null) {
    const w = baselineWindows(f.scenario, seed, { kind: 'seasonal', periods: periods.days, ...(periods.level < periods.days ? { levelPeriods: periods.level } : {}) });
    return { analysed: w, raw: w };
  }
  const raw = buildWindows(f.scenario, seed);
  return { analysed: f.comparison === 'cohort' ? baselineWindows(f.scenario, seed, { kind: 'cohort' }) : raw, raw };
}

function kayentaOf(f: Family, raw: MetricWindows): { gated: KayentaVerdict; noGate: KayentaVerdict } {
  const c = f.scenario.cohort;
  const pairs = f.comparison === 'cohort' && c ? cohortMetricPairs(raw, `;${c.tag}=${c.control}`, `;${c.tag}=${c.treatment}`) : metricPairs(raw);
  return { gated: kayentaJudge(pairs), noGate: kayentaJudge(pairs, { latencyEffect: [1, 1], retryEffect: [1, 1] }) };
}

class JudgeAcc {
  fail = 0;
  improvement = 0;
  power = 0;
  scoreFail = 0;

  add(k: KayentaVerdict, target: FindingTarget | undefined): void {
    if (k.verdict === 'fail') this.fail++;
    if (k.improvement) this.improvement++;
    if (k.scoreClassification === 'Fail') this.scoreFail++;
    if (target && k.metrics.some((m) => m.kind === target.kind && m.subject === target.subject && m.statistic === target.statistic && m.classification === 'High')) this.power++;
  }

  rates(n: number, target: boolean): JudgeRates & { scoreFail: Rate } {
    return { fail: rate(this.fail, n), improvement: rate(this.improvement, n), power: target ? rate(this.power, n) : null, scoreFail: rate(this.scoreFail, n) };
  }
}

function findingOf(report: Report, t: FindingTarget): Finding | undefined {
  return report.findings.find((x) => x.kind === t.kind && x.subject === t.subject && x.statistic === t.statistic);
}

const COVERAGE_TARGETS = (f: Family): Array<{ target: FindingTarget; truth: number }> => {
  const s = f.scenario;
  const cohort = f.comparison === 'cohort';
  const reference = f.comparison === 'seasonal-1d' || seasonalPeriods(f.comparison) !== null ? seasonalReferenceRange(s, 1) : undefined;
  const big = s.endpoints[0].endpoint;
  const out: Array<{ target: FindingTarget; truth: number }> = [0.5, 0.9, 0.99].map((p) => ({
    target: { kind: 'tail_latency', subject: big, statistic: `p${Math.round(p * 100)}` },
    truth: trueLatencyChange(s, 0, p, { cohort, reference }),
  }));
  if (s.upstreams.length > 0) out.push({ target: { kind: 'retry_rate', subject: s.upstreams[0].upstream, statistic: 'retries_per_call' }, truth: trueRetryChange(s, 0, { cohort }) });
  return out;
};

class CoverageAcc {
  private n = 0;
  private covered = 0;
  private missHigh = 0;
  private missLow = 0;
  private estimates: number[] = [];
  private z2: number[] = [];
  private testZ2: number[] = [];

  constructor(
    readonly statistic: string,
    readonly truth: number,
    private readonly null_: boolean,
  ) {}

  add(f: Finding | undefined): void {
    if (!f) return;
    if (f.relativeChange !== null) this.estimates.push(f.relativeChange);
    if (this.null_ && f.pValue !== null && f.pValue > 0) this.testZ2.push(normalQuantile(Math.min(1, f.pValue) / 2) ** 2);
    if (!f.ci || f.status === 'insufficient_data') return;
    const lo = f.ci[0] ?? -Infinity;
    const hi = f.ci[1] ?? Infinity;
    this.n++;
    if (this.truth < lo) this.missHigh++;
    else if (this.truth > hi) this.missLow++;
    else this.covered++;
    if (f.relativeChange !== null && lo > -1 && Number.isFinite(hi)) {
      const se = (Math.log1p(hi) - Math.log1p(lo)) / (2 * Z975);
      if (se > 0) this.z2.push(((Math.log1p(f.relativeChange) - Math.log1p(this.truth)) / se) ** 2);
    }
  }

  result(): Coverage {
    const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
    return {
      statistic: this.statistic,
      truth: this.truth,
      covered: rate(this.covered, this.n),
      missHigh: this.missHigh,
      missLow: this.missLow,
      meanEstimate: mean(this.estimates),
      meanZ2: mean(this.z2),
      meanTestZ2: this.null_ ? mean(this.testZ2) : null,
    };
  }
}

/** FamilyResult.dayEffectOracle for one seed: is today's day effect inside the exact t prediction interval of the K reference days'? */
function dayEffectCovered(f: Family, seed: number, periods: { level: number; days: number }): boolean {
  const after = windowRange(f.scenario, 'after').start;
  const today = logDayEffect(f.scenario, seed, after);
  // The oracle's prediction interval: today against the mean of the K baseline days, with the day-to-day spread
  // measured over all H days (K = H without a variance history).
  const { level: K, days: H } = periods;
  const refs = Array.from({ length: H }, (_, k) => logDayEffect(f.scenario, seed, after - (k + 1) * DAY_MS));
  const mean = refs.slice(0, K).reduce((a, b) => a + b, 0) / K;
  const all = refs.reduce((a, b) => a + b, 0) / H;
  const sd = Math.sqrt(refs.reduce((a, b) => a + (b - all) ** 2, 0) / (H - 1));
  return Math.abs(today - mean) <= studentTQuantile(0.975, H - 1) * sd * Math.sqrt(1 + 1 / K);
}

function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

export function runFamily(f: Family, options: RunOptions): FamilyResult {
  const first = options.firstSeed ?? DEFAULT_FIRST_SEED;
  const withKayenta = options.kayenta ?? true;
  const targets = COVERAGE_TARGETS(f);
  // The test's z² is only a dispersion check where its null hypothesis (no change at all) is the truth.
  const cov = targets.map((t) => new CoverageAcc(`${t.target.subject} ${t.target.statistic}`, t.truth, f.expect === 'no_change' && Math.abs(t.truth) < 1e-12));
  let fail = 0;
  let warn = 0;
  let improvement = 0;
  let power = 0;
  const gated = new JudgeAcc();
  const noGate = new JudgeAcc();
  const cpu = { generate: 0, analyze: 0, kayenta: 0 };
  const periods = seasonalPeriods(f.comparison);
  const oracle = periods !== null && (f.scenario.daily?.dayEffectSigma ?? 0) > 0 ? { periods, covered: 0 } : null;
  for (let i = 0; i < options.seeds; i++) {
    const seed = first + i;
    const t0 = cpuNow();
    const { analysed, raw } = familyWindows(f, seed);
    const t1 = cpuNow();
    const { report } = analyze(analysed, f.settings ? { ...options.settings, ...f.settings } : options.settings);
    const t2 = cpuNow();
    cpu.generate += t1 - t0;
    cpu.analyze += t2 - t1;
    if (report.verdict === 'fail') fail++;
    if (report.verdict === 'warn') warn++;
    if (report.findings.some((x) => x.status === 'improvement')) improvement++;
    if (f.target && findingOf(report, f.target)?.status === 'regression') power++;
    targets.forEach((t, k) => cov[k].add(findingOf(report, t.target)));
    if (oracle && dayEffectCovered(f, seed, oracle.periods)) oracle.covered++;
    if (withKayenta) {
      const k = kayentaOf(f, raw);
      cpu.kayenta += cpuNow() - t2;
      gated.add(k.gated, f.target);
      noGate.add(k.noGate, f.target);
    }
  }
  const n = options.seeds;
  return {
    family: f.name,
    expect: f.expect,
    comparison: f.comparison,
    audit: f.audit ?? null,
    seeds: n,
    aftershock: { fail: rate(fail, n), warn: rate(warn, n), improvement: rate(improvement, n), power: f.target ? rate(power, n) : null },
    kayenta: withKayenta ? gated.rates(n, f.target !== undefined) : null,
    kayentaNoGate: withKayenta ? noGate.rates(n, f.target !== undefined) : null,
    coverage: cov.map((c) => c.result()),
    dayEffectOracle: oracle ? rate(oracle.covered, n) : null,
    cpuMs: { generate: cpu.generate / n, analyze: cpu.analyze / n, kayenta: cpu.kayenta / n },
  };
}

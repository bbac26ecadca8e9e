/** Number formatting shared by finding reasons and the Markdown report (plain words, stable output). */

export function formatPercent(x: number | null, digits = 1): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  const v = x * 100;
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits);
  return `${v > 0 ? '+' : ''}${s === '-0.0' ? '0.0' : s}%`;
}

export function formatValue(x: number | null, unit: string): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  let s: string;
  if (unit === 'retries/call' || unit === 'share of calls') s = abs < 0.001 && abs > 0 ? x.toExponential(2) : x.toFixed(4);
  else if (abs >= 1000) s = x.toFixed(0);
  else if (abs >= 100) s = x.toFixed(1);
  else if (abs >= 1) s = x.toFixed(2);
  else s = x.toPrecision(3);
  return unit === 'ms' ? `${s} ms` : s;
}

export function formatP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return 'n/a';
  if (p === 0) return '< 1e-300';
  if (p < 0.001) return p.toExponential(1);
  return p.toFixed(3);
}

export function formatInterval(ci: [number, number] | null): string {
  if (!ci) return 'n/a';
  return `${formatPercent(ci[0])} to ${formatPercent(ci[1])}`;
}

/** "p99.9" for 0.999, "p50" for 0.5. */
export function quantileLabel(q: number): string {
  const pct = +(q * 100).toPrecision(6);
  return `p${pct}`;
}

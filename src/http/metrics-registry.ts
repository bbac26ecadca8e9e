/**
 * A small Prometheus registry (counters, gauges, histograms with labels) and the text exposition format
 * 0.0.4. Written here rather than pulling prom-client: the service exposes a dozen series and nothing else.
 */

export const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const DEFAULT_ANALYSIS_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

/** Series key: label values in the order given. Callers pass labels in a fixed order per metric (hot path: no sorting). */
function key(labels: Labels): string {
  let k = '';
  for (const name in labels) k += `${name}\u0001${labels[name]}\u0002`;
  return k;
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

export class Counter implements Metric {
  readonly type = 'counter' as const;
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const cur = this.values.get(k);
    if (cur) cur.value += by;
    else this.values.set(k, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }
  render(): string[] {
    return [...this.values.values()].map((v) => `${this.name}${labelText(v.labels)} ${num(v.value)}`);
  }
}

/** A gauge whose value is read when scraped (queue depth and the like). */
export class Gauge implements Metric {
  readonly type = 'gauge' as const;
  constructor(readonly name: string, readonly help: string, private readonly read: () => number) {}
  render(): string[] {
    return [`${this.name} ${num(this.read())}`];
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram' as const;
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, private readonly buckets: number[] = DEFAULT_DURATION_BUCKETS) {}
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i] += 1;
    s.sum += value;
    s.count += 1;
  }
  render(): string[] {
    const lines: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText(s.labels, ['le', num(b)])} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string, read: () => number): Gauge {
    return this.add(new Gauge(name, help, read));
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics) {
      out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`, ...m.render());
    }
    return `${out.join('\n')}\n`;
  }

  private add<M extends Metric>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.push(m);
    return m;
  }
}

/** The service's own metrics, shared by the analysis service and the HTTP hooks. */
export interface ServiceMetrics {
  registry: MetricsRegistry;
  analyses: Counter;
  analysisSeconds: Histogram;
  httpRequests: Counter;
  httpSeconds: Histogram;
}

export function createServiceMetrics(read: { queued: () => number; running: () => number }): ServiceMetrics {
  const registry = new MetricsRegistry();
  const metrics: ServiceMetrics = {
    registry,
    analyses: registry.counter('aftershock_analyses_total', 'Analyses finished, by outcome (pass, warn, fail, failed, timeout, rejected).'),
    analysisSeconds: registry.histogram('aftershock_analysis_duration_seconds', 'Wall time of finished analyses from start to result.', DEFAULT_ANALYSIS_BUCKETS),
    httpRequests: registry.counter('aftershock_http_requests_total', 'HTTP requests by method, route and status code.'),
    httpSeconds: registry.histogram('aftershock_http_request_duration_seconds', 'HTTP response time by method and route.'),
  };
  registry.gauge('aftershock_analysis_queue_depth', 'Analyses waiting for a worker.', read.queued);
  registry.gauge('aftershock_analyses_running', 'Analyses running in worker threads.', read.running);
  registry.gauge('aftershock_process_resident_memory_bytes', 'Resident set size of the process.', () => process.memoryUsage.rss());
  return metrics;
}

import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/http/metrics-registry.ts';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and cumulative histograms in the Prometheus text format', () => {
    const r = new MetricsRegistry();
    const c = r.counter('jobs_total', 'Jobs by outcome.');
    c.inc({ outcome: 'ok' });
    c.inc({ outcome: 'ok' }, 2);
    c.inc({ outcome: 'say "hi"\n' });
    r.gauge('queue_depth', 'Waiting jobs.', () => 4);
    const h = r.histogram('wait_seconds', 'Wait.', [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    expect(r.render()).toBe(
      [
        '# HELP jobs_total Jobs by outcome.',
        '# TYPE jobs_total counter',
        'jobs_total{outcome="ok"} 3',
        'jobs_total{outcome="say \\"hi\\"\\n"} 1',
        '# HELP queue_depth Waiting jobs.',
        '# TYPE queue_depth gauge',
        'queue_depth 4',
        '# HELP wait_seconds Wait.',
        '# TYPE wait_seconds histogram',
        'wait_seconds_bucket{le="0.1"} 1',
        'wait_seconds_bucket{le="1"} 2',
        'wait_seconds_bucket{le="+Inf"} 3',
        'wait_seconds_sum 5.55',
        'wait_seconds_count 3',
        '',
      ].join('\n'),
    );
    expect(c.get({ outcome: 'ok' })).toBe(3);
    expect(() => r.counter('jobs_total', 'again')).toThrow(/twice/);
  });
});

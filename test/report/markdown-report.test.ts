import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import type { MetricWindows } from '../../src/analysis/types.ts';
import { defaultSettings } from '../analysis/settings.ts';

/** Endpoint names as real services have them: a pipe, a backtick, spaces and unicode. */
function windowsFor(endpoints: string[], n: number): MetricWindows {
  const values = Float64Array.from({ length: n }, (_, i) => 10 + (i % 97));
  return {
    upgradeAt: 0,
    before: { start: -1, stop: 0 },
    after: { start: 0, stop: 1 },
    latency: endpoints.map((endpoint) => ({ service: 'shop', endpoint, before: { kind: 'raw', values }, after: { kind: 'raw', values } })),
    upstreams: [],
    warnings: [],
  };
}

describe('renderMarkdown with unusual endpoint names', () => {
  const md = renderMarkdown(analyze(windowsFor(['/a|b', '/x`y', '/ünï code'], 300), defaultSettings()).report);

  it('keeps the name intact outside tables (a list item shows "\\|" literally)', () => {
    const items = md.split('\n').filter((l) => l.startsWith('- shop '));
    expect(items).toContain('- shop `/a|b` p99: Insufficient data: p99 needs at least 1,000 requests in each window; had 300 before and 300 after.');
    expect(items.some((l) => l.startsWith('- shop ``/x`y`` p99:'))).toBe(true);
    expect(items.some((l) => l.startsWith('- shop `/ünï code` p99:'))).toBe(true);
  });

  it('escapes the pipe inside table cells and keeps the backtick as a backtick', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('| tail latency |'));
    expect(rows.some((l) => l.includes('| `/a\\|b` |'))).toBe(true);
    expect(rows.some((l) => l.includes('| ``/x`y`` |'))).toBe(true);
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length).toBe(12);
  });
});

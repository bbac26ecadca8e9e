import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { escapeMarkdown, renderMarkdown } from '../../src/report/markdown-report.ts';
import type { Finding, MetricWindows, Report } from '../../src/analysis/types.ts';
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

/** Names an attacker can put into telemetry (service, endpoint, upstream tags), the summary and the warnings. */
const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'a|b|c',
  'x`y``z',
  'line1\nline2\r\n# heading',
  '[click](javascript:alert(1))',
  '**bold** _em_ ~~gone~~ $x$ &lt;',
  '- not a list',
  '1. not a list either',
  'back\\slash',
];

function hostileReport(): Report {
  const [service, endpoint, upstream] = [HOSTILE[0], HOSTILE[1], HOSTILE.join(' ')];
  const base = {
    service, test: 't', pValue: 1e-9, qValue: 4e-9, nBefore: 5000, nAfter: 5000, reason: `Reason naming ${HOSTILE[5]} and ${HOSTILE[4]}`,
    before: 100, after: 200, relativeChange: 1, ci: [0.5, 1.5] as [number, number],
  };
  const findings: Finding[] = [
    { ...base, kind: 'tail_latency', subject: endpoint, statistic: 'p99', unit: 'ms', status: 'regression' },
    { ...base, kind: 'retry_rate', subject: upstream, statistic: 'retries_per_call', unit: 'retries/call', status: 'no_change', qValue: 0.5 },
    { ...base, kind: 'backoff', service: HOSTILE[3], subject: HOSTILE[2], statistic: 'median_wait', unit: 'ms', status: 'insufficient_data', before: null, after: null, relativeChange: null, ci: null, qValue: null },
  ];
  return {
    schemaVersion: 1, verdict: 'fail', upgradeAt: '2026-11-20T14:00:00Z',
    windows: { before: { start: '2026-11-20T12:00:00Z', stop: '2026-11-20T14:00:00Z' }, after: { start: '2026-11-20T14:00:00Z', stop: '2026-11-20T16:00:00Z' } },
    findings, summary: `Fail: 1 regression in ${service} ${endpoint}; ${HOSTILE.slice(2).join(' ')}.`,
    warnings: HOSTILE.map((h) => `telemetry said ${h}`).concat(HOSTILE[7], HOSTILE[8], HOSTILE[4]), source: `file ${HOSTILE[0]}`, settings: defaultSettings(),
  };
}

/** The text outside code spans, with backslash escapes removed: what a CommonMark renderer shows as plain text. */
function unescapedProse(line: string): string {
  return line.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '').replace(/\\[!-/:-@[-`{-~]/g, '');
}

describe('renderMarkdown with hostile names from telemetry (issue 14, item 15)', () => {
  const report = hostileReport();
  const md = renderMarkdown(report);
  const lines = md.split('\n');

  it('lets no raw HTML, link, emphasis, math or entity through outside code spans', () => {
    for (const line of lines) {
      // The writer's own markup: the collapsible section and the decision rule ("q < 0.05").
      if (line.startsWith('<details>') || line === '</details>' || line.startsWith('_Decision rule:')) continue;
      // Every special character left after removing escapes and code spans is one the writer put there itself.
      const prose = unescapedProse(line);
      expect(prose, line).not.toMatch(/[<>[\]&$~]/);
      expect(prose.replace(/^\*\*|\*\*$/g, '').replace(/^_|_$/g, ''), line).not.toMatch(/\*|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/u);
    }
    // Inside a code span the name is shown as it is (code spans are literal text in CommonMark).
    expect(md).toContain('| `"><img src=x onerror=alert(1)>` |');
    expect(md).toContain('\\<script\\>alert(1)\\</script\\>');
    expect(md).toContain('\\[click\\](javascript:alert(1))');
  });

  it('keeps bare URLs from becoming links and snake_case names readable', () => {
    expect(escapeMarkdown('see https://evil.example/x and www.evil.example or WWW.x.example')).toBe(
      'see https\\://evil.example/x and www\\.evil.example or WWW\\.x.example',
    );
    expect(escapeMarkdown('payments_api /api/v1.2/x-y _lead trail_')).toBe('payments_api /api/v1.2/x-y \\_lead trail\\_');
  });

  it('keeps every table row on one line with the same number of cells', () => {
    const rows = lines.filter((l) => l.startsWith('| '));
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length, r).toBe(12);
  });

  it('starts no heading, list or quote from a warning or a name, and keeps the warnings one per item', () => {
    const headings = lines.filter((l) => l.startsWith('#'));
    expect(headings).toEqual(['# aftershock: ❌ FAIL', '## Regressions (1)', '## Insufficient data (1)', `## Warnings (${report.warnings.length})`]);
    const warnings = lines.slice(lines.indexOf(`## Warnings (${report.warnings.length})`) + 2).filter((l) => l.startsWith('- '));
    expect(warnings).toHaveLength(report.warnings.length);
    expect(warnings.slice(-3)).toEqual(['- \\- not a list', '- 1\\. not a list either', '- line1 line2 # heading']);
    expect(lines.filter((l) => l.startsWith('>') || /^\s+[-+*\d]/.test(l))).toEqual([]);
  });

  it('writes the summary and the source as escaped text on their lines', () => {
    expect(lines[2]).toBe(
      '**Fail: 1 regression in \\<script\\>alert(1)\\</script\\> "\\>\\<img src=x onerror=alert(1)\\>; a\\|b\\|c x\\`y\\`\\`z line1 line2 # heading ' +
        '\\[click\\](javascript:alert(1)) \\*\\*bold\\*\\* \\_em\\_ \\~\\~gone\\~\\~ \\$x\\$ \\&lt; - not a list 1. not a list either back\\\\slash.**',
    );
    expect(lines[4]).toMatch(/ Source: file \\<script\\>alert\(1\)\\<\/script\\>\.$/);
  });
});

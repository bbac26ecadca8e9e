import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/analysis/types.ts';
import { ELEMENTS_PER_PIECE, elementsPerPiece, jsonReportChunks, renderJson } from '../../src/report/json-report.ts';
import type { RecommendedReport } from '../../src/report/recommendation-section.ts';
import { REPORT_FORMATS, writeReport, writeReportChunks } from '../../src/report/index.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import { regressionResult } from '../charts/fixtures.ts';

/** The replacer `aftershock analyze --format json` used until now (src/cli/analyze.ts `jsonSafe`). */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

function withOpenIntervals(): Report {
  const { report } = regressionResult();
  const [first, second, third] = report.findings;
  first.ci = [0.152, Infinity];
  first.afterCi = [700, Infinity];
  second.ci = [-Infinity, 0.02];
  third.details = { shift: NaN, threshold: -Infinity };
  return report;
}

describe('JSON report', () => {
  it('needs no replacer: JSON.stringify already writes every non-finite number as null', () => {
    expect(JSON.stringify([Infinity, -Infinity, NaN, 1e-9])).toBe('[null,null,null,1e-9]');
    expect(JSON.stringify({ ci: [0.15, Infinity] })).toBe('{"ci":[0.15,null]}');
  });

  it('prints the same bytes as the old jsonSafe replacer did, open intervals included', () => {
    const report = withOpenIntervals();
    const text = renderJson(report);
    expect(text).toBe(JSON.stringify(report, jsonSafe, 2) + '\n');
    const back = JSON.parse(text);
    expect(back.findings[0].ci).toEqual([0.152, null]);
    expect(back.findings[0].afterCi).toEqual([700, null]);
    expect(back.findings[1].ci).toEqual([null, 0.02]);
    expect(back.findings[2].details).toMatchObject({ shift: null, threshold: null });
    expect(text.startsWith('{\n  "schemaVersion": 1,\n  "verdict": "fail",')).toBe(true);
  });

  it('is what writeReport gives for json, and markdown goes through the Markdown writer', async () => {
    const result = regressionResult();
    expect(REPORT_FORMATS).toEqual(['json', 'markdown', 'html', 'junit']);
    expect(await writeReport(result, 'json')).toBe(renderJson(result.report));
    expect(await writeReport(result, 'markdown')).toBe(renderMarkdown(result.report));
    expect(await writeReport(result, 'html')).toMatch(/^<!doctype html>/);
  });

  it('comes in pieces (one per finding) that join to exactly renderJson, whatever the report holds', async () => {
    const result = regressionResult();
    const pieces = [...jsonReportChunks(result.report)];
    expect(pieces.length).toBeGreaterThan(result.report.findings.length);
    expect(pieces.join('')).toBe(renderJson(result.report));
    expect([...(await writeReportChunks(result, 'json'))].join('')).toBe(renderJson(result.report));
    expect([...(await writeReportChunks(result, 'markdown'))]).toEqual([renderMarkdown(result.report)]);
    // What JSON.stringify leaves out or writes as null, empty containers, line breaks and non-ASCII inside strings.
    const odd = {
      ...withOpenIntervals(),
      warnings: [],
      absent: undefined,
      fn: () => 1,
      empty: {},
      list: [undefined, () => 1, null, 'two\nlines "quoted" \u2212 ✓', { nested: [1, { deeper: [] }] }],
      text: 'line\nbreak',
    } as unknown as RecommendedReport;
    expect([...jsonReportChunks(odd)].join('')).toBe(renderJson(odd));
    expect([...jsonReportChunks({} as RecommendedReport)].join('')).toBe('{}\n');
  });
});

describe('JSON report pieces of many findings', () => {
  it('joins to exactly renderJson whether the findings fill their pieces or not', () => {
    const { report } = regressionResult();
    const one = report.findings[0];
    const E = ELEMENTS_PER_PIECE;
    expect([1, E, 2 * E, E * E, 10 * E * E].map(elementsPerPiece)).toEqual([1, 1, 2, E, E]);
    for (const count of [1, E - 1, E, E + 1, 151, E * E - 1, E * E + 1, 3 * E * E + 7]) {
      const findings = Array.from({ length: count }, (_, i) => ({ ...one, subject: `/e${i}`, ci: i % 3 === 0 ? ([0.1, Infinity] as [number, number]) : one.ci }));
      const many = { ...report, findings, warnings: Array.from({ length: count }, (_, i) => `warning ${i}\nwith a break`) };
      const pieces = [...jsonReportChunks(many)];
      expect(pieces.join(''), `${count} findings`).toBe(renderJson(many));
      // The findings come in ⌈count / per piece⌉ pieces (then the closing bracket).
      expect(pieces.filter((p) => p.includes('"subject": "/e')).length).toBe(Math.ceil(count / elementsPerPiece(count)));
    }
  });
});

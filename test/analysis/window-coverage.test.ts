/**
 * Issue 14 item 2: a window that is partly empty (an after window reaching past the end of the data, a file that
 * ends early, an outage inside a window) is reported with its covered span and flagged, and a clean report on such
 * data is `warn`, never `pass`. Built through the real WindowBuilder, analysed by the real analysis.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { WindowBuilder } from '../../src/sources/window-builder/window-builder.ts';
import { defaultSettings } from './settings.ts';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const settings = defaultSettings();

/** Steady traffic (one request every `everyMs`, same distribution) in [from, to) of the before/after windows. */
function windows(spans: Array<[number, number]>, everyMs = 2000, seed = 5) {
  const b = new WindowBuilder({ upgradeAt: T0, before: { start: T0 - 2 * H, stop: T0 }, after: { start: T0, stop: T0 + 2 * H }, timelineIntervalMs: 60_000 });
  const r = seededRandom(seed);
  for (const [from, to] of spans) {
    for (let t = from; t < to; t += everyMs) b.addRequest('shop', '/cart', t, r.lognormal(Math.log(40), 0.3));
  }
  return b.build();
}

describe('window coverage (issue 14)', () => {
  it('an after window with data for its first 30 min only is partly empty: span, share, missing time, warning, warn', () => {
    const { report } = analyze(windows([[T0 - 2 * H, T0], [T0, T0 + 0.5 * H]]), settings);
    const after = report.windowCoverage!.after;
    expect(after).toMatchObject({
      start: '2026-11-20T14:00:00.000Z',
      stop: '2026-11-20T16:00:00.000Z',
      firstData: '2026-11-20T14:00:00.000Z',
      lastData: '2026-11-20T14:30:00.000Z',
      blocks: 120,
      blocksWithData: 30,
      share: 0.25,
      leadingGapMs: 0,
      trailingGapMs: 1.5 * H,
      missingMs: 1.5 * H,
      missingShare: 0.75,
      partlyEmpty: true,
      gaps: [{ start: '2026-11-20T14:30:00.000Z', stop: '2026-11-20T16:00:00.000Z', ms: 1.5 * H }],
    });
    expect(report.windowCoverage!.before).toMatchObject({ share: 1, partlyEmpty: false, missingMs: 0, gaps: [] });
    expect(report.warnings).toContainEqual(expect.stringMatching(/^after window is partly empty: no data for 1 h 30 min of its 2 h \(75 % missing\); data from 2026-11-20T14:00:00.000Z to 2026-11-20T14:30:00.000Z/));
    // Same distribution before and after: without the gap this report passes (see the next test).
    expect(report.findings.some((f) => f.status === 'regression')).toBe(false);
    expect(report.verdict).toBe('warn');
    expect(report.summary).toContain('not completely covered by data');
  });

  it('complete windows: covered, no coverage warning, pass', () => {
    const { report } = analyze(windows([[T0 - 2 * H, T0 + 2 * H]]), settings);
    expect(report.windowCoverage!.before).toMatchObject({ share: 1, partlyEmpty: false });
    expect(report.windowCoverage!.after).toMatchObject({ share: 1, partlyEmpty: false, firstData: '2026-11-20T14:00:00.000Z', lastData: '2026-11-20T16:00:00.000Z' });
    expect(report.warnings.filter((w) => /window/.test(w))).toEqual([]);
    expect(report.verdict).toBe('pass');
  });

  it('an outage inside the before window counts too', () => {
    const { report } = analyze(windows([[T0 - 2 * H, T0 - 1.5 * H], [T0 - H, T0 + 2 * H]]), settings);
    expect(report.windowCoverage!.before).toMatchObject({ partlyEmpty: true, missingMs: 0.5 * H, leadingGapMs: 0, trailingGapMs: 0 });
    expect(report.verdict).toBe('warn');
  });

  it('sparse but steady telemetry (one request every 3 min) has empty blocks by chance and is not flagged', () => {
    const { report } = analyze(windows([[T0 - 2 * H, T0 + 2 * H]], 180_000), settings);
    expect(report.windowCoverage!.after.share).toBeCloseTo(1 / 3, 2);
    expect(report.windowCoverage!.after.partlyEmpty).toBe(false);
    expect(report.windowCoverage!.before!.partlyEmpty).toBe(false);
  });

  it('a gap of one block at the end is not missing data', () => {
    const { report } = analyze(windows([[T0 - 2 * H, T0 + 2 * H - 60_000]]), settings);
    expect(report.windowCoverage!.after).toMatchObject({ trailingGapMs: 60_000, partlyEmpty: false });
  });

  it('Markdown and HTML state the covered span of each window', async () => {
    const result = analyze(windows([[T0 - 2 * H, T0], [T0, T0 + 0.5 * H]]), settings);
    const md = renderMarkdown(result.report);
    expect(md).toContain('⚠️ Data in the after window: data from 2026-11-20T14:00:00.000Z to 2026-11-20T14:30:00.000Z; 30 of 120 1 min blocks have data (25 %); partly empty: 1 h 30 min missing (75 %).');
    expect(md).toContain('Data in the before window: data from 2026-11-20T12:00:00.000Z to 2026-11-20T14:00:00.000Z; 120 of 120 1 min blocks have data (100 %); complete.');
    const html = await renderHtmlReport(result, {});
    expect(html).toContain('<dt>After data</dt><dd>data from 2026-11-20T14:00:00.000Z to 2026-11-20T14:30:00.000Z; 30 of 120 1 min blocks');
    expect(html).not.toContain('every window was read completely');
  });
});

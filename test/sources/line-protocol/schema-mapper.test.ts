import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { parseLineProtocol } from '../../../src/sources/line-protocol/line-protocol.ts';
import { SchemaMapper } from '../../../src/sources/line-protocol/schema-mapper.ts';
import { WindowBuilder } from '../../../src/sources/window-builder/window-builder.ts';

const UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;

function mapLines(text: string) {
  const builder = new WindowBuilder({ upgradeAt: UPGRADE, before: { start: UPGRADE - H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + H }, timelineIntervalMs: 60_000 });
  const mapper = new SchemaMapper(loadConfig().schema, builder);
  const parser = parseLineProtocol(text, mapper.onPoint);
  return { parser, windows: builder.build() };
}

describe('SchemaMapper: per-interval counters', () => {
  it('refuses an interval with more exhausted calls than calls (a share of calls above 1 reached the report as 5.0)', () => {
    const t = `${UPGRADE - 60_000}000000`;
    const { parser } = mapLines(`upstream_calls_total,service=shop,upstream=u requests=10,retries=5,exhausted=50 ${t}\n`);
    expect(parser.badLineCount).toBe(1);
    expect(parser.badLines[0].reason).toBe('field "exhausted": 50 is more than the 10 calls of field "requests"');
  });

  it('accepts exhausted equal to calls', () => {
    const t = `${UPGRADE - 60_000}000000`;
    const { parser, windows } = mapLines(`upstream_calls_total,service=shop,upstream=u requests=10,retries=20,exhausted=10 ${t}\n`);
    expect(parser.badLineCount).toBe(0);
    expect(windows.upstreams[0].before).toMatchObject({ calls: 10, retries: 20, exhausted: 10 });
  });
});

describe('SchemaMapper: a series\' tags are read once and remembered for its later lines', () => {
  it('gives every line of interleaved series its own service and endpoint, and every line of a series without the endpoint tag the same error', () => {
    const lines: string[] = [];
    for (let i = 0; i < 600; i++) {
      const t = `${UPGRADE - H + 1000 * i}000000`;
      // 300 series: more than the parser remembers at once, so entries are evicted and read again.
      lines.push(`http_request,service=s${i % 3},endpoint=/e${i % 300} duration_ms=${i} ${t}`);
      if (i % 100 === 0) lines.push(`http_request,service=s0,path=/nope duration_ms=1 ${t}`);
    }
    const { parser, windows } = mapLines(lines.join('\n'));
    expect(parser.badLineCount).toBe(6);
    expect(new Set(parser.badLines.map((b) => b.reason))).toEqual(new Set(['missing tag "endpoint"']));
    expect(windows.latency).toHaveLength(300);
    for (const l of windows.latency) {
      const k = Number(l.endpoint.slice(2));
      expect(l.service).toBe(`s${k % 3}`);
      expect([...(l.before as { values: Float64Array }).values]).toEqual([k, k + 300]);
    }
  });
});

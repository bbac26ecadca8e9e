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

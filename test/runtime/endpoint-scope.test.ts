/**
 * Endpoint and service filters over a whole run (issue 14, item 17), on the demo telemetry (shop: /cart,
 * /checkout, … with a payments-api retry regression; accounts: users-api): under an endpoint filter the selected
 * endpoints decide the verdict and upstream findings are reported without deciding it; a filter value that
 * matches nothing is bad input naming it.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/analysis/types.ts';
import { loadConfig } from '../../src/config.ts';
import type { ScopedFinding } from '../../src/runtime/endpoint-scope.ts';
import { runAnalysis } from '../../src/runtime/run-analysis.ts';

const config = loadConfig();
const run = (filters: { services?: string[]; endpoints?: string[] }) => runAnalysis({ source: 'demo', upgradeAt: '2026-11-20T14:00:00Z', ...filters }, { config });
const regressions = (findings: Finding[]) => findings.filter((f) => f.status === 'regression').map((f) => `${f.service} ${f.subject} ${f.statistic}`);

describe('runAnalysis with endpoint filters', () => {
  it('--endpoint /cart: decided by /cart alone; payments-api regressions are reported, marked, warned about, not deciding', async () => {
    const all = (await run({})).report;
    expect(all.verdict).toBe('fail');
    expect(regressions(all.findings)).toEqual(expect.arrayContaining(['shop payments-api retries_per_call']));
    expect(all.findings.some((f) => 'decidesVerdict' in f)).toBe(false);

    const { report } = await run({ endpoints: ['/cart'] });
    expect(report.verdict).not.toBe('fail');
    expect(report.summary).not.toMatch(/payments-api/);
    const latency = report.findings.filter((f) => f.kind === 'tail_latency');
    expect(new Set(latency.map((f) => f.subject))).toEqual(new Set(['/cart']));
    const upstream = report.findings.filter((f) => f.kind !== 'tail_latency') as ScopedFinding[];
    expect(upstream.length).toBeGreaterThan(0);
    expect(upstream.every((f) => f.decidesVerdict === false)).toBe(true);
    expect(latency.every((f) => !('decidesVerdict' in f))).toBe(true);
    // Upstreams of a service without the selected endpoint (accounts users-api) cannot relate to it: left out.
    expect(new Set(upstream.map((f) => f.service))).toEqual(new Set(['shop']));
    expect(regressions(upstream)).toContain('shop payments-api retries_per_call');
    const warning = report.warnings.find((w) => w.startsWith('endpoint filter (/cart)'));
    expect(warning).toMatch(/do not decide the verdict, because upstream calls carry no endpoint; regressions among them: shop payments-api retries_per_call/);
  });

  it('an endpoint filter whose endpoint regressed still fails', async () => {
    const { report } = await run({ endpoints: ['/checkout'] });
    expect(report.verdict).toBe('fail');
    expect(regressions(report.findings.filter((f) => f.kind === 'tail_latency')).length).toBeGreaterThan(0);
  });

  it('a filter value that matches nothing is bad input naming it, even next to one that matches', async () => {
    const cases: Array<[{ services?: string[]; endpoints?: string[] }, string]> = [
      [{ endpoints: ['/nope'] }, 'endpoint filter "/nope" matches no requests'],
      [{ endpoints: ['/cart', '/chekout'] }, 'endpoint filter "/chekout" matches no requests'],
      [{ services: ['shop', 'acounts'] }, 'service filter "acounts" matches no telemetry'],
    ];
    for (const [filters, named] of cases) {
      await expect(run(filters), JSON.stringify(filters)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(named) });
    }
  });
});

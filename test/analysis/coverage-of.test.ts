/** coverageOf counts subjects as the plain definition does, whatever the order of the findings (issue 12 rewrite). */
import { describe, expect, it } from 'vitest';
import { coverageOf } from '../../src/analysis/decide.ts';
import type { Finding, FindingKind, FindingStatus } from '../../src/analysis/types.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';

function reference(findings: Finding[]) {
  const key = (f: Finding) => `${f.kind === 'tail_latency' ? 'e' : 'u'}\u0000${f.service}\u0000${f.subject}`;
  const judged = findings.filter((f) => f.status !== 'insufficient_data');
  return { findings: findings.length, judged: judged.length, insufficient: findings.length - judged.length, subjects: new Set(findings.map(key)).size, subjectsJudged: new Set(judged.map(key)).size };
}

describe('coverageOf', () => {
  it('matches the plain definition on grouped and shuffled findings of every kind', () => {
    const r = seededRandom(9);
    const kinds: FindingKind[] = ['tail_latency', 'retry_rate', 'backoff', 'expectation'];
    const statuses: FindingStatus[] = ['insufficient_data', 'no_change', 'regression', 'improvement'];
    for (let round = 0; round < 50; round++) {
      const findings = Array.from({ length: r.int(60) }, (_, i) => ({
        kind: kinds[r.int(4)],
        service: `s${r.int(3)}`,
        subject: `/x${Math.floor(i / 5) % 4}`,
        status: statuses[r.int(4)],
      })) as unknown as Finding[];
      expect(coverageOf(findings)).toEqual(reference(findings));
      const shuffled = [...findings].sort(() => r.uniform() - 0.5);
      expect(coverageOf(shuffled)).toEqual(reference(shuffled));
    }
    expect(coverageOf([])).toEqual({ findings: 0, judged: 0, insufficient: 0, subjects: 0, subjectsJudged: 0 });
  });
});

/**
 * No change in results (issue 12): every scenario of scripts/make-report-reference.ts gives the same report and
 * chart series as the committed fixtures, which were generated with main's code before the window builder's
 * internals (timeline sketch, raw columns, parallel read) were reworked for speed and memory. Compared as parsed
 * JSON: numbers round-trip doubles exactly, so toEqual is bit for bit on the raw data.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REFERENCE_DIR, referenceJson, SCENARIOS } from '../../../scripts/make-report-reference.ts';

const work = mkdtempSync(path.join(tmpdir(), 'aftershock-ref-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('reports are unchanged by the window builder rework', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: report and series equal the reference bit for bit`, async () => {
      const expected = JSON.parse(readFileSync(path.join(REFERENCE_DIR, `${s.name}.json`), 'utf8')) as unknown;
      const actual = JSON.parse(await referenceJson(s, work)) as unknown;
      expect(actual).toEqual(expected);
    });
  }
});

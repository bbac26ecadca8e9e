import { describe, expect, it } from 'vitest';
import {
  assertWithinBounds,
  DEFAULT_BACKOFF_BOUNDS,
  diffSnapshots,
  formatDiff,
  parseBackoffPayload,
  payloadWith,
  serializeConstants,
} from '../../src/actions/backoff-constants.ts';
import { AppError } from '../../src/errors.ts';

const C = { baseMs: 100, maxMs: 5000, multiplier: 2, jitter: 0.2, maxAttempts: 3 };

describe('backoff constants', () => {
  it('serialises in canonical field order and parses back', () => {
    expect(serializeConstants({ maxAttempts: 3, jitter: 0.2, multiplier: 2, maxMs: 5000, baseMs: 100 })).toBe('{"baseMs":100,"maxMs":5000,"multiplier":2,"jitter":0.2,"maxAttempts":3}');
    expect(parseBackoffPayload(serializeConstants(C), 'x')).toEqual(C);
  });

  it.each([
    ['{', /x: payload is not valid JSON/],
    ['[1]', /x: expected a JSON object/],
    ['{"baseMs":"100","maxMs":5000,"multiplier":2,"jitter":0.2,"maxAttempts":3}', /field "baseMs" must be a finite number \(got "100"\)/],
    ['{"baseMs":100,"maxMs":5000,"multiplier":2,"jitter":0.2,"maxAttempts":2.5}', /"maxAttempts" must be an integer/],
    ['{"baseMs":100,"maxMs":5000,"multiplier":2,"jitter":0.2,"maxAttempts":3,"extra":1}', /unknown field "extra"/],
  ])('refuses payload %s', (text, message) => {
    expect(() => parseBackoffPayload(text, 'x')).toThrow(message);
  });

  it('reads a live payload past fields it does not own, never coercing a type (issue 14)', () => {
    const live = JSON.stringify({ owner: 'team-payments', ...C, note: { since: '2026-11-20' } });
    expect(parseBackoffPayload(live, 'x', { allowOtherFields: true })).toEqual(C);
    expect(() => parseBackoffPayload(JSON.stringify({ ...C, jitter: false, owner: 'x' }), 'x', { allowOtherFields: true })).toThrow(/"jitter" must be a finite number \(got false\)/);
    expect(() => parseBackoffPayload(JSON.stringify({ ...C, maxMs: undefined }), 'x', { allowOtherFields: true })).toThrow(/"maxMs" must be a finite number \(it is missing\)/);
  });

  it('rewrites the constants of a payload and keeps every other field where it was', () => {
    const live = JSON.stringify({ owner: 'team-payments', ...C, note: { since: '2026-11-20' } });
    expect(payloadWith(live, { ...C, baseMs: 50 })).toBe(JSON.stringify({ owner: 'team-payments', ...C, baseMs: 50, note: { since: '2026-11-20' } }));
    expect(payloadWith(undefined, C)).toBe(serializeConstants(C));
    expect(payloadWith('not json', C)).toBe(serializeConstants(C));
    expect(payloadWith('[1,2]', C)).toBe(serializeConstants(C));
  });

  it('names every violated bound', () => {
    let e: unknown;
    try {
      assertWithinBounds({ baseMs: 5, maxMs: 70_000, multiplier: 2, jitter: -0.1, maxAttempts: 3 }, DEFAULT_BACKOFF_BOUNDS);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('OUT_OF_BOUNDS');
    expect((e as AppError).message).toBe(
      'backoff constants refused: baseMs=5 is below the minimum 10; maxMs=70000 is above the maximum 60000; jitter=-0.1 is below the minimum 0',
    );
    expect(() => assertWithinBounds(C, DEFAULT_BACKOFF_BOUNDS)).not.toThrow();
  });

  it('diffs field by field in a stable order', () => {
    const d = diffSnapshots({ enabled: true, constants: C }, { enabled: false, constants: { ...C, jitter: 0.5, baseMs: 50 } });
    expect(d).toEqual([
      { field: 'enabled', from: true, to: false },
      { field: 'constants.baseMs', from: 100, to: 50 },
      { field: 'constants.jitter', from: 0.2, to: 0.5 },
    ]);
    expect(formatDiff(d)).toBe('enabled: true → false; constants.baseMs: 100 → 50; constants.jitter: 0.2 → 0.5');
    expect(diffSnapshots({ enabled: true, constants: C }, { enabled: true, constants: { ...C } })).toEqual([]);
    expect(diffSnapshots({ enabled: true, constants: null }, { enabled: true, constants: C })).toEqual([{ field: 'constants', from: null, to: C }]);
  });
});

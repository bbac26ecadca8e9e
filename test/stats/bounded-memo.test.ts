import { describe, expect, it } from 'vitest';
import { memoIn } from '../../src/stats/bounded-memo.ts';

describe('memoIn', () => {
  it('computes a key once, and clears the map when it is full so that it never holds more than the limit', () => {
    const map = new Map<number, string>();
    let calls = 0;
    const get = (k: number) => memoIn(map, k, 3, (key) => (calls++, `v${key}`));
    expect([get(1), get(1), get(2), get(3)]).toEqual(['v1', 'v1', 'v2', 'v3']);
    expect(calls).toBe(3);
    expect(get(4)).toBe('v4');
    expect(map.size).toBe(1);
    expect(get(1)).toBe('v1');
    expect(calls).toBe(5);
  });
});

/** Time slices of a pull, the in-flight limit, and the check of pulled points against the server's count. */
import { describe, expect, it } from 'vitest';
import { checkAgainstCount, Limiter, sliceCount, timeSlices } from '../../../src/sources/influx/influx-plan.ts';

describe('timeSlices', () => {
  it('covers the window exactly, without gaps or overlaps', () => {
    const w = { start: 1000, stop: 7_201_003 };
    for (const n of [1, 2, 3, 7, 64]) {
      const s = timeSlices(w, n);
      expect(s.length).toBe(n);
      expect(s[0].start).toBe(w.start);
      expect(s[s.length - 1].stop).toBe(w.stop);
      for (let i = 1; i < s.length; i++) expect(s[i].start).toBe(s[i - 1].stop);
    }
  });

  it('aligned: inner boundaries on GROUP BY interval edges counted from the origin (the upgrade)', () => {
    const origin = 3_600_000 + 17_000;
    const s = timeSlices({ start: origin - 3_600_000, stop: origin }, 7, 60_000, origin);
    expect(s[0].start).toBe(origin - 3_600_000);
    expect(s[s.length - 1].stop).toBe(origin);
    for (const x of s.slice(1)) expect(Math.abs((x.start - origin) % 60_000)).toBe(0);
    // never more slices than intervals
    expect(timeSlices({ start: 0, stop: 120_000 }, 10, 60_000)).toEqual([{ start: 0, stop: 60_000 }, { start: 60_000, stop: 120_000 }]);
  });

  it('sliceCount: ceil(work / per slice), at least 1, at most 64', () => {
    expect([sliceCount(0, 100), sliceCount(101, 100), sliceCount(1e12, 100)]).toEqual([1, 2, 64]);
  });
});

describe('Limiter', () => {
  it('never runs more than its limit at once', async () => {
    const l = new Limiter(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        l.run(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});

describe('checkAgainstCount', () => {
  const key = (a: string, b: string): string => `${a}\u0000${b}`;
  it('passes when every counted series came back whole (or with more: points written after the count)', () => {
    expect(() => checkAgainstCount('db', 'requests', { perSeries: new Map([[key('shop', '/a'), 10]]) }, new Map([[key('shop', '/a'), 12]]))).not.toThrow();
  });
  it('names every series that came back short, including one missing entirely', () => {
    const count = { perSeries: new Map([[key('shop', '/a'), 10], [key('shop', '/b'), 5]]) };
    expect(() => checkAgainstCount('db', 'requests in the before window', count, new Map([[key('shop', '/a'), 9]]))).toThrow(
      /db: requests in the before window: the server returned fewer points than its own count \(shop \/a 9 of 10, shop \/b 0 of 5\)/,
    );
  });
});

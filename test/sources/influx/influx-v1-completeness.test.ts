/** The 1.x completeness rules on hand-made results (the real server's answers: influx-v1-completeness.integration.test.ts). */
import { describe, expect, it } from 'vitest';
import { V1ResponseCompleteness } from '../../../src/sources/influx/influx-v1-completeness.ts';

const series = (tags: Record<string, string>, partial?: boolean) => ({ name: 'http_request', tags, columns: ['time', 'v'], values: [[1, 2]], ...(partial ? { partial } : {}) });

describe('V1ResponseCompleteness', () => {
  it('one series over two chunks whose tags come in another order (influxd MessagePack: Go map order) is complete', () => {
    const c = new V1ResponseCompleteness(1);
    c.onResult({ statement_id: 0, partial: true, series: [series({ service: 'shop', endpoint: '/a' }, true)] });
    c.onResult({ statement_id: 0, series: [series({ endpoint: '/a', service: 'shop' })] });
    expect(c.missing()).toBeNull();
  });

  it('a series left partial is named with its tags in a fixed order', () => {
    const c = new V1ResponseCompleteness(1);
    c.onResult({ statement_id: 0, series: [series({ service: 'shop', endpoint: '/a' }, true)] });
    expect(c.missing()).toBe('series http_request{endpoint=/a,service=shop} (statement 0) ended with "partial": true');
  });

  it('a statement without a result, and one whose last chunk said partial, are both reported', () => {
    const c = new V1ResponseCompleteness(3);
    c.onResult({ statement_id: 0, series: [] });
    c.onResult({ statement_id: 2, partial: true, series: [] });
    expect(c.missing()).toBe('no result for statement 1 of 3; the last chunk of statement 2 said "partial": true');
  });
});

/** The house style of every number aftershock writes for people (reasons, charts, Markdown, HTML). */
import { describe, expect, it } from 'vitest';
import {
  formatAmount,
  formatChange,
  formatDuration,
  formatInterval,
  formatNumber,
  formatPercent,
  formatPValue,
  formatTolerance,
  formatValue,
  formatValuePair,
  quantileLabel,
} from '../../src/analysis/format.ts';

describe('house number style', () => {
  it('writes three significant digits, all integer digits, grouped thousands, no trailing zeros', () => {
    const cases: Array<[number | null | undefined, string]> = [
      [1322.4, '1,322'], [805.2, '805'], [99.96, '100'], [65.64, '65.6'], [10.04, '10'], [1.2, '1.2'], [1.234, '1.23'],
      [0.0213, '0.0213'], [0.02134, '0.0213'], [0.0105, '0.0105'], [0.0102, '0.0102'], [48109, '48,109'], [1234567.8, '1,234,568'],
      [0, '0'], [-0, '0'], [-3, '−3'], [-0.042, '−0.042'], [1.2000000000000002, '1.2'],
      [null, 'n/a'], [undefined, 'n/a'], [NaN, 'n/a'], [Infinity, 'n/a'],
    ];
    for (const [x, text] of cases) expect(formatNumber(x), String(x)).toBe(text);
  });

  it('groups thousands as en-US does, across the whole range (its own grouping, not ICU, below 2^53)', () => {
    const cases: Array<[number, string]> = [
      [999.4, '999'], [999.5, '1,000'], [100_000, '100,000'], [-1_234_567, '−1,234,567'], [123_456_789_012, '123,456,789,012'],
      [999_999_999_999.6, '1,000,000,000,000'], [2 ** 53 - 1, '9,007,199,254,740,000'], [1e21, '1,000,000,000,000,000,000,000'],
    ];
    for (const [x, text] of cases) expect(formatNumber(x), String(x)).toBe(text);
    // Numbers of every length, against toLocaleString itself (after the float noise is dropped at 12 digits).
    for (let digits = 3; digits <= 22; digits++) {
      for (const x of [Number('7'.repeat(digits)) + 0.4, Number('1' + '0'.repeat(digits - 1))]) {
        expect(formatNumber(x), String(x)).toBe(Math.round(Number(x.toPrecision(12))).toLocaleString('en-US'));
      }
    }
  });

  it('writes durations with the unit and a grouped count', () => {
    expect(formatDuration(1322.4)).toBe('1,322 ms');
    expect(formatDuration(4.5)).toBe('4.5 ms');
    expect(formatDuration(null)).toBe('n/a');
  });

  it('writes relative changes signed with a space before the percent sign', () => {
    const cases: Array<[number | null, string]> = [
      [0.227, '+22.7 %'], [0.22716, '+22.7 %'], [-0.042, '−4.2 %'], [1.76, '+176 %'], [12.3, '+1,230 %'], [0.1, '+10 %'],
      [0, '±0 %'], [0.0004, '+0.04 %'], [0.00389, '+0.39 %'], [0.0918, '+9.2 %'], [-0.000153, '−0.015 %'], [-1, '−100 %'], [Infinity, '+∞'], [-Infinity, '−∞'], [null, 'n/a'], [NaN, 'n/a'],
    ];
    for (const [x, text] of cases) expect(formatChange(x), String(x)).toBe(text);
  });

  it('writes shares and levels as percentages with the same digits, tiny ones included', () => {
    expect(formatPercent(0.95)).toBe('95 %');
    expect(formatPercent(0.05)).toBe('5 %');
    expect(formatPercent(0.004)).toBe('0.4 %');
    expect(formatPercent(0.000012)).toBe('0.0012 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(1 - 0.99)).toBe('1 %');
  });

  it('writes values in their unit the same way in a cell, a pair and a sentence', () => {
    expect(formatValue(1322.4, 'ms')).toBe('1,322 ms');
    expect(formatValue(0.0213, 'retries/call')).toBe('0.0213');
    // The exhausted share was "0.0000" in Markdown and "0 %" in HTML.
    expect(formatValue(0, 'share of calls')).toBe('0 %');
    expect(formatValue(0.000012, 'share of calls')).toBe('0.0012 %');
    expect(formatValue(3, 'widgets')).toBe('3 widgets');
    expect(formatValue(null, 'ms')).toBe('n/a');
    expect(formatValuePair(656, 805.2, 'ms')).toBe('656 → 805 ms');
    expect(formatValuePair(0.004, 0.012, 'share of calls')).toBe('0.4 % → 1.2 %');
    expect(formatValuePair(null, 0.058, 'retries/call')).toBe('n/a → 0.058');
    expect(formatAmount(5, 'ms')).toBe('5 ms');
    expect(formatAmount(0.002, 'retries/call')).toBe('0.002 retries/call');
    expect(formatAmount(0.001, 'share of calls')).toBe('0.1 percentage points');
    expect(formatTolerance({ relative: 0.1, absolute: 5 }, 'ms')).toBe('+10 % and 5 ms');
    expect(formatTolerance({ relative: 0.25, absolute: 0.001 }, 'share of calls')).toBe('+25 % and 0.1 percentage points');
  });

  it('writes p- and q-values with three decimals, in exponent form below 0.001, and a floor for 0', () => {
    const cases: Array<[number | null, string]> = [
      [0.0123, '0.012'], [0.5, '0.500'], [1, '1.000'], [0.001, '0.001'], [0.000032, '3.2e-5'], [4e-9, '4.0e-9'],
      [0, '< 1e-300'], [5e-324, '< 1e-300'], [null, 'n/a'], [NaN, 'n/a'],
    ];
    for (const [x, text] of cases) expect(formatPValue(x), String(x)).toBe(text);
  });

  it('writes intervals with open ends as infinity, in memory (±Infinity) and after JSON (null)', () => {
    expect(formatInterval([0.152, 0.31])).toBe('+15.2 % to +31 %');
    expect(formatInterval([-0.3, 0.35])).toBe('−30 % to +35 %');
    expect(formatInterval([0.152, Infinity])).toBe('+15.2 % to +∞');
    expect(formatInterval([0.152, null])).toBe('+15.2 % to +∞');
    expect(formatInterval([null, 0.02])).toBe('−∞ to +2 %');
    expect(formatInterval(null)).toBe('n/a');
  });

  it('names quantiles without float noise', () => {
    expect(quantileLabel(0.999)).toBe('p99.9');
    expect(quantileLabel(0.5)).toBe('p50');
    expect(quantileLabel(0.95)).toBe('p95');
  });
});

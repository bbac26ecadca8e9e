/**
 * The raw-pull decoding of MessagePack series values into NumericRows (`numericValues`): the same numbers, nils
 * and booleans as the plain decoder gives, whatever the chunk boundaries; plain arrays kept for anything else.
 */
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { MsgpackDocuments } from '../../../src/sources/influx/msgpack-documents.ts';
import { NumericRows, rowReader } from '../../../src/sources/influx/numeric-rows.ts';

const numericRows = [
  [1795176000663, 516.855, true, 2],
  [1795176000700, 0.5, false, -1],
  [1795176000701, null, true, 300],
  [1795176000702, 1e-9, null, 70_000],
  [-1795176000704, 42, true, -5_000_000_000],
  [1795176000705, 0, false, 5_000_000_000],
];

function doc(values: unknown): unknown {
  return { results: [{ statement_id: 0, series: [{ name: 'upstream_call', tags: { service: 'shop' }, columns: ['time', 'backoff', 'ok', 'attempts'], values }] }] };
}

/** Decoded documents, NumericRows turned into plain rows right away (`toArrays: true`) or kept (valid until the next push). */
function decode(bytes: Uint8Array, step: number, numericValues: boolean, toArrays = false): unknown[] {
  const dec = new MsgpackDocuments({ numericValues });
  const out: unknown[] = [];
  const take = (docs: unknown[]): void => {
    for (const d of docs) {
      const v = (d as { results?: Array<{ series?: Array<{ values?: unknown }> }> }).results?.[0]?.series?.[0];
      if (toArrays && v?.values instanceof NumericRows) v.values = v.values.toArrays();
      out.push(d);
    }
  };
  for (let at = 0; at < bytes.byteLength; at += step) take(dec.push(bytes.subarray(at, at + step)));
  take(dec.end());
  return out;
}

const valuesOf = (d: unknown): unknown => (d as { results: Array<{ series: Array<{ values: unknown }> }> }).results[0].series[0].values;

describe('NumericRows from MsgpackDocuments({ numericValues: true })', () => {
  const body = Buffer.concat([encode(doc(numericRows)), encode(doc([])), encode(doc(numericRows.slice(0, 2)))]);

  it('numbers, nil and booleans become typed rows equal to the plain decoding, at any chunk boundary', () => {
    const plain = decode(body, body.byteLength, false);
    for (const step of [1, 2, 3, 7, 64, body.byteLength]) {
      expect(decode(body, step, true, true)).toEqual(plain);
      // Within one push, every document has cells of its own.
      if (step === body.byteLength) {
        const docs = decode(body, step, true);
        for (let i = 0; i < docs.length; i++) {
          expect(valuesOf(docs[i])).toBeInstanceOf(NumericRows);
          expect((valuesOf(docs[i]) as NumericRows).toArrays()).toEqual(valuesOf(plain[i]));
        }
      }
    }
  });

  it('reads cells as num() does: finite numbers, null for nil, false only for false', () => {
    const rows = rowReader(valuesOf(decode(body, body.byteLength, true)[0]) as NumericRows);
    expect(rows.length).toBe(6);
    expect(rows.number(0, 0)).toBe(1795176000663);
    expect(rows.number(2, 1)).toBeNull();
    expect(rows.number(4, 3)).toBe(-5_000_000_000);
    expect(rows.number(0, 2)).toBeNull();
    expect([0, 1, 2, 3, 4, 5].map((r) => rows.isFalse(r, 2))).toEqual([false, true, false, false, false, true]);
    const plain = rowReader(valuesOf(decode(body, body.byteLength, false)[0]) as unknown[][]);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 4; c++) expect([rows.number(r, c), rows.isFalse(r, c)]).toEqual([plain.number(r, c), plain.isFalse(r, c)]);
    expect(rowReader(undefined).length).toBe(0);
  });

  it('keeps plain arrays for rows with a string or of unequal widths, and for other keys', () => {
    const mixed = Buffer.concat([encode(doc([[1, 'a']])), encode(doc([[1, 2], [3]])), encode({ results: [{ statement_id: 0, series: [{ name: 'x', columns: ['name'], values: [['db']] }] }] })]);
    for (const step of [1, 4, mixed.byteLength]) {
      const docs = decode(mixed, step, true, true);
      expect(docs).toEqual(decode(mixed, mixed.byteLength, false));
      for (const d of docs) expect(Array.isArray(valuesOf(d))).toBe(true);
    }
    const [other] = decode(Buffer.from(encode({ rows: [[1, 2]] })), 3, true) as Array<{ rows: unknown }>;
    expect(other.rows).toEqual([[1, 2]]);
  });
});

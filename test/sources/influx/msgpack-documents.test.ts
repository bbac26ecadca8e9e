/**
 * The streaming MessagePack decoder of the 1.x source against @msgpack/msgpack's encoder (the reference
 * implementation of the spec): every type a 1.x answer uses, documents split at every byte, a body cut inside a
 * document, and what it refuses. The real influxd's MessagePack answers are covered by the integration tests.
 */
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { MsgpackDocuments, MsgpackFormatError } from '../../../src/sources/influx/msgpack-documents.ts';

/** Shaped like an influxd chunk, with every width of int and both float sizes in it. */
const docs: unknown[] = [
  {
    results: [
      {
        statement_id: 0,
        series: [
          {
            name: 'http_request',
            tags: { service: 'shop', endpoint: '/checkout', 'ünïcode tag': 'värde — with a longer text than thirty-two bytes' },
            columns: ['time', 'duration_ms', 'ok', 'attempts'],
            values: [
              [1795176000663, 516.855, true, 2],
              [1795176000700, 0.5, false, -1],
              [1795176000701, null, true, 300],
              [1795176000702, 1e-9, true, 70_000],
              [1795176000703, -2.5, false, -40_000],
              [1795176000704, 123.25, true, 5_000_000_000],
              [-1795176000704, 42, true, -5_000_000_000],
              [1795176000705, -100, 'y'.repeat(300), -1000],
            ],
            partial: true,
          },
        ],
        partial: true,
      },
    ],
  },
  { results: [{ statement_id: 1, series: [] }] },
  { error: 'x'.repeat(70_000) },
  { results: [{ statement_id: 2, messages: [{ level: 'warning', text: 'deprecated' }] }] },
];

const body = Buffer.concat(docs.map((d) => Buffer.from(encode(d))));

function decodeIn(chunks: Uint8Array[]): unknown[] {
  const dec = new MsgpackDocuments();
  const out: unknown[] = [];
  for (const c of chunks) out.push(...dec.push(c));
  out.push(...dec.end());
  return out;
}

describe('MsgpackDocuments', () => {
  it('decodes back-to-back documents in one chunk to the values encoded', () => {
    expect(decodeIn([body])).toEqual(docs);
  });

  it('gives the same documents whatever the chunk boundaries: split at every byte of the first document', () => {
    const first = encode(docs[0]).byteLength;
    for (let cut = 1; cut < first + 3; cut++) {
      expect(decodeIn([body.subarray(0, cut), body.subarray(cut)])).toEqual(docs);
    }
  });

  it('one byte at a time: every document once, in order, each as soon as its last byte arrives', () => {
    const dec = new MsgpackDocuments();
    const seen: unknown[] = [];
    const ends = docs.map((_d, i) => docs.slice(0, i + 1).reduce((n: number, d) => n + encode(d).byteLength, 0));
    for (let i = 0; i < body.length; i++) {
      seen.push(...dec.push(body.subarray(i, i + 1)));
      // The doubling rule may hold a finished document back until more bytes arrive, never past the end.
      expect(seen.length).toBeLessThanOrEqual(ends.filter((e) => e <= i + 1).length);
    }
    seen.push(...dec.end());
    expect(seen).toEqual(docs);
  });

  it('a body that ends inside a document fails at the end, naming the bytes left over', () => {
    const dec = new MsgpackDocuments();
    const firstTwo = encode(docs[0]).byteLength + encode(docs[1]).byteLength;
    const got = dec.push(body.subarray(0, firstTwo + 10));
    expect(got.length).toBeLessThanOrEqual(2);
    expect(() => dec.end()).toThrow(MsgpackFormatError);
    const again = new MsgpackDocuments();
    again.push(body.subarray(0, firstTwo + 10));
    expect(() => again.end()).toThrow(/ended inside a MessagePack document \(10 byte\(s\) of it received\)/);
  });

  it('an empty body is no documents', () => {
    expect(new MsgpackDocuments().end()).toEqual([]);
  });

  it('refuses an extension type (influxd time without epoch=) and the never-used byte, saying what it met', () => {
    expect(() => decodeIn([Uint8Array.from([0x81, 0xa1, 0x74, 0xd7, 0xff, 0, 0, 0, 0, 0, 0, 0, 0])])).toThrow(/extension type 0xd7 .*epoch=/);
    expect(() => decodeIn([Uint8Array.from([0x91, 0xc1])])).toThrow(/0xc1/);
  });

  it('a map key "__proto__" (a tag may be named so) is an own property, as JSON.parse makes it', () => {
    const [doc] = decodeIn([Uint8Array.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01])]) as Array<Record<string, unknown>>;
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.keys(doc)).toEqual(['__proto__']);
    expect(doc).toEqual(JSON.parse('{"__proto__":{"x":1}}'));
  });

  it('uint64 and int64 beyond 32 bits come out as Numbers; float32 and bin8 (not made by the encoder above) too', () => {
    const u64 = Uint8Array.from([0xcf, 0, 0, 0x01, 0x9a, 0x8b, 0x3c, 0x4d, 0x5e]);
    const i64 = Uint8Array.from([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
    const f32 = Uint8Array.from([0xca, 0x3f, 0xc0, 0, 0]);
    const bin = Uint8Array.from([0xc4, 0x02, 0x07, 0x08]);
    expect(decodeIn([u64, i64, f32, bin])).toEqual([0x019a8b3c4d5e, -2, 1.5, Uint8Array.from([7, 8])]);
  });
});

/**
 * A streaming MessagePack decoder for InfluxDB 1.x `/query` answers asked with `Accept: application/x-msgpack`
 * (chunked: one top-level map per chunk, back to back, no separator). influxd encodes a msgpack answer at about
 * 60 % of the CPU of the same answer as JSON, and several times less than gzip-compressed JSON (measured on 1.6.7,
 * src/sources/influx/README.md), and the JSON encoding was the cost of a raw pull.
 *
 * Decodes the subset of https://github.com/msgpack/msgpack/blob/master/spec.md that a 1.x answer uses — nil, bool,
 * ints, floats, str, bin, array, map — into plain values (int64 as a Number: epoch ms and counts stay below 2^53).
 * An extension type (influxd's time type, sent only without `epoch=`) is refused with a message saying so.
 *
 * `push` returns every document completed by the chunk: a resumable scan over item headers finds where a document
 * ends, and only then is it decoded, once. `end` fails when bytes of an unfinished document remain: a body cut
 * inside a chunk.
 */

import { CELL_FALSE, CELL_NULL, CELL_NUMBER, CELL_TRUE, NumericRows } from './numeric-rows.ts';

/** Thrown inside the decoder when the bytes held end before the document does. */
const NEED_MORE = Symbol('need more bytes');

export class MsgpackFormatError extends Error {}

/** Big-endian numbers 0xca–0xd3: float32, float64, uint8–64, int8–64 (64-bit: high word × 2^32 + low word, exact to 2^53). */
const NUMBERS: ReadonlyArray<{ bytes: number; read: (v: DataView, at: number) => number }> = [
  { bytes: 4, read: (v, at) => v.getFloat32(at) },
  { bytes: 8, read: (v, at) => v.getFloat64(at) },
  { bytes: 1, read: (v, at) => v.getUint8(at) },
  { bytes: 2, read: (v, at) => v.getUint16(at) },
  { bytes: 4, read: (v, at) => v.getUint32(at) },
  { bytes: 8, read: (v, at) => v.getUint32(at) * 4294967296 + v.getUint32(at + 4) },
  { bytes: 1, read: (v, at) => v.getInt8(at) },
  { bytes: 2, read: (v, at) => v.getInt16(at) },
  { bytes: 4, read: (v, at) => v.getInt32(at) },
  { bytes: 8, read: (v, at) => v.getInt32(at) * 4294967296 + v.getUint32(at + 4) },
];

export class MsgpackDocuments {
  /** Bytes received and not yet returned as documents: [start, len) of `acc` (grown by doubling, reused). */
  private acc = new Uint8Array(0);
  private start = 0;
  private len = 0;
  /**
   * Scan of the unfinished document, resumed with each chunk: its bytes before `scanAt` are whole items, `open`
   * counts the items still expected in each open array or map. A document is decoded once, when complete: decoding
   * it from its start at every chunk (as before) did the work of a large document about twice.
   */
  private scanAt = 0;
  private readonly open: number[] = [];
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.buf.buffer);
  private pos = 0;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  /**
   * Cells of the NumericRows of one push, views into these two reused arrays: a fresh pair of typed arrays per
   * series chunk made V8 collect garbage more (external memory) than the decoding saved. Hence NumericRows are
   * valid until the next push/end of their decoder (readers copy the values out at once).
   */
  private cellValues = new Float64Array(0);
  private cellKinds = new Uint8Array(0);
  private cellsUsed = 0;

  /**
   * `numericValues`: a map entry named "values" whose rows are all of one width and hold only numbers, nil and
   * booleans becomes a NumericRows (the rows of a raw pull); anything else stays plain arrays.
   */
  constructor(private readonly options: { numericValues?: boolean } = {}) {}

  /** Adds a chunk of the body; returns the documents it completed, in order. */
  push(chunk: Uint8Array): unknown[] {
    if (chunk.byteLength === 0) return [];
    this.append(chunk);
    return this.drain();
  }

  /** The body ended: the documents still held, or a MsgpackFormatError when it ended inside one. */
  end(): unknown[] {
    const docs = this.drain();
    const held = this.len - this.start;
    if (held > 0) throw new MsgpackFormatError(`the body ended inside a MessagePack document (${held} byte(s) of it received)`);
    return docs;
  }

  private append(chunk: Uint8Array): void {
    const n = chunk.byteLength;
    if (this.len + n > this.acc.byteLength) {
      const held = this.len - this.start;
      if (held + n <= this.acc.byteLength >> 1) this.acc.copyWithin(0, this.start, this.len);
      else {
        const next = new Uint8Array(Math.max(held + n, this.acc.byteLength * 2, 1 << 16));
        next.set(this.acc.subarray(this.start, this.len));
        this.acc = next;
      }
      this.scanAt -= this.start;
      this.len = held;
      this.start = 0;
    }
    this.acc.set(chunk, this.len);
    this.len += n;
  }

  private drain(): unknown[] {
    const docs: unknown[] = [];
    this.cellsUsed = 0;
    while (this.start < this.len && this.scan()) {
      // [start, scanAt) is one whole document, or ends at a byte the decoder refuses with its own message.
      this.setBuffer(this.acc.subarray(this.start, this.scanAt));
      this.pos = 0;
      try {
        docs.push(this.value());
      } catch (e) {
        if (e === NEED_MORE) throw new MsgpackFormatError('a MessagePack document shorter than its own item counts');
        throw e;
      }
      this.start += this.pos;
      this.scanAt = this.start;
    }
    return docs;
  }

  /** Advances the scan over whole items; true when the document ended (at scanAt), false when more bytes are needed. */
  private scan(): boolean {
    const b = this.acc;
    const end = this.len;
    const open = this.open;
    let p = this.scanAt;
    if (open.length === 0) open.push(1);
    while (open.length > 0) {
      const top = open.length - 1;
      if (open[top] === 0) {
        open.pop();
        continue;
      }
      if (p >= end) break;
      const t = b[p];
      let head = 1;
      let body = 0;
      let items = -1;
      if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) head = 1;
      else if (t >= 0xa0 && t <= 0xbf) body = t & 0x1f;
      else if (t >= 0x90 && t <= 0x9f) items = t & 0x0f;
      else if (t >= 0x80 && t <= 0x8f) items = (t & 0x0f) * 2;
      else if (t >= 0xca && t <= 0xd3) head = 1 + NUMBERS[t - 0xca].bytes;
      else {
        const size = t === 0xd9 || t === 0xc4 ? 1 : t === 0xda || t === 0xc5 || t === 0xdc || t === 0xde ? 2 : t === 0xdb || t === 0xc6 || t === 0xdd || t === 0xdf ? 4 : 0;
        if (size === 0) {
          // An extension type or 0xc1: let the decoder refuse it, naming it.
          open.length = 0;
          this.scanAt = p + 1;
          return true;
        }
        if (p + 1 + size > end) break;
        const n = size === 1 ? b[p + 1] : size === 2 ? (b[p + 1] << 8) | b[p + 2] : ((b[p + 1] << 24) | (b[p + 2] << 16) | (b[p + 3] << 8) | b[p + 4]) >>> 0;
        head = 1 + size;
        if (t === 0xdc || t === 0xdd) items = n;
        else if (t === 0xde || t === 0xdf) items = n * 2;
        else body = n;
      }
      if (p + head + body > end) break;
      p += head + body;
      open[top]--;
      if (items >= 0) open.push(items);
    }
    this.scanAt = p;
    return open.length === 0;
  }

  private setBuffer(b: Uint8Array): void {
    this.buf = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.byteLength) throw NEED_MORE;
  }

  /** Claims the next `n` bytes; returns where they start. */
  private take(n: number): number {
    if (this.pos + n > this.buf.byteLength) throw NEED_MORE;
    this.pos += n;
    return this.pos - n;
  }

  private value(): unknown {
    this.need(1);
    const b = this.buf[this.pos++];
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0xa0 && b <= 0xbf) return this.str(b & 0x1f);
    if (b >= 0x90 && b <= 0x9f) return this.array(b & 0x0f);
    if (b >= 0x80 && b <= 0x8f) return this.map(b & 0x0f);
    // The two types of nearly every value (epoch-ms times, float fields) first, without the table's indirect call.
    if (b === 0xcb) return this.view.getFloat64(this.take(8));
    if (b === 0xd3) {
      const at = this.take(8);
      return this.view.getInt32(at) * 4294967296 + this.view.getUint32(at + 4);
    }
    if (b >= 0xca && b <= 0xd3) {
      const number = NUMBERS[b - 0xca];
      return number.read(this.view, this.take(number.bytes));
    }
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      // str8/16/32, bin8/16/32, array16/32, map16/32: a length of 1, 2 or 4 bytes, then the contents.
      case 0xd9:
      case 0xda:
      case 0xdb:
        return this.str(this.length(b - 0xd9));
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return this.bin(this.length(b - 0xc4));
      case 0xdc:
      case 0xdd:
        return this.array(this.length(b - 0xdc + 1));
      case 0xde:
      case 0xdf:
        return this.map(this.length(b - 0xde + 1));
      default:
        if (b === 0xc1) throw new MsgpackFormatError(`byte 0xc1 (never used in MessagePack) at offset ${this.pos - 1} of a document`);
        throw new MsgpackFormatError(
          `MessagePack extension type 0x${b.toString(16)} at offset ${this.pos - 1} of a document is not supported (influxd sends its time extension only when the query has no epoch=)`,
        );
    }
  }

  /** A big-endian length of 1, 2 or 4 bytes (`size` 0, 1 or 2). */
  private length(size: number): number {
    const bytes = 1 << size;
    this.need(bytes);
    const v = this.view;
    const n = bytes === 1 ? this.buf[this.pos] : bytes === 2 ? v.getUint16(this.pos) : v.getUint32(this.pos);
    this.pos += bytes;
    return n;
  }

  private str(n: number): string {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    // Keys, names, tags and columns are short ASCII: building them by char code beats a TextDecoder call.
    if (n <= 32) {
      let s = '';
      for (let i = start; i < start + n; i++) {
        const c = this.buf[i];
        if (c > 0x7f) return this.utf8.decode(this.buf.subarray(start, start + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.utf8.decode(this.buf.subarray(start, start + n));
  }

  private bin(n: number): Uint8Array {
    this.need(n);
    this.pos += n;
    return this.buf.slice(this.pos - n, this.pos);
  }

  private array(n: number): unknown[] {
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    return out;
  }

  private map(n: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.value();
      if (typeof k !== 'string') throw new MsgpackFormatError(`a map key that is not a string (${typeof k}) in a document`);
      const v = k === 'values' && this.options.numericValues === true ? this.rowsValue() : this.value();
      // As JSON.parse does: "__proto__" (a tag could be named so) becomes an own property, not the prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }

  /** A `values` entry as NumericRows when it fits, else decoded again from its start as a plain value. */
  private rowsValue(): unknown {
    const start = this.pos;
    const rows = this.numericRows();
    if (rows !== null) return rows;
    this.pos = start;
    return this.value();
  }

  private numericRows(): NumericRows | null {
    const n = this.arrayHeader();
    if (n < 0) return null;
    let width = -1;
    let values = new Float64Array(0);
    let kinds = new Uint8Array(0);
    const used = this.cellsUsed;
    const cells = this.cellValues;
    // On a fallback, free the cells claimed (all of a replaced array, which only this attempt used).
    const release = (): void => {
      this.cellsUsed = this.cellValues === cells ? used : 0;
    };
    for (let r = 0; r < n; r++) {
      const w = this.arrayHeader();
      if (w < 0 || (width >= 0 && w !== width)) {
        release();
        return null;
      }
      if (width < 0) {
        width = w;
        const at = this.claimCells(n * w);
        values = this.cellValues.subarray(at, at + n * w);
        kinds = this.cellKinds.subarray(at, at + n * w);
      }
      for (let c = 0, i = r * w; c < w; c++, i++) {
        if (!this.cell(values, kinds, i)) {
          release();
          return null;
        }
      }
    }
    return new NumericRows(n, Math.max(0, width), values, kinds);
  }

  /** Index of `n` free cells in the reused arrays (replaced by larger ones when full; earlier views keep the old). */
  private claimCells(n: number): number {
    if (this.cellsUsed + n > this.cellValues.length) {
      const size = Math.max(n, this.cellValues.length * 2, 1 << 16);
      this.cellValues = new Float64Array(size);
      this.cellKinds = new Uint8Array(size);
      this.cellsUsed = 0;
    }
    const at = this.cellsUsed;
    this.cellsUsed += n;
    return at;
  }

  /** The length of an array at the read position (consumed), or -1 (nothing consumed) when something else is there. */
  private arrayHeader(): number {
    this.need(1);
    const b = this.buf[this.pos];
    if (b >= 0x90 && b <= 0x9f) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xdc || b === 0xdd) {
      this.pos++;
      return this.length(b - 0xdc + 1);
    }
    return -1;
  }

  /** Reads a number, nil or boolean into cell i; false (position undefined) for any other type. */
  private cell(values: Float64Array, kinds: Uint8Array, i: number): boolean {
    this.need(1);
    const b = this.buf[this.pos++];
    let k = CELL_NUMBER;
    if (b <= 0x7f) values[i] = b;
    else if (b >= 0xe0) values[i] = b - 0x100;
    else if (b === 0xcb) values[i] = this.view.getFloat64(this.take(8));
    else if (b === 0xd3) {
      const at = this.take(8);
      values[i] = this.view.getInt32(at) * 4294967296 + this.view.getUint32(at + 4);
    } else if (b >= 0xca && b <= 0xd3) {
      const number = NUMBERS[b - 0xca];
      values[i] = number.read(this.view, this.take(number.bytes));
    } else if (b === 0xc0) k = CELL_NULL;
    else if (b === 0xc2) k = CELL_FALSE;
    else if (b === 0xc3) k = CELL_TRUE;
    else return false;
    kinds[i] = k;
    return true;
  }
}


/**
 * Initial capacity of a raw-value column: small subjects stay small, large ones double a few more times (cheap:
 * each doubling copies what the last ones did). At 1 024 every subject cost 24 KB before its first request
 * (two windows × values and blocks), most of the memory of 100 000 quiet endpoints.
 */
export const DEFAULT_GROWABLE_CAPACITY = 16;

/** Append-only Float64Array whose capacity doubles on growth. */
export class GrowableFloat64 {
  private data: Float64Array;
  length = 0;

  constructor(capacity = DEFAULT_GROWABLE_CAPACITY) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  pushAll(values: Float64Array): void {
    if (this.length + values.length > this.data.length) {
      let cap = this.data.length * 2;
      while (cap < this.length + values.length) cap *= 2;
      const bigger = new Float64Array(cap);
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }

  /** A right-sized copy (the doubled buffer would otherwise keep up to twice the memory alive). */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }

  /** The values without a copy: valid until the next push (for reading a column once, e.g. to replay it). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  /** Copies the values into `target` from `offset` on. */
  copyInto(target: Float64Array, offset: number): void {
    target.set(this.data.subarray(0, this.length), offset);
  }
}

/** Append-only Uint32Array whose capacity doubles on growth (the time-block column next to raw values). */
export class GrowableUint32 {
  private data: Uint32Array;
  length = 0;

  constructor(capacity = DEFAULT_GROWABLE_CAPACITY) {
    this.data = new Uint32Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  pushAll(values: Uint32Array): void {
    if (this.length + values.length > this.data.length) {
      let cap = this.data.length * 2;
      while (cap < this.length + values.length) cap *= 2;
      const bigger = new Uint32Array(cap);
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }

  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }

  /** Copies the values into `target` from `offset` on. */
  copyInto(target: Uint32Array, offset: number): void {
    target.set(this.data.subarray(0, this.length), offset);
  }
}

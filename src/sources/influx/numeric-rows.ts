/**
 * The `values` of one InfluxDB 1.x series held column-free in two flat typed arrays instead of an array per row
 * and a boxed number per cell: a raw pull is millions of `[time, value…]` rows, and building those arrays was
 * most of the decoding time and nearly all the garbage collection of the client (`node --cpu-prof` of the
 * 9.2 M-point benchmark). Only cells that are numbers, nil or booleans fit; the decoder keeps the plain arrays
 * for anything else (msgpack-documents.ts).
 */

export const CELL_NUMBER = 0;
export const CELL_NULL = 1;
export const CELL_FALSE = 2;
export const CELL_TRUE = 3;

export class NumericRows {
  constructor(
    /** Rows. */
    readonly length: number,
    /** Cells per row (every row has as many). */
    readonly width: number,
    /** Cell (row, col) at row × width + col; meaningful where its kind is CELL_NUMBER. */
    private readonly values: Float64Array,
    private readonly kinds: Uint8Array,
  ) {}

  /** The cell as a finite number, else null (as `num()` reads a plain row). */
  number(row: number, col: number): number | null {
    const i = row * this.width + col;
    const v = this.values[i];
    return this.kinds[i] === CELL_NUMBER && Number.isFinite(v) ? v : null;
  }

  /** Whether the cell is the boolean false. */
  isFalse(row: number, col: number): boolean {
    return this.kinds[row * this.width + col] === CELL_FALSE;
  }

  /** The plain rows the generic decoder would have built. */
  toArrays(): unknown[][] {
    const out: unknown[][] = new Array<unknown[]>(this.length);
    for (let r = 0; r < this.length; r++) {
      const row = new Array<unknown>(this.width);
      for (let c = 0; c < this.width; c++) {
        const i = r * this.width + c;
        const k = this.kinds[i];
        row[c] = k === CELL_NUMBER ? this.values[i] : k === CELL_NULL ? null : k === CELL_TRUE;
      }
      out[r] = row;
    }
    return out;
  }
}

/** Reads the rows of a series alike whether they came as NumericRows or as plain arrays (a JSON answer). */
export interface RowReader {
  readonly length: number;
  number(row: number, col: number): number | null;
  isFalse(row: number, col: number): boolean;
}

class PlainRows implements RowReader {
  constructor(private readonly rows: unknown[][]) {}
  get length(): number {
    return this.rows.length;
  }
  number(row: number, col: number): number | null {
    const v = this.rows[row][col];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  isFalse(row: number, col: number): boolean {
    return this.rows[row][col] === false;
  }
}

const NO_ROWS = new NumericRows(0, 0, new Float64Array(0), new Uint8Array(0));

export function rowReader(values: unknown[][] | NumericRows | undefined): RowReader {
  return values === undefined ? NO_ROWS : values instanceof NumericRows ? values : new PlainRows(values);
}

/**
 * Reusable Float64Arrays for intermediate per-block series that no result keeps (a design effect's event counts and
 * residuals): one endpoint asks for a dozen per quantile, and at 100 000 endpoints a fresh array each time (a
 * kilobyte outside the JS heap, freed only by a full collection) was most of the garbage collector's work
 * (issue 12). Each slot holds one array at a time: a caller takes a slot, uses the array before it returns, and
 * never hands it out. JavaScript runs one call at a time per thread, so slots cannot be taken twice at once as
 * long as nothing called in between takes the same slot.
 */
export class ScratchArrays {
  private readonly views: Float64Array[] = [];

  /** Slot `slot`'s array, `length` long and filled with zeros. */
  zeros(slot: number, length: number): Float64Array {
    let v = this.views[slot];
    if (v === undefined || v.length !== length) {
      v = new Float64Array(length);
      this.views[slot] = v;
    } else v.fill(0);
    return v;
  }
}

/**
 * Text width as DejaVu Sans draws it (the font the PNG renderer loads and the charts name first), from the
 * font's advance widths (dejavu-widths.ts). Headless Vega has no canvas and otherwise guesses 0.8 em per
 * character, about a third wider than the real text: titles were pushed up over phantom axis titles, small
 * multiples got blank bands, and PNGs carried hundreds of empty pixels on the right.
 */
import { DEJAVU_BOLD_WIDTHS, DEJAVU_CODES, DEJAVU_REGULAR_WIDTHS } from './dejavu-widths.ts';

const REGULAR = new Map<number, number>(DEJAVU_CODES.map((c, i) => [c, DEJAVU_REGULAR_WIDTHS[i]]));
const BOLD = new Map<number, number>(DEJAVU_CODES.map((c, i) => [c, DEJAVU_BOLD_WIDTHS[i]]));
/** A character outside the table (CJK, emoji …) counts as one em: wide rather than clipped. */
const UNKNOWN_WIDTH = 1000;

/** Width in px of `text` at `fontSize` px, regular or bold (font weight ≥ 600 or "bold"). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) units += table.get(ch.codePointAt(0)!) ?? UNKNOWN_WIDTH;
  return (units * fontSize) / 1000;
}

/** Whether a Vega font weight draws bold. */
export function isBold(weight: unknown): boolean {
  if (typeof weight === 'number') return weight >= 600;
  return typeof weight === 'string' && /^(bold|bolder|[6-9]00)$/.test(weight);
}

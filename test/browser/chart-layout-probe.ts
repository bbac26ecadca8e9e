/// <reference lib="dom" />
/**
 * Looks at one drawn chart (a `figure.chart` with its inline Vega SVG) in the browser and lists layout
 * problems a reader would see, each found once in a chart as it was shipped (issue 15):
 *  - `overlap`: two texts drawn over each other;
 *  - `orphan axis`: a horizontal axis with no plot frame above it (small multiples with empty grid cells);
 *  - `titles uneven`: panel titles of one row, or the two titles of an ECDF/tail pair, at different heights;
 *  - `small panel`: a plot frame under 100 px tall as rendered (squashed small multiples);
 *  - `axis title overflows`: a rotated axis title taller than the tallest frame it could label (blank bands);
 *  - `no head room`: a line touching the top of its frame (over-time charts);
 *  - `hidden interval`: an estimate drawn filled over a confidence-interval bar (percentile charts);
 *  - `caps too narrow`: interval caps not wider than the estimates, so a narrow interval disappears.
 * Runs inside the page (`locator.evaluate(probeChartLayout)`), so it is self-contained: no imports, no closures.
 */
export interface LayoutProbe {
  name: string;
  problems: string[];
  frames: number;
  smallestFrameHeight: number;
}

export function probeChartLayout(figure: Element): LayoutProbe {
  const svg = figure.querySelector('svg')!;
  const problems: string[] = [];
  const box = (e: Element) => e.getBoundingClientRect();
  const short = (e: Element) => (e.textContent ?? '').trim().slice(0, 40);
  const name = figure.id;

  // Frames. A mark's <g> holds one transform group per item (one per facet cell), each with its background path.
  const backgrounds = (g: Element) => Array.from(g.querySelectorAll(':scope > g > path.background'));
  const nested = Array.from(svg.querySelectorAll('g.role-scope.cell, g.role-scope[class*="concat_"][class$="_group"]')).flatMap(backgrounds);
  const frames = (nested.length > 0 ? nested : Array.from(svg.querySelectorAll('g.role-frame.root')).flatMap(backgrounds))
    .map(box)
    .filter((r) => r.width > 20 && r.height > 20);

  // Labels Vega hides to avoid overlap (labelOverlap) stay in the SVG with opacity 0: not drawn, not counted.
  const texts = Array.from(svg.querySelectorAll('text')).filter((t) => (t.textContent ?? '').trim() !== '' && Number(getComputedStyle(t).opacity) > 0);
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = box(texts[i]);
      const b = box(texts[j]);
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 2 && h > 2) problems.push(`overlap: "${short(texts[i])}" and "${short(texts[j])}"`);
    }
  }

  for (const axis of Array.from(svg.querySelectorAll('g.role-axis-domain'))) {
    const d = box(axis);
    if (d.width <= d.height) continue;
    const above = frames.some((f) => Math.abs(f.bottom - d.top) < 3 && Math.min(f.right, d.right) - Math.max(f.left, d.left) > d.width * 0.5);
    if (!above) problems.push(`orphan axis at x=${Math.round(d.left)}, y=${Math.round(d.top)}`);
  }

  const cellTitles = Array.from(svg.querySelectorAll('g.role-scope.cell g.role-title-text text'));
  const concatTitles = Array.from(svg.querySelectorAll('g.role-scope[class*="concat_"] g.role-title-text text'));
  for (const group of [cellTitles, concatTitles]) {
    const tops = group.map((t) => ({ y: box(t).top, text: short(t) })).sort((a, b) => a.y - b.y);
    let row: typeof tops = [];
    const flush = () => {
      if (row.length > 1 && row[row.length - 1].y - row[0].y > 1) problems.push(`titles uneven: "${row[0].text}" at ${Math.round(row[0].y)}, "${row[row.length - 1].text}" at ${Math.round(row[row.length - 1].y)}`);
      row = [];
    };
    // Titles within 40 px of the row's first belong to one row of panels.
    for (const t of tops) {
      if (row.length > 0 && t.y - row[0].y > 40) flush();
      row.push(t);
    }
    flush();
  }

  for (const f of frames) if (f.height < 100) problems.push(`small panel: ${Math.round(f.width)} × ${Math.round(f.height)} px`);
  const tallest = Math.max(0, ...frames.map((f) => f.height));
  for (const t of Array.from(svg.querySelectorAll('g.role-axis-title text'))) {
    const r = box(t);
    if (r.height > r.width && r.height > tallest + 8) problems.push(`axis title overflows: "${short(t)}" is ${Math.round(r.height)} px, frames ${Math.round(tallest)} px`);
  }

  if (/over-time|timeline/.test(name)) {
    for (const line of Array.from(svg.querySelectorAll('g.mark-line.role-mark path'))) {
      const r = box(line);
      const frame = frames.find((f) => r.left >= f.left - 1 && r.right <= f.right + 1 && r.top >= f.top - 1 && r.bottom <= f.bottom + 1);
      if (frame && r.height > 0 && r.top - frame.top < 3) problems.push(`no head room: a line reaches ${Math.round(r.top - frame.top)} px from the top of its frame`);
    }
  }

  if (name.includes('percentiles')) {
    const bars = Array.from(svg.querySelectorAll('g.mark-rule.role-mark line, g.mark-rule.role-mark path')).map(box);
    const estimates = Array.from(svg.querySelectorAll('g.mark-symbol.role-mark path'));
    const caps = Array.from(svg.querySelectorAll('g.mark-rect.role-mark path')).map(box);
    for (const e of estimates) {
      const style = getComputedStyle(e);
      const opaque = style.fill !== 'none' && style.fill !== 'transparent' && Number(style.fillOpacity) > 0 && !/rgba\(\d+, \d+, \d+, 0\)/.test(style.fill);
      const r = box(e);
      if (opaque && bars.some((b) => b.left >= r.left - 0.5 && b.right <= r.right + 0.5 && b.top >= r.top - 0.5 && b.bottom <= r.bottom + 0.5)) {
        problems.push('hidden interval: an estimate is drawn filled over its whole interval bar');
      }
    }
    const widest = Math.max(0, ...estimates.map((e) => box(e).width));
    if (estimates.length > 0 && !(caps.length > 0 && Math.min(...caps.map((c) => c.width)) > widest + 2)) {
      problems.push(`caps too narrow: ${caps.length} caps, narrowest ${Math.round(Math.min(...caps.map((c) => c.width), 0))} px, estimates ${Math.round(widest)} px wide`);
    }
  }
  return { name, problems: [...new Set(problems)], frames: frames.length, smallestFrameHeight: frames.length ? Math.min(...frames.map((f) => f.height)) : 0 };
}

/** Columns of white pixels at the right edge of a PNG, measured by drawing it on a canvas (runs in the page). */
export async function blankRightColumns(dataUrl: string): Promise<{ width: number; blank: number }> {
  const img = new Image();
  img.src = dataUrl;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, img.width, img.height);
  for (let x = img.width - 1; x >= 0; x--) {
    for (let y = 0; y < img.height; y++) {
      const i = (y * img.width + x) * 4;
      if (data[i] < 245 || data[i + 1] < 245 || data[i + 2] < 245) return { width: img.width, blank: img.width - 1 - x };
    }
  }
  return { width: img.width, blank: img.width };
}

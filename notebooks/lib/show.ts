/**
 * Display helpers for the Deno Jupyter kernel. Charts go out as one bundle with three representations:
 * Vega-Lite (JupyterLab and VS Code draw it interactively), SVG drawn by aftershock itself (GitHub,
 * nbviewer, nbconvert HTML), and a plain-text title for terminals.
 *
 * JupyterLab's renderer is registered for `application/vnd.vegalite.v5+json` and bundles Vega-Lite 5, so the
 * spec's `$schema` (v6, what aftershock compiles with) is rewritten to v5: every feature the charts use
 * (layers, facets, xOffset, datum rules) exists in v5, and the renderer then does not warn about a newer spec.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../../src/charts/render.ts';

export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
export const VEGA_LITE_V5_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

export interface ShowableChart {
  name: string;
  title: string;
  description: string;
  spec: TopLevelSpec;
}

export async function chartBundle(chart: ShowableChart): Promise<Record<string, unknown>> {
  const svg = await renderSvg(chart.spec, { title: chart.title, description: chart.description, idPrefix: chart.name });
  return {
    [VEGA_LITE_MIME]: { ...chart.spec, $schema: VEGA_LITE_V5_SCHEMA },
    'image/svg+xml': svg,
    'text/plain': `${chart.title}\n${chart.description}`,
  };
}

export async function showChart(chart: ShowableChart): Promise<void> {
  await Deno.jupyter.display(await chartBundle(chart), { raw: true });
}

/**
 * A line of plain text, as console.log would print it, but sent the way displays are: awaited, so it has reached the
 * kernel before the cell ends. console.log goes through the kernel's stdout pipe, and a line printed just before a
 * cell ends can arrive after the cell is reported done, when nbconvert no longer records it (seen once in CI: the
 * first cell's status line missing from the executed notebook).
 */
export async function say(text: string): Promise<void> {
  await Deno.jupyter.display({ 'text/plain': `${text}\n` }, { raw: true });
}

export async function showMarkdown(markdown: string): Promise<void> {
  await Deno.jupyter.display({ 'text/markdown': markdown, 'text/plain': markdown }, { raw: true });
}

/** A Markdown table; cells are escaped for pipes so endpoint names cannot break the layout. */
export function markdownTable(headers: string[], rows: Array<Array<string | number>>): string {
  const cell = (v: string | number) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${headers.map(cell).join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

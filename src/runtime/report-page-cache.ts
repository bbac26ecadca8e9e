/**
 * The HTML report page of a finished analysis, drawn once and then served from the store (issue 12: every request
 * used to draw it again, 3–11 s under load, and the render worker's memory grew with each). What the page shows is
 * a function of the stored report and series, which never change once the analysis is done (the store completes an
 * analysis only while it is unfinished, and completing clears any stored page), and of the drawing code: pages are
 * stored under a fingerprint of that code (`rendererFingerprint`), so a page drawn by another version of
 * aftershock is drawn again rather than served. Concurrent first requests for one page share one drawing.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ReportStore } from '../store/report-store.ts';

/**
 * What draws the page, by directory relative to this module (the same layout under src/ and dist/): the page
 * builder, the charts, the analysis formatters it prints with, and this runtime's render task. The package
 * manifest pins the versions of Vega and resvg.
 */
const RENDERER_DIRS = ['../report/', '../charts/', '../analysis/', './'];
const MANIFEST = '../../package.json';

/** SHA-256 (hex, 16 characters) over the drawing code and the package manifest: changes whenever a page could. */
export async function rendererFingerprint(base: string = import.meta.url): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of RENDERER_DIRS) {
    const path = fileURLToPath(new URL(dir, base));
    const files = (await readdir(path)).filter((f) => /\.(ts|js)$/.test(f)).sort();
    for (const file of files) hash.update(`${dir}${file}\0`).update(await readFile(`${path}/${file}`)).update('\0');
  }
  hash.update(await readFile(fileURLToPath(new URL(MANIFEST, base))));
  return hash.digest('hex').slice(0, 16);
}

export class ReportPageCache {
  private readonly drawing = new Map<string, Promise<string>>();
  /** Pages this process drew (not served from the store); tests assert that a repeat request draws nothing. */
  draws = 0;

  constructor(
    private readonly store: ReportStore,
    /** Fingerprint of the renderer (`rendererFingerprint()`); pages stored under another key are drawn again. */
    readonly key: string,
  ) {}

  /**
   * The stored page of analysis `id`, or the one `draw` makes (which throws NOT_FOUND/CONFLICT for an unknown or
   * unfinished analysis), stored for the next request.
   */
  async page(id: string, draw: () => Promise<string>): Promise<string> {
    const stored = await this.store.renderedPage(id, this.key);
    if (stored !== null) return stored;
    const pending = this.drawing.get(id);
    if (pending) return pending;
    const job = this.drawAndStore(id, draw).finally(() => this.drawing.delete(id));
    this.drawing.set(id, job);
    return job;
  }

  private async drawAndStore(id: string, draw: () => Promise<string>): Promise<string> {
    const html = await draw();
    this.draws++;
    await this.store.saveRenderedPage(id, this.key, html);
    return html;
  }
}

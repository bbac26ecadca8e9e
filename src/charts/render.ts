/**
 * The one I/O-ish file of charts/: Vega-Lite spec → SVG (headless Vega view, no DOM, no canvas) and
 * SVG → PNG (resvg). resvg draws no text at all when it has no font, silently, so the PNG path always
 * loads DejaVu Sans explicitly (Debian `fonts-dejavu-core`) and falls back to the system fonts with a
 * warning when that file is missing (a fresh machine running `npm start`).
 */
import { existsSync } from 'node:fs';
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { AppError } from '../errors.ts';
import { isBold, textWidth } from './text-width.ts';

export const DEFAULT_FONT_DIR = '/usr/share/fonts/truetype/dejavu';
export const DEFAULT_FONT_FILES = [`${DEFAULT_FONT_DIR}/DejaVuSans.ttf`, `${DEFAULT_FONT_DIR}/DejaVuSans-Bold.ttf`];
export const DEFAULT_FONT_FAMILY = 'DejaVu Sans';
/** 2× keeps 11 px labels crisp when a PNG is pasted into a ticket or slide. */
export const DEFAULT_PNG_SCALE = 2;

export interface SvgOptions {
  /** Accessible name of the chart (becomes `<title>` and the `aria-labelledby` target). */
  title?: string;
  /** Longer alt text (becomes `<desc>`). */
  description?: string;
  /** Unique prefix for the `<title>`/`<desc>` ids when several SVGs share one page. */
  idPrefix?: string;
  /** Vega-Lite compile and Vega runtime warnings; ignored when absent. */
  onWarning?: (message: string) => void;
}

/**
 * Vega measures text through this hook (vl-convert replaces it the same way). Lines come untrimmed and
 * untruncated; a line longer than the item's `limit` counts as the limit, which is what Vega then draws
 * (its truncation searches with this same function).
 */
type TextItem = { fontSize?: number; fontWeight?: unknown; limit?: number };
// Exported by vega (from vega-scenegraph) but missing from its type declarations.
const { textMetrics } = vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } };
textMetrics.width = (item, text) => {
  const line = text === null || text === undefined ? '' : String(text).trim();
  const size = item.fontSize !== undefined && item.fontSize !== null ? Number(item.fontSize) || 0 : 11;
  const w = textWidth(line, size, isBold(item.fontWeight));
  return item.limit && item.limit > 0 && w > item.limit ? item.limit : w;
};

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function collectingLogger(onWarning: (message: string) => void) {
  // Vega's logger interface: level() is a getter/setter, the rest are sinks.
  let current = vega.Warn;
  const logger = {
    level(l?: number) {
      if (l === undefined) return current;
      current = l;
      return logger;
    },
    error: (...args: unknown[]) => {
      onWarning(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn: (...args: unknown[]) => {
      onWarning(args.map(String).join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/** Compiles a Vega-Lite spec to SVG text; with a title, the root gets role="img" and a `<title>`/`<desc>`. */
export async function renderSvg(spec: TopLevelSpec, options: SvgOptions = {}): Promise<string> {
  const warn = options.onWarning ?? (() => undefined);
  const logger = collectingLogger(warn);
  let view: vega.View | undefined;
  try {
    const compiled = compile(spec, { logger: logger as never }).spec;
    view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: logger as never, logLevel: vega.Warn });
    const svg = await view.toSVG();
    return options.title ? labelSvg(svg, options) : svg;
  } catch (e) {
    throw new AppError('INTERNAL', `chart rendering failed: ${(e as Error).message}`, { cause: e });
  } finally {
    view?.finalize();
  }
}

function labelSvg(svg: string, options: SvgOptions): string {
  const id = options.idPrefix ?? 'chart';
  const open = svg.indexOf('>', svg.indexOf('<svg'));
  if (open < 0) return svg;
  const ids = options.description ? `${id}-title ${id}-desc` : `${id}-title`;
  const head = svg.slice(0, open).replace('<svg ', `<svg role="img" aria-labelledby="${ids}" `);
  const meta = `<title id="${id}-title">${escapeXml(options.title ?? '')}</title>` +
    (options.description ? `<desc id="${id}-desc">${escapeXml(options.description)}</desc>` : '');
  return `${head}>${meta}${svg.slice(open + 1)}`;
}

export interface PngOptions {
  /** Zoom factor (default DEFAULT_PNG_SCALE). */
  scale?: number;
  /** Font files to load instead of DejaVu (tests pass [] with systemFonts false to prove text needs fonts). */
  fontFiles?: string[];
  systemFonts?: boolean;
  log?: (message: string) => void;
}

let warnedMissingFont = false;

/** resvg font options: DejaVu when installed, else the system fonts (with one warning). */
export function pngFontOptions(options: PngOptions = {}): NonNullable<ResvgRenderOptions['font']> {
  if (options.fontFiles) {
    return { fontFiles: options.fontFiles, loadSystemFonts: options.systemFonts ?? false, defaultFontFamily: DEFAULT_FONT_FAMILY, sansSerifFamily: DEFAULT_FONT_FAMILY };
  }
  const present = DEFAULT_FONT_FILES.filter((f) => existsSync(f));
  if (present.length === 0) {
    if (!warnedMissingFont) {
      warnedMissingFont = true;
      (options.log ?? console.warn)(
        `aftershock: ${DEFAULT_FONT_FILES[0]} not found; PNG charts use the system fonts and may lose their text. Install it with: apt-get install fonts-dejavu-core`,
      );
    }
    return { loadSystemFonts: true };
  }
  return { fontFiles: present, loadSystemFonts: false, defaultFontFamily: DEFAULT_FONT_FAMILY, sansSerifFamily: DEFAULT_FONT_FAMILY };
}

export interface Raster {
  png: Buffer;
  width: number;
  height: number;
  /** RGBA, row-major: lets tests check that text really was drawn. */
  pixels: Buffer;
}

/** SVG → raster on libuv's thread pool, so a server keeps answering while it draws. */
export async function svgToRaster(svg: string, options: PngOptions = {}): Promise<Raster> {
  try {
    const image = await renderAsync(svg, {
      fitTo: { mode: 'zoom', value: options.scale ?? DEFAULT_PNG_SCALE },
      background: '#ffffff',
      font: pngFontOptions(options),
      logLevel: 'off',
    });
    return { png: image.asPng(), width: image.width, height: image.height, pixels: image.pixels };
  } catch (e) {
    throw new AppError('INTERNAL', `PNG rendering failed: ${(e as Error).message}`, { cause: e });
  }
}

export async function svgToPng(svg: string, options: PngOptions = {}): Promise<Buffer> {
  return (await svgToRaster(svg, options)).png;
}

export async function renderPng(spec: TopLevelSpec, options: PngOptions & Pick<SvgOptions, 'onWarning'> = {}): Promise<Buffer> {
  return svgToPng(await renderSvg(spec, { onWarning: options.onWarning }), options);
}

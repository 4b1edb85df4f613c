/**
 * Figures: a Vega-Lite specification rendered headless by Vega to SVG and by resvg to PNG — no
 * hand-drawn SVG. Used by `plot`, `bench` and `reproduce`.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { AtomicFile } from '../io/atomic-file.js';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string): Uint8Array {
  // White background and the system's DejaVu Sans, so the PNG reads the same everywhere.
  const resvg = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return resvg.render().asPng();
}

/** Renders a Vega-Lite figure to `path` (SVG) and the PNG beside it, each atomically. */
export async function writeSvgAndPng(path: string, flag: string, spec: TopLevelSpec): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(spec);
  const pngPath = path.replace(/\.svg$/i, '') + '.png';
  for (const [target, bytes] of [
    [path, new TextEncoder().encode(svg)],
    [pngPath, svgToPng(svg)],
  ] as const) {
    const file = AtomicFile.create(target, flag);
    file.write(bytes);
    file.commit();
  }
  return { svg: path, png: pngPath };
}

/**
 * Figures: a Vega-Lite specification rendered headless by Vega to SVG and by resvg to PNG — no
 * hand-drawn SVG. Used by `plot`, `bench` and `reproduce`.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { AtomicFile } from '../io/atomic-file.js';
import { planOutputs, type OutputRequest } from '../io/output-path.js';

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

/** The PNG written beside an SVG figure. */
export function pngPathFor(svgPath: string): string {
  return svgPath.replace(/\.svg$/i, '') + '.png';
}

/** The two files a figure at `path` is written to, for planOutputs. */
export function figureOutputs(path: string, flag: string): OutputRequest[] {
  return [
    { path, flag },
    { path: pngPathFor(path), flag },
  ];
}

/**
 * Renders a Vega-Lite figure to `path` (SVG) and the PNG beside it, each atomically; both
 * are planned first (output-path.ts), against each other and against `inputs`.
 */
export async function writeSvgAndPng(path: string, flag: string, spec: TopLevelSpec, inputs: readonly string[] = []): Promise<{ svg: string; png: string }> {
  const [svgOutput, pngOutput] = planOutputs(figureOutputs(path, flag), inputs);
  const svg = await renderSvg(spec);
  for (const [output, bytes] of [
    [svgOutput, new TextEncoder().encode(svg)],
    [pngOutput, svgToPng(svg)],
  ] as const) {
    const file = AtomicFile.open(output);
    file.write(bytes);
    file.commit();
  }
  return { svg: path, png: pngOutput.path };
}

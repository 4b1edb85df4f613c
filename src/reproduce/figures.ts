/**
 * What the reproduction's figures share: titles whose subtitle lines fit the plot, legends
 * that key lines as lines (dashed for exact predictions), and the banded-series layout
 * (means with 95 % bands, exact curves dashed) several experiments draw.
 *
 * Vega renders headless here without a canvas, so it estimates a text's width as
 * 0.8 × characters × font size and sizes the figure to fit: an over-long subtitle line
 * widens the PNG far past the plot (Fig. 1(b) once came out twice as wide as its plot).
 * Subtitles are therefore wrapped to the plot's width by that same estimate.
 */
import type { TopLevelSpec } from 'vega-lite';

const SUBTITLE_FONT_SIZE = 11;
const TITLE_FONT_SIZE = 13;
/** Vega's width estimate per character, in units of the font size, where no canvas measures text. */
const ESTIMATED_CHARACTER_WIDTH = 0.8;

/** Wraps each line at spaces so that Vega's estimate of its width stays within `width` pixels. */
export function wrapToWidth(lines: readonly string[], width: number, fontSize = SUBTITLE_FONT_SIZE): string[] {
  const limit = Math.max(20, Math.floor(width / (ESTIMATED_CHARACTER_WIDTH * fontSize)));
  const wrapped: string[] = [];
  for (const line of lines) {
    let current = '';
    for (const word of line.split(' ')) {
      if (current !== '' && current.length + 1 + word.length > limit) {
        wrapped.push(current);
        current = word;
      } else current = current === '' ? word : `${current} ${word}`;
    }
    if (current !== '') wrapped.push(current);
  }
  return wrapped;
}

/** A figure title whose subtitle (configuration, caption line) fits `width` pixels. */
export function figureTitle(text: string, subtitle: readonly string[], width: number): TopLevelSpec['title'] {
  // The title may use the y axis' margin too.
  const [title, ...rest] = wrapToWidth([text], width + 60, TITLE_FONT_SIZE);
  return {
    text: rest.length === 0 ? title : [title, ...rest],
    subtitle: wrapToWidth(subtitle, width),
    anchor: 'start',
    fontSize: TITLE_FONT_SIZE,
    subtitleFontSize: SUBTITLE_FONT_SIZE,
  };
}

/** A legend whose symbols are short strokes: a line is keyed as a line. */
export const LINE_LEGEND = { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolSize: 260, symbolOpacity: 1, labelLimit: 300 } as const;

/**
 * The dash legend: its strokes need a colour of their own (the colour scale belongs to the
 * series). Vega-Lite passes legend.encode through to Vega; its types omit it.
 */
export function dashLegend(orient: string): never {
  return { ...LINE_LEGEND, orient, encode: { symbols: { update: { stroke: { value: '#333' } } } } } as never;
}

/** The two kinds a line can be, and their dashes. */
export const KIND_DASH = { domain: ['simulation', 'exact'], range: [[1, 0], [6, 4]] } as const;

/**
 * Means over an x axis with their 95 % bands (rows with lower/upper, kind 'simulation'),
 * one line per `series`, and exact curves (kind 'exact', no band) dashed in the series'
 * colour. Rows: { [x], [y], lower?, upper?, [series], kind }.
 */
export function bandedSeriesSpec(options: {
  title: string;
  subtitle: string[];
  rows: Record<string, unknown>[];
  x: { field: string; title: string; log?: boolean };
  y: { field: string; title: string; log?: boolean };
  series: { field: string; title: string };
  legend: 'top-right' | 'bottom-left' | 'top-left' | 'bottom-right' | 'right';
  width?: number;
  height?: number;
}): TopLevelSpec {
  const { x, y, series } = options;
  const width = options.width ?? 560;
  const xScale = x.log === true ? { scale: { type: 'log' as const } } : {};
  const yScale = y.log === true ? { scale: { type: 'log' as const } } : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: figureTitle(options.title, options.subtitle, width + (options.legend === 'right' ? 200 : 0)),
    width,
    height: options.height ?? 330,
    data: { values: options.rows },
    layer: [
      {
        transform: [{ filter: 'isValid(datum.lower)' }],
        mark: { type: 'area', opacity: 0.2 },
        encoding: {
          x: { field: x.field, type: 'quantitative', ...xScale },
          y: { field: 'lower', type: 'quantitative', ...yScale },
          y2: { field: 'upper' },
          color: { field: series.field, type: 'nominal', title: series.title, legend: { ...LINE_LEGEND, orient: options.legend } },
        },
      },
      {
        mark: { type: 'line', strokeWidth: 1.8 },
        encoding: {
          x: { field: x.field, type: 'quantitative', title: x.title, ...xScale },
          y: { field: y.field, type: 'quantitative', title: y.title, ...yScale },
          color: { field: series.field, type: 'nominal', title: series.title, legend: { ...LINE_LEGEND, orient: options.legend } },
          strokeDash: { field: 'kind', type: 'nominal', title: 'line', scale: { domain: [...KIND_DASH.domain], range: KIND_DASH.range.map((d) => [...d]) }, legend: dashLegend(options.legend) },
          detail: { field: 'kind' },
        },
      },
    ],
  };
}

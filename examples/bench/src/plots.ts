/**
 * Charts of a benchmark run as SVG, rendered in Node: vega-lite compiles the spec, vega renders it
 * headless (renderer 'none' + toSVG needs no canvas or browser).
 */
import { renderSvg, type TopLevelSpec } from '@mta/plot';

import type { BenchResult } from './types';

const PANEL = { width: 280, height: 200 };

function chartData(results: readonly BenchResult[]): Record<string, string | number | null>[] {
  return results.map((r) => ({ backend: r.backend, variant: r.variant, phase: r.phase, L: r.L, medianMs: r.medianMs, minMs: r.minMs, ratioToPeer: r.ratioToPeer, peer: r.peer }));
}

function lengthAxis(results: readonly BenchResult[]) {
  const Ls = [...new Set(results.map((r) => r.L))].sort((a, b) => a - b);
  return { field: 'L', type: 'quantitative', title: 'L (sequence length)', scale: { type: 'log', base: 2 }, axis: { values: Ls, format: 'd' } } as const;
}

const FACET = {
  row: { field: 'variant', type: 'nominal', title: null },
  column: { field: 'phase', type: 'nominal', title: null, sort: ['forward', 'forward+backward'] as string[] },
} as const;

/** Median time against L, log-log, one line per backend; panels: variant (rows) x phase (columns). */
export function timeChartSpec(results: readonly BenchResult[], subtitle: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Post-softmax multi-token attention: median time', subtitle },
    data: { values: chartData(results) },
    facet: FACET,
    spec: {
      ...PANEL,
      mark: { type: 'line', point: true },
      encoding: {
        x: lengthAxis(results),
        y: { field: 'medianMs', type: 'quantitative', title: 'median ms (log)', scale: { type: 'log' } },
        color: { field: 'backend', type: 'nominal', title: 'backend' },
        tooltip: [{ field: 'backend' }, { field: 'L' }, { field: 'medianMs', format: '.2f' }, { field: 'minMs', format: '.2f' }],
      },
    },
  };
}

/** Median time divided by the fastest peer's for the same cell; the rule at 1 is parity. */
export function ratioChartSpec(results: readonly BenchResult[], subtitle: string): TopLevelSpec {
  const rows = results.filter((r) => r.ratioToPeer !== null);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Time relative to the fastest peer (below 1 = faster)', subtitle },
    data: { values: chartData(rows) },
    facet: FACET,
    spec: {
      ...PANEL,
      layer: [
        { mark: { type: 'rule', color: 'gray', strokeDash: [4, 4] }, encoding: { y: { datum: 1 } } },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: lengthAxis(rows),
            y: { field: 'ratioToPeer', type: 'quantitative', title: 'time / fastest peer (log)', scale: { type: 'log' } },
            color: { field: 'backend', type: 'nominal', title: 'backend' },
            tooltip: [{ field: 'backend' }, { field: 'L' }, { field: 'ratioToPeer', format: '.2f' }, { field: 'peer' }],
          },
        },
      ],
    },
  };
}

export function renderTimeChart(results: readonly BenchResult[], subtitle: string): Promise<string> {
  return renderSvg(timeChartSpec(results, subtitle));
}

export function renderRatioChart(results: readonly BenchResult[], subtitle: string): Promise<string> {
  return renderSvg(ratioChartSpec(results, subtitle));
}

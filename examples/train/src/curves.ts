import { renderSvg, type TopLevelSpec } from '@mta/plot';

/**
 * Learning curves: the JSON log's records, and SVG plots rendered in Node by vega-lite (compile) and
 * vega (a headless View), so the figures need no browser.
 */
export interface TrainRecord {
  readonly step: number;
  readonly lr: number;
  /** Means over the steps since the previous record. */
  readonly trainLoss: number;
  readonly trainTokenAccuracy: number;
  /** Fraction of training examples whose answer block was not matched exactly. */
  readonly trainError: number;
  readonly elapsedS: number;
}

export interface EvalRecord {
  readonly step: number;
  readonly split: 'val' | 'test';
  readonly loss: number;
  readonly tokenAccuracy: number;
  /** Exact block match error rate. */
  readonly error: number;
}

export interface History {
  readonly train: TrainRecord[];
  readonly eval: EvalRecord[];
}

export interface CurveSeries {
  /** Legend name (e.g. 'mta seed 1'). */
  readonly name: string;
  readonly history: History;
}

interface Point { step: number; value: number; series: string; curve: string }

function points(series: readonly CurveSeries[]): { loss: Point[]; error: Point[] } {
  const loss: Point[] = [];
  const error: Point[] = [];
  for (const { name, history } of series) {
    for (const r of history.train) {
      loss.push({ step: r.step, value: r.trainLoss, series: name, curve: 'train' });
      error.push({ step: r.step, value: r.trainError, series: name, curve: 'train' });
    }
    for (const r of history.eval.filter((e) => e.split === 'val')) {
      loss.push({ step: r.step, value: r.loss, series: name, curve: 'validation' });
      error.push({ step: r.step, value: r.error, series: name, curve: 'validation' });
    }
  }
  return { loss, error };
}

/** Loss (log scale) and exact-match error against step; one colour per series, dashes for train vs validation. */
export function learningCurvesSpec(series: readonly CurveSeries[], title: string): TopLevelSpec {
  const { loss, error } = points(series);
  const panel = (values: Point[], field: string, log: boolean) => ({
    width: 520,
    height: 220,
    data: { values },
    mark: { type: 'line' as const, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'step' },
      y: { field: 'value', type: 'quantitative' as const, title: field, scale: log ? { type: 'log' as const } : { domain: [0, 1] } },
      color: { field: 'series', type: 'nominal' as const, title: 'run' },
      strokeDash: { field: 'curve', type: 'nominal' as const, title: 'curve', sort: ['validation', 'train'] },
      detail: { field: 'curve', type: 'nominal' as const },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    vconcat: [panel(loss, 'cross-entropy loss (answer letters)', true), panel(error, 'exact block match error', false)],
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
    config: { font: 'sans-serif', background: 'white' },
  } as TopLevelSpec;
}

export function learningCurvesSvg(series: readonly CurveSeries[], title: string): Promise<string> {
  return renderSvg(learningCurvesSpec(series, title));
}

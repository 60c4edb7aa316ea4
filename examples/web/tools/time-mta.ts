import type { MtaConfig, MtaShape } from '@mta/ops-mta';
import { buildMtaModel, compareTensors, MTA_MODEL_INPUT, MTA_MODEL_OUTPUT, runOrtNode, runOrtWeb, type OrtFeeds, type OrtRunResult } from '@mta/ort';
import { startBrowserRunner } from '../src/browser';

export interface MtaOrtTiming {
  readonly backend: string;
  readonly sessionCreateMs: number;
  readonly firstRunMs: number;
  /** Fastest of the later runs (NaN with a single run). */
  readonly warmRunMs: number;
  /** relFro against ort-node's output (0 for ort-node itself). */
  readonly relFroVsOrtNode: number;
}

/** Deterministic scores in [-2, 2): timing does not depend on the values, a reproducible run does. */
function seededScores(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2);
}

/**
 * Times export, session creation and forward runs of one MTA graph on ort-node, ort-web (node)
 * and, when `browser` is set, ort-web in headless Chromium. For reports, not for tests.
 */
export async function timeMtaOnOrt(
  shape: MtaShape,
  config: MtaConfig,
  options: { runs?: number; browser?: boolean } = {},
): Promise<{ exportMs: number; modelBytes: number; timings: MtaOrtTiming[] }> {
  const runs = options.runs ?? 3;
  const weightLength = shape.Cout * (shape.Cin / config.groups) * shape.kH * shape.kW;
  const t0 = performance.now();
  const model = buildMtaModel({
    shape,
    config,
    weight: seededScores(weightLength, 7).map((v) => v / 4),
    bias: seededScores(shape.Cout, 8),
  });
  const exportMs = performance.now() - t0;
  const { B, Cin, L } = shape;
  const feeds: OrtFeeds = { [MTA_MODEL_INPUT]: { data: seededScores(B * Cin * L * L, 1), dims: [B, Cin, L, L] } };

  const results: OrtRunResult[] = [await runOrtNode(model, feeds, { runs }), await runOrtWeb(model, feeds, { runs })];
  if (options.browser) {
    const runner = await startBrowserRunner();
    try {
      results.push(await runner.run(model, feeds, { runs }));
    } finally {
      await runner.close();
    }
  }
  const reference = results[0]!.outputs[MTA_MODEL_OUTPUT]!.data;
  const timings = results.map((r) => ({
    backend: r.backend,
    sessionCreateMs: r.timings.sessionCreateMs,
    firstRunMs: r.timings.runMs[0]!,
    warmRunMs: r.timings.runMs.length > 1 ? Math.min(...r.timings.runMs.slice(1)) : Number.NaN,
    relFroVsOrtNode: compareTensors(r.outputs[MTA_MODEL_OUTPUT]!.data, reference).relFro,
  }));
  return { exportMs, modelBytes: model.byteLength, timings };
}

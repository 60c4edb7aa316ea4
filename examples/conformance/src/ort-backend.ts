import type { OrtFeeds, OrtRunOptions, OrtRunResult } from '@mta/ort';
import type { EvalBackend } from './eval-backend';
import { exportMtaProblem } from './export-problem';
import { exportTinyModel, tinyModelInputs } from './tiny-model';

/** Runs an encoded ONNX model on float32 feeds: runOrtNode, runOrtWeb, or any runner with that signature. */
export type OrtRunner = (modelBytes: Uint8Array, feeds: OrtFeeds, options?: OrtRunOptions) => Promise<OrtRunResult>;

/** An ONNX runner as a check backend: the op (or model) is exported by the tracing exporter and run forward. */
export function ortBackend<const N extends string>(name: N, run: OrtRunner): EvalBackend & { readonly name: N } {
  return {
    name,
    gradients: false,
    // The runners load their runtime on first use and fail then with the reason.
    unavailable: () => undefined,
    async runMta(p) {
      const s = p.shape;
      const result = await run(exportMtaProblem(p), { scores: { data: p.scores, dims: [s.B, s.Cin, s.L, s.L] } });
      return { out: result.outputs.out!.data };
    },
    async runTinyModel(config) {
      const { x } = tinyModelInputs(config);
      const result = await run(exportTinyModel(config), { x: { data: x, dims: [config.batch, config.length, config.dim] } });
      return { probs: result.outputs.probs!.data };
    },
  };
}

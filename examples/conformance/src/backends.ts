import { exportOnnx, getDevice, initDevice, listDevices, noGrad, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import { runOrtNode, runOrtWeb, type OrtFeeds, type OrtRunOptions, type OrtRunResult } from '@mta/ort';
import type { MtaProblem, Results } from './problem';
import { exportTinyModel, runTinyModelOnDevice, tinyModelInputs, type TinyModelConfig } from './tiny-model';

/**
 * The backends the consistency check and the golden command evaluate: the framework's devices (forward
 * and gradients) and ONNX Runtime (forward of the exported graph). Adding a backend is one row of
 * EVAL_BACKENDS at the end of this file.
 */
export interface EvalBackend {
  readonly name: string;
  /** Whether results include gradients. */
  readonly gradients: boolean;
  /** Why it cannot run here, or undefined. */
  unavailable(): string | undefined;
  runMta(problem: MtaProblem, impl?: MtaOptions['impl']): Promise<Results>;
  runTinyModel(config: TinyModelConfig): Promise<Results>;
}

export function mtaOptionsOf(p: MtaProblem, impl: MtaOptions['impl'] = 'auto'): MtaOptions {
  return { mode: p.config.mode, sparse: p.config.sparse, padding: p.config.pads, dilation: p.config.dilation, groups: p.config.groups, impl };
}

export function deviceBackend<const N extends string>(name: N): EvalBackend & { readonly name: N } {
  return {
    name,
    gradients: true,
    unavailable() {
      if (!listDevices().some((d) => d.name === name)) {
        return `it is not registered: import '@mta/device-${name}' (and '@mta/ops-mta' for its MTA kernels)`;
      }
      const a = getDevice(name).availability();
      return a.available ? undefined : a.reason;
    },
    async runMta(p, impl) {
      await initDevice(name);
      return tidy(() => {
        const s = p.shape;
        const scores = tensor(p.scores, [s.B, s.Cin, s.L, s.L], { device: name, requiresGrad: true });
        const weight = tensor(p.weight, [s.Cout, s.Cin / p.config.groups, s.kH, s.kW], { device: name, requiresGrad: true });
        const bias = p.bias ? tensor(p.bias, [s.Cout], { device: name, requiresGrad: true }) : null;
        const out = multiTokenAttention(scores, weight, bias, mtaOptionsOf(p, impl));
        out.backward(tensor(p.gradOut, out.shape, { device: name }));
        const host = (t: Tensor | null) => (t ? (t.toArray() as Float32Array) : null);
        const results = { out: host(out), grad_scores: host(scores.grad), grad_weight: host(weight.grad), grad_bias: host(bias?.grad ?? null) };
        for (const t of [scores, weight, bias]) t?.grad?.dispose();
        return results;
      });
    },
    runTinyModel: (config) => runTinyModelOnDevice(name, config),
  };
}

/** Exports the op through the tracing exporter (so the exporter itself is under test), then runs it in ORT. */
export function exportMtaProblem(p: MtaProblem): Uint8Array {
  const s = p.shape;
  return tidy(() => {
    const weight = tensor(p.weight, [s.Cout, s.Cin / p.config.groups, s.kH, s.kW]);
    const bias = p.bias ? tensor(p.bias, [s.Cout]) : null;
    const example = tensor(p.scores, [s.B, s.Cin, s.L, s.L]);
    const model = noGrad(() => exportOnnx((x) => multiTokenAttention(x, weight, bias, mtaOptionsOf(p)), [example], {
      inputNames: ['scores'], outputNames: ['out'], parameters: bias ? [['weight', weight], ['bias', bias]] : [['weight', weight]],
    }));
    return model.bytes;
  });
}

/** runOrtNode, runOrtWeb, or any runner with their signature. */
export type OrtRunner = (modelBytes: Uint8Array, feeds: OrtFeeds, options?: OrtRunOptions) => Promise<OrtRunResult>;

export function ortBackend<const N extends string>(name: N, run: OrtRunner): EvalBackend & { readonly name: N } {
  return {
    name,
    gradients: false,
    // A missing runtime fails on first use, with the reason.
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

/**
 * Every backend of the check, in report order. Adding a backend is one row: a device through
 * `deviceBackend(name)`, any other ONNX runner through `ortBackend(name, run)`, or an object of your own
 * that implements `EvalBackend`.
 */
export const EVAL_BACKENDS = [
  deviceBackend('cpu'),
  deviceBackend('npu'),
  ortBackend('ort-node', runOrtNode),
  ortBackend('ort-web', runOrtWeb),
] as const satisfies readonly EvalBackend[];

export type BackendName = (typeof EVAL_BACKENDS)[number]['name'];
export const ALL_BACKENDS: readonly BackendName[] = EVAL_BACKENDS.map((b) => b.name);

/** Resolves backend names, failing with the reason when one is unknown or not available here. */
export function resolveBackends(names: readonly string[]): EvalBackend[] {
  return names.map((name) => {
    const backend = EVAL_BACKENDS.find((b) => b.name === name);
    if (!backend) throw new Error(`unknown backend '${name}': expected one of ${ALL_BACKENDS.join(', ')}`);
    const reason = backend.unavailable();
    if (reason !== undefined) throw new Error(`backend '${name}' is not available: ${reason}`);
    return backend;
  });
}

import { exportOnnx, fallbackStats, getDevice, initDevice, listDevices, noGrad, resetFallbackStats, setFallback, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import { OrtBackendError, runOrtNode, runOrtWeb } from '../ort/index';
import type { MtaProblem, Results } from './problem';

/**
 * The backends the consistency check and the golden command evaluate: the framework's devices (forward
 * and gradients) and ONNX Runtime (forward of the exported graph).
 */
export type BackendName = 'cpu' | 'npu' | 'ort-node' | 'ort-web';
export const ALL_BACKENDS: readonly BackendName[] = ['cpu', 'npu', 'ort-node', 'ort-web'];

export interface EvalBackend {
  readonly name: BackendName;
  /** Whether results include gradients. */
  readonly gradients: boolean;
  runMta(problem: MtaProblem, impl?: MtaOptions['impl']): Promise<Results>;
}

export function mtaOptionsOf(p: MtaProblem, impl: MtaOptions['impl'] = 'auto'): MtaOptions {
  return { mode: p.config.mode, sparse: p.config.sparse, padding: p.config.pads, dilation: p.config.dilation, groups: p.config.groups, impl };
}

function deviceBackend(name: 'cpu' | 'npu'): EvalBackend {
  return {
    name,
    gradients: true,
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

function ortBackend(name: 'ort-node' | 'ort-web'): EvalBackend {
  const run = name === 'ort-node' ? runOrtNode : runOrtWeb;
  return {
    name,
    gradients: false,
    async runMta(p) {
      const s = p.shape;
      const result = await run(exportMtaProblem(p), { scores: { data: p.scores, dims: [s.B, s.Cin, s.L, s.L] } });
      return { out: result.outputs.out!.data };
    },
  };
}

/** Resolves backend names, failing with the reason when one is not available here. */
export async function resolveBackends(names: readonly string[]): Promise<EvalBackend[]> {
  const out: EvalBackend[] = [];
  for (const name of names) {
    if (name === 'cpu' || name === 'npu') {
      if (!listDevices().some((d) => d.name === name)) {
        throw new Error(`backend '${name}' is not registered: import '@mta/device-${name}' (and '@mta/ops-mta' for its MTA kernels)`);
      }
      const a = getDevice(name).availability();
      if (!a.available) throw new Error(`backend '${name}' is not available: ${a.reason}`);
      out.push(deviceBackend(name));
    } else if (name === 'ort-node' || name === 'ort-web') {
      out.push(ortBackend(name));
    } else {
      throw new Error(`unknown backend '${name}': expected one of ${ALL_BACKENDS.join(', ')}`);
    }
  }
  return out;
}

export { OrtBackendError, fallbackStats, resetFallbackStats, setFallback };

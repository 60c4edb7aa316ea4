import { exportOnnx, getDevice, initDevice, listDevices, noGrad, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import { NoWebgpuAdapterError, releaseWebgpu } from '@mta/device-webgpu';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import { runOrtNode, runOrtWeb, runOrtWebgpu, type OrtFeeds, type OrtRunOptions, type OrtRunResult } from '@mta/ort';
import { probeOrtWebgpu } from './ort-webgpu-probe';
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
  /** Why it cannot run here, or undefined (what can be known without starting anything). */
  unavailable(): string | undefined;
  /**
   * Backends that need an adapter (webgpu, ort-webgpu) find out only by asking for one: resolves with why
   * this host cannot run them (no adapter), or undefined once they can. Other failures reject: they are
   * errors of the backend, not of the host, and must fail a check rather than skip it.
   */
  probe?(): Promise<string | undefined>;
  runMta(problem: MtaProblem, impl?: MtaOptions['impl']): Promise<Results>;
  runTinyModel(config: TinyModelConfig): Promise<Results>;
}

export function mtaOptionsOf(p: MtaProblem, impl: MtaOptions['impl'] = 'auto'): MtaOptions {
  return { mode: p.config.mode, sparse: p.config.sparse, padding: p.config.pads, dilation: p.config.dilation, groups: p.config.groups, impl };
}

/** A tensor's values on the host, read asynchronously: the webgpu device cannot answer synchronously. */
async function hostData(t: Tensor | null): Promise<Float32Array | null> {
  if (t === null) return null;
  const data = await t.data();
  if (!(data instanceof Float32Array)) throw new Error(`expected float32 results, got ${t.describe()}`);
  return data;
}

export function deviceBackend<const N extends string>(name: N, extra: Pick<EvalBackend, 'probe'> = {}): EvalBackend & { readonly name: N } {
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
    ...extra,
    async runMta(p, impl) {
      await initDevice(name);
      const s = p.shape;
      const kept = tidy(() => {
        const scores = tensor(p.scores, [s.B, s.Cin, s.L, s.L], { device: name, requiresGrad: true });
        const weight = tensor(p.weight, [s.Cout, s.Cin / p.config.groups, s.kH, s.kW], { device: name, requiresGrad: true });
        const bias = p.bias ? tensor(p.bias, [s.Cout], { device: name, requiresGrad: true }) : null;
        const out = multiTokenAttention(scores, weight, bias, mtaOptionsOf(p, impl));
        out.backward(tensor(p.gradOut, out.shape, { device: name }));
        return { out, leaves: [scores, weight, bias] as const };
      });
      const [scores, weight, bias] = kept.leaves;
      try {
        return {
          out: await hostData(kept.out), grad_scores: await hostData(scores.grad), grad_weight: await hostData(weight.grad),
          grad_bias: await hostData(bias?.grad ?? null),
        };
      } finally {
        for (const t of [kept.out, ...kept.leaves]) { t?.grad?.dispose(); t?.dispose(); }
      }
    },
    runTinyModel: (config) => runTinyModelOnDevice(name, config),
  };
}

/**
 * The webgpu device: registered (with MTA's WGSL kernels) on first use, so that a run without it never loads
 * Dawn. Whether an adapter exists is known only by asking: `probe` initialises the device.
 */
export function webgpuBackend(): EvalBackend & { readonly name: 'webgpu' } {
  const registerOnce = (): void => { if (!listDevices().some((d) => d.name === 'webgpu')) registerMtaWebgpu(); };
  const backend = deviceBackend('webgpu', {
    async probe() {
      registerOnce();
      try {
        await initDevice('webgpu');
        return undefined;
      } catch (error) {
        if (error instanceof NoWebgpuAdapterError) return error.message;
        throw error;
      }
    },
  });
  return {
    ...backend,
    unavailable() {
      registerOnce();
      return backend.unavailable();
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

/** runOrtNode, runOrtWeb, or any runner with their signature. */
export type OrtRunner = (modelBytes: Uint8Array, feeds: OrtFeeds, options?: OrtRunOptions) => Promise<OrtRunResult>;

export function ortBackend<const N extends string>(name: N, run: OrtRunner, extra: Pick<EvalBackend, 'probe'> = {}): EvalBackend & { readonly name: N } {
  return {
    name,
    gradients: false,
    // A missing runtime fails on first use, with the reason.
    unavailable: () => undefined,
    ...extra,
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
  webgpuBackend(),
  ortBackend('ort-node', runOrtNode),
  ortBackend('ort-web', runOrtWeb),
  ortBackend('ort-webgpu', runOrtWebgpu, { probe: probeOrtWebgpu }),
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

/**
 * Ends what the backends started that would keep Node alive (a Dawn device): call when a command is done.
 * Changes nothing when webgpu never started.
 */
export function releaseEvalBackends(): void {
  if (listDevices().some((d) => d.name === 'webgpu')) releaseWebgpu();
}

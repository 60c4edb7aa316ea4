/**
 * This project's devices as benchmark backends: `multiTokenAttention` from @mta/ops-mta on a core device
 * (cpu, npu, or any other registered device), through the device's fused kernel or the composite of core
 * primitives. The rows of index.ts (and npu.ts, which adds the simulator's counters) pick the device and the
 * implementation.
 *
 * Inputs are uploaded once in `prepare` (untimed). A timed forward is one inference call (no tape) whose
 * output is disposed; a timed forward+backward is the op, `out.backward(gradOut)` and the disposal of
 * every tensor the step made, as one training step would. Freed buffers go back to the device's caching
 * allocator, so steady-state runs reuse memory as a training loop does.
 */
import {
  findKernel, getDevice, initDevice, listDevices, noGrad, tensor, tidy, withTracer, type AnyOpDef, type OpTracer, type Tensor,
} from '@mta/core';
// Importing @mta/ops-mta registers the cpu and npu devices and their MTA kernels.
import { mtaCpuKernelInfo, multiTokenAttention, MultiTokenAttentionOp, startMtaCpuThreads, startMtaNpuThreads, type MtaOptions } from '@mta/ops-mta';
import type { BenchBackend, BenchInputs, BenchProblem, HostResults, Phase, PreparedRun, RuntimeInfo } from '../types';
import { HostTransferRun } from './host-transfer-run';

/** Any registered device of the framework; deviceProblem() says why one cannot run here. */
export type OurDevice = string;
export type OurImpl = NonNullable<MtaOptions['impl']>;

export interface DeviceBackendOptions {
  readonly device: OurDevice;
  readonly impl: OurImpl;
  /**
   * The device has no kernels for the composite's primitives (the npu): without a fused MTA kernel the
   * run could only fail op by op, so unsupported() says why up front.
   */
  readonly needsFusedKernel?: boolean;
  readonly lastRunStats?: LastRunStats;
  /**
   * Resolves when the work submitted so far has finished. A device that queues work (webgpu) returns from the
   * op before the GPU is done; each timed run awaits this, so a run's time is the device's time.
   */
  readonly settle?: () => Promise<void>;
  /**
   * 'resident' (default): inputs uploaded once in prepare, outputs stay on the device (the device's own speed).
   * 'host': every timed run uploads its inputs from JS arrays and reads every result back to JS, as a caller
   * holding host data would see it.
   */
  readonly transfer?: 'resident' | 'host';
  /** Runs first in setup: registers what the device needs (webgpu's device and kernels). */
  readonly beforeSetup?: () => Promise<void>;
  /** Extra words for describe() (the adapter, workgroup size), read after setup. */
  readonly describeDevice?: () => string;
}

/**
 * Device counters about the last run (the npu simulator's GM traffic). The timing harness does not carry
 * per-row extra info yet: prepared runs expose it as `extraInfo()` for when it does.
 */
export interface LastRunStats {
  /** Called at the start of every run, timed ones included, so it must be cheap. */
  reset(): void;
  read(): Readonly<Record<string, number>>;
}

export function mtaOptionsFor(problem: BenchProblem, impl: OurImpl): MtaOptions {
  const { sparse, pads, dilation, groups } = problem.config;
  return { mode: problem.config.mode, sparse, padding: pads, dilation, groups, impl };
}

/** Read asynchronously: devices that queue work (webgpu) have no synchronous reads. */
export async function asFloat32(t: Tensor, what: string): Promise<Float32Array> {
  const data = await t.data();
  if (!(data instanceof Float32Array)) throw new Error(`${what}: expected float32 data, got ${t.describe()}`);
  return data;
}

class DevicePreparedRun implements PreparedRun {
  private readonly scores: Tensor;
  private readonly weight: Tensor;
  private readonly bias: Tensor | null;
  private readonly gradOut: Tensor;
  private readonly options: MtaOptions;

  constructor(
    device: OurDevice,
    impl: OurImpl,
    { problem, scores, weight, bias, gradOut }: BenchInputs,
    private readonly stats?: LastRunStats,
    private readonly settle: () => Promise<void> = async () => {},
  ) {
    const { B, Cin, Cout, L, kH, kW } = problem.shape;
    const { groups } = problem.config;
    this.scores = tensor(scores, [B, Cin, L, L], { device, requiresGrad: true });
    this.weight = tensor(weight, [Cout, Cin / groups, kH, kW], { device, requiresGrad: true });
    this.bias = bias === undefined ? null : tensor(bias, [Cout], { device, requiresGrad: true });
    this.gradOut = tensor(gradOut, [B, Cout, L, L], { device });
    this.options = mtaOptionsFor(problem, impl);
  }

  private leaves(): Tensor[] {
    return this.bias === null ? [this.scores, this.weight] : [this.scores, this.weight, this.bias];
  }

  private clearGrads(): void {
    for (const t of this.leaves()) {
      t.grad?.dispose();
      t.grad = null;
    }
  }

  /** Device counters of the last run (forward, forward+backward or results), if the device has any. */
  extraInfo(): Readonly<Record<string, number>> | undefined {
    return this.stats?.read();
  }

  async forward(): Promise<void> {
    this.stats?.reset();
    // Inference, like the peers' forward: no tape, so nothing is kept for a backward that never comes.
    noGrad(() => tidy(() => multiTokenAttention(this.scores, this.weight, this.bias, this.options))).dispose();
    await this.settle();
  }

  async forwardBackward(): Promise<void> {
    this.stats?.reset();
    tidy(() => {
      const out = multiTokenAttention(this.scores, this.weight, this.bias, this.options);
      out.backward(this.gradOut);
    });
    this.clearGrads();
    await this.settle();
  }

  async results(phase: Phase): Promise<HostResults> {
    this.stats?.reset();
    if (phase === 'forward') {
      const out = noGrad(() => tidy(() => multiTokenAttention(this.scores, this.weight, this.bias, this.options)));
      const data = await asFloat32(out, 'out');
      out.dispose();
      return { out: data };
    }
    this.clearGrads();
    const out = tidy(() => {
      const o = multiTokenAttention(this.scores, this.weight, this.bias, this.options);
      o.backward(this.gradOut);
      return o;
    });
    const grad = async (t: Tensor | null, what: string): Promise<Float32Array | undefined> => {
      if (t === null) return undefined;
      if (t.grad === null) throw new Error(`${what}: no gradient after backward; the op did not reach this input.`);
      return asFloat32(t.grad, what);
    };
    const results: HostResults = {
      out: await asFloat32(out, 'out'),
      gradScores: await grad(this.scores, 'gradScores'),
      gradWeight: await grad(this.weight, 'gradWeight'),
      ...(this.bias === null ? {} : { gradBias: await grad(this.bias, 'gradBias') }),
    };
    out.dispose();
    this.clearGrads();
    return results;
  }

  dispose(): void {
    this.clearGrads();
    for (const t of [...this.leaves(), this.gradOut]) t.dispose();
  }
}

/** Names of the ops one small forward dispatches: tells the fused kernel (one MultiTokenAttention op) from the composite. */
function probeForwardOps(device: OurDevice, impl: OurImpl): string[] {
  const ops: string[] = [];
  const tracer: OpTracer = { onOp: (op: AnyOpDef) => void ops.push(op.name) };
  const [B, C, L, K] = [1, 4, 8, 3];
  noGrad(() =>
    tidy(() => {
      const scores = tensor(new Float32Array(B * C * L * L), [B, C, L, L], { device });
      const weight = tensor(new Float32Array(C * C * K * K), [C, C, K, K], { device });
      const bias = tensor(new Float32Array(C), [C], { device });
      withTracer(tracer, () => multiTokenAttention(scores, weight, bias, { mode: 'post', padding: 1, impl }));
    }),
  );
  return ops;
}

function describePath(device: OurDevice, impl: OurImpl, ops: readonly string[]): string {
  const hasKernel = findKernel(MultiTokenAttentionOp, device) !== undefined;
  const fused = ops.includes(MultiTokenAttentionOp.name);
  const kernelNote = hasKernel ? `a fused MultiTokenAttention kernel is registered for ${device}` : `no fused MultiTokenAttention kernel is registered for ${device}`;
  if (fused) return `fused kernel (impl '${impl}'; one ${MultiTokenAttentionOp.name} op per forward)`;
  const distinct = [...new Set(ops)];
  const composite = `composite of core primitives (${ops.length} op calls per forward: ${distinct.join(', ')})`;
  return impl === 'auto' ? `${composite}: impl 'auto' fell back because ${kernelNote}` : `${composite}, impl '${impl}' (${kernelNote})`;
}

/** Why `device` cannot run here, or undefined. */
function deviceProblem(device: OurDevice, needsFusedKernel: boolean): string | undefined {
  if (!listDevices().some((d) => d.name === device)) {
    return `device '${device}' is not registered (registered: ${listDevices().map((d) => d.name).join(', ') || 'none'}); ` +
      `importing '@mta/ops-mta' registers it: check that package's kernels/register-all.ts`;
  }
  const availability = getDevice(device).availability();
  if (!availability.available) return `device '${device}' is not available: ${availability.reason}`;
  if (needsFusedKernel && findKernel(MultiTokenAttentionOp, device) === undefined) {
    return `no ${MultiTokenAttentionOp.name} kernel is registered for '${device}' and it has no kernels for the composite's primitives; ` +
      `importing '@mta/ops-mta' registers it: check that package's kernels/register-all.ts`;
  }
  return undefined;
}

export function createDeviceBackend(
  { device, impl, needsFusedKernel = false, lastRunStats, settle, transfer = 'resident', beforeSetup, describeDevice }: DeviceBackendOptions,
): BenchBackend {
  let description = `${device} (not set up)`;
  let info: RuntimeInfo = { runtime: description, threads: 1, simd: 'unknown' };
  return {
    describe: () => description,
    info: () => info,
    unsupported(problem: BenchProblem): string | undefined {
      const reason = deviceProblem(device, needsFusedKernel);
      if (reason !== undefined) return reason;
      if (problem.config.mode !== 'post') return `the benchmark runs post-softmax MTA only, got mode '${problem.config.mode}'`;
      return undefined;
    },
    async setup(): Promise<void> {
      await beforeSetup?.();
      const reason = deviceProblem(device, needsFusedKernel);
      if (reason !== undefined) {
        description = `${device}: not runnable here (${reason})`;
        return;
      }
      await initDevice(device);
      // The fused cpu kernel's worker pool (and the npu simulator's) starts in the background; waiting for it
      // keeps every timed run, warm-ups included, on the same number of threads.
      const threads = device === 'cpu' ? ((await startMtaCpuThreads())?.threads ?? 1)
        : device === 'npu' ? ((await startMtaNpuThreads())?.threads ?? 1) : undefined;
      const ops = probeForwardOps(device, impl);
      const path = describePath(device, impl, ops);
      const threadNote = threads !== undefined && ops.includes(MultiTokenAttentionOp.name) ? `, ${threads} thread(s) for large calls` : '';
      const transferNote = transfer === 'host' ? '; host to host: each run uploads its inputs and reads every result back' : '';
      const deviceNote = describeDevice === undefined ? '' : `, ${describeDevice()}`;
      description = `@mta ${device} device (${getDevice(device).description}${deviceNote}): ${path}${threadNote}${transferNote}`;
      const fused = ops.includes(MultiTokenAttentionOp.name);
      info = {
        runtime: `Node ${process.version}, @mta ${device}: ${path}`,
        threads: fused && threads !== undefined ? threads : 1,
        // Only the fused cpu kernel has wasm loops; the composite path and the npu simulator are JavaScript.
        simd: device === 'cpu' && fused ? mtaCpuKernelInfo().simd : 'none (JavaScript)',
      };
    },
    prepare: async (inputs: BenchInputs) =>
      transfer === 'host' ? new HostTransferRun(device, inputs, mtaOptionsFor(inputs.problem, impl), lastRunStats, settle)
        : new DevicePreparedRun(device, impl, inputs, lastRunStats, settle),
    async dispose(): Promise<void> {
      // Devices stay registered; each prepared run disposed its tensors.
    },
  };
}

/**
 * The TensorFlow.js peer as a benchmark backend; the rows of index.ts pick the tfjs backend.
 * Inputs become tfjs tensors in `prepare` (untimed). tfjs kernels on wasm and cpu run synchronously,
 * so when `forward` returns the output is computed; it is then disposed, as a training step would
 * after using it, and reading it back to JS is not timed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeTfjsBackend, tfjsRuntimeInfo, TfjsMta, useTfjsBackend, type TfjsBackendName, type TfjsMtaInputs } from '../peers/tfjs';
import type { BenchBackend, BenchInputs, BenchProblem, HostResults, Phase, PreparedRun, RuntimeInfo } from '../types';

class TfjsPreparedRun implements PreparedRun {
  private readonly mta: TfjsMta;
  private readonly tensors: TfjsMtaInputs;
  private readonly gradOut: tf.Tensor4D;

  constructor({ problem, scores, weight, bias, gradOut }: BenchInputs) {
    const { B, Cin, Cout, L, kH, kW } = problem.shape;
    this.mta = new TfjsMta(problem.shape, problem.config);
    this.tensors = {
      scores: tf.tensor4d(scores, [B, Cin, L, L]),
      weight: tf.tensor4d(weight, [Cout, Cin / problem.config.groups, kH, kW]),
      bias: bias === undefined ? undefined : tf.tensor1d(bias),
    };
    this.gradOut = tf.tensor4d(gradOut, [B, Cout, L, L]);
  }

  forward(): void {
    this.mta.forward(this.tensors).dispose();
  }

  forwardBackward(): void {
    const grads = this.mta.forwardBackward(this.tensors, this.gradOut);
    tf.dispose([grads.out, grads.gradScores, grads.gradWeight, ...(grads.gradBias === undefined ? [] : [grads.gradBias])]);
  }

  async results(phase: Phase): Promise<HostResults> {
    if (phase === 'forward') {
      const out = this.mta.forward(this.tensors);
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return { out: data };
    }
    const grads = this.mta.forwardBackward(this.tensors, this.gradOut);
    const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
    const results: HostResults = {
      out: await read(grads.out),
      gradScores: await read(grads.gradScores),
      gradWeight: await read(grads.gradWeight),
      ...(grads.gradBias === undefined ? {} : { gradBias: await read(grads.gradBias) }),
    };
    tf.dispose([grads.out, grads.gradScores, grads.gradWeight, ...(grads.gradBias === undefined ? [] : [grads.gradBias])]);
    return results;
  }

  dispose(): void {
    const { scores, weight, bias } = this.tensors;
    tf.dispose([scores, weight, this.gradOut, ...(bias === undefined ? [] : [bias])]);
    this.mta.dispose();
  }
}

export function createTfjsBackend(name: TfjsBackendName): BenchBackend {
  let description = `tfjs ${name} (not set up)`;
  let info: RuntimeInfo = { runtime: description, threads: 1, simd: 'unknown' };
  return {
    describe: () => description,
    info: () => info,
    unsupported(problem: BenchProblem): string | undefined {
      const { kH, kW } = problem.shape;
      const [dh, dw] = problem.config.dilation;
      const [top, bottom, left, right] = problem.config.pads;
      if (top + bottom !== dh * (kH - 1) || left + right !== dw * (kW - 1)) return 'pads must keep the output L x L';
      return undefined;
    },
    async setup(): Promise<void> {
      await useTfjsBackend(name);
      if (name === 'cpu') {
        // Silences the one-time "install tfjs-node" banner the cpu backend prints on first use.
        (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
      }
      description = await describeTfjsBackend();
      info = await tfjsRuntimeInfo();
    },
    prepare: async (inputs: BenchInputs) => new TfjsPreparedRun(inputs),
    async dispose(): Promise<void> {
      // The backend stays registered; tensors were disposed by each prepared run.
    },
  };
}

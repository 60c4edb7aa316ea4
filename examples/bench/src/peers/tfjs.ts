/**
 * Post-softmax multi-token attention written with TensorFlow.js 4.22 ops: the peer our kernels are
 * compared against. Forward and an explicit backward (no autograd) on the `wasm` or `cpu` backend.
 *
 * Layout: the op's tensors are NCHW, as PyTorch and the golden data; tfjs convolutions take NHWC only
 * on wasm, so P and the gradients are transposed around each convolution, and those transposes are
 * part of the measured op.
 *
 * Why an explicit backward: `@tensorflow/tfjs-core` alone registers no gradients, and its
 * `dist/register_all_gradients.js` cannot be imported under Node's ESM loader (directory and
 * extensionless imports); even with gradients, the wasm backend has no `Conv2DBackpropFilter`
 * kernel. So the weight gradient is a convolution of the transposed input with the transposed output
 * gradient, and the input gradient a convolution with the flipped weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { MtaShape } from '@mta/ops-mta';

export type TfjsBackendName = 'wasm' | 'cpu';

/** How masked scores (j > i) become -1e9 before the softmax. */
export type TfjsMaskMethod =
  /** Add a constant (L, L) tensor of 0 / -1e9: fast, but a NaN score stays NaN. */
  | 'add'
  /** `tf.where` against a boolean mask: NaN-safe, 7-9x slower on wasm. */
  | 'select';

/** The sizes of one call, as our op takes them. */
export type TfjsMtaShape = MtaShape;

/** The post-softmax subset of `MtaConfig` in @mta/ops-mta, plus the mask method. */
export interface TfjsMtaConfig {
  readonly sparse: boolean;
  /** [top, bottom, left, right] zero padding of P before the convolution. */
  readonly pads: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly maskWith?: TfjsMaskMethod;
}

export interface TfjsMtaInputs {
  /** (B, Cin, L, L) */
  readonly scores: tf.Tensor4D;
  /** (Cout, Cin / groups, kH, kW) */
  readonly weight: tf.Tensor4D;
  /** (Cout), or undefined for a convolution without bias. */
  readonly bias: tf.Tensor1D | undefined;
}

export interface TfjsMtaGradients {
  readonly out: tf.Tensor4D;
  readonly gradScores: tf.Tensor4D;
  readonly gradWeight: tf.Tensor4D;
  readonly gradBias: tf.Tensor1D | undefined;
}

/** The value written into masked scores: finite, so a 0 * mask never makes NaN. */
const MASKED_SCORE = -1e9;

let wasmPathsConfigured = false;

/** Directory holding the tfjs wasm binaries inside node_modules (with a trailing separator). */
export function tfjsWasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(packageJson), 'dist') + path.sep;
}

/**
 * Makes `name` the active tfjs backend. Under Node the wasm backend loads its binary from a plain
 * filesystem path (emscripten reads it with fs), and picks the SIMD build; without cross-origin
 * isolation it has no threads, so it runs on one thread.
 */
export async function useTfjsBackend(name: TfjsBackendName): Promise<void> {
  if (name === 'wasm' && !wasmPathsConfigured) {
    setWasmPaths(tfjsWasmBinaryDir());
    wasmPathsConfigured = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`useTfjsBackend: tfjs backend '${name}' failed to initialise; for wasm check that ${tfjsWasmBinaryDir()} holds the .wasm files.`);
  await tf.ready();
}

/** Facts about the active backend worth printing next to its timings. */
export async function describeTfjsBackend(): Promise<string> {
  const name = tf.getBackend();
  if (name !== 'wasm') return `tfjs ${tf.version_core} ${name}`;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `tfjs ${tf.version_core} wasm (simd ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off: 1 thread'})`;
}

/** describeTfjsBackend as fields. */
export async function tfjsRuntimeInfo(): Promise<{ runtime: string; threads: number; simd: string }> {
  const name = tf.getBackend();
  const runtime = `tfjs ${tf.version_core} ${name} under Node ${process.version}`;
  if (name !== 'wasm') return { runtime, threads: 1, simd: 'none (plain JS)' };
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  // Under Node the wasm backend has no worker threads (benchmarks.md): it runs on the calling thread.
  return { runtime: threads ? `${runtime} (multithread build reported)` : runtime, threads: 1, simd: simd ? 'wasm SIMD128 (XNNPACK)' : 'none (wasm without SIMD)' };
}

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(`TfjsMta: ${message()}`);
}

function sameShape(name: string, got: readonly number[], expected: readonly number[]): void {
  check(got.length === expected.length && got.every((d, i) => d === expected[i]), () =>
    `${name} has shape [${got.join(', ')}], expected [${expected.join(', ')}].`);
}

/**
 * One MTA problem size on the active tfjs backend. Holds the mask constants for its L (built once,
 * like a model's buffers); `forward` and `forwardBackward` free all their temporaries and return
 * tensors the caller must dispose.
 */
export class TfjsMta {
  private readonly maskWith: TfjsMaskMethod;
  /** (L, L): 0 on and below the diagonal, -1e9 above; used by the 'add' method. */
  private readonly maskAdd: tf.Tensor2D;
  /** (L, L): true where the score is kept; used by the 'select' method. */
  private readonly keep: tf.Tensor2D;
  /** (L, L) 0/1: multiplies outputs and output gradients (NCHW; broadcast over the last axis of an
   * NHWC tensor, as an (L, L, 1) mask would be, is 5x slower on wasm). */
  private readonly keep01: tf.Tensor2D;
  /** 1..L for the sparsemax support test. */
  private readonly ranks: tf.Tensor1D;
  private readonly maskedScore: tf.Scalar;

  constructor(
    readonly shape: TfjsMtaShape,
    readonly config: TfjsMtaConfig,
  ) {
    const { Cin, Cout, L, kH, kW } = shape;
    const [top, bottom, left, right] = config.pads;
    const [dh, dw] = config.dilation;
    for (const [key, value] of Object.entries(shape)) {
      check(Number.isInteger(value) && value > 0, () => `shape.${key} = ${value}, expected a positive integer.`);
    }
    check(config.pads.every((p) => Number.isInteger(p) && p >= 0), () => `pads [${config.pads.join(', ')}] must be non-negative integers.`);
    check(Number.isInteger(config.groups) && config.groups > 0 && Cin % config.groups === 0 && Cout % config.groups === 0, () =>
      `groups = ${config.groups} must divide Cin = ${Cin} and Cout = ${Cout}.`);
    check(top + bottom === dh * (kH - 1) && left + right === dw * (kW - 1), () =>
      `pads [${config.pads.join(', ')}] with kernel ${kH}x${kW} and dilation ${dh}x${dw} give an output of ` +
        `${L + top + bottom - dh * (kH - 1)}x${L + left + right - dw * (kW - 1)}, expected ${L}x${L}: ` +
        `top + bottom must equal dilation_h * (kH - 1), left + right dilation_w * (kW - 1).`);
    this.maskWith = config.maskWith ?? 'add';
    const keep = new Float32Array(L * L);
    const add = new Float32Array(L * L);
    for (let i = 0; i < L; i++) {
      for (let j = 0; j < L; j++) {
        keep[i * L + j] = j <= i ? 1 : 0;
        add[i * L + j] = j <= i ? 0 : MASKED_SCORE;
      }
    }
    this.keep01 = tf.tensor2d(keep, [L, L]);
    this.maskAdd = tf.tensor2d(add, [L, L]);
    this.keep = tf.tidy(() => tf.cast(this.keep01, 'bool'));
    this.ranks = tf.range(1, L + 1, 1, 'float32') as tf.Tensor1D;
    this.maskedScore = tf.scalar(MASKED_SCORE);
  }

  /** out = mask0(conv2d(pad(P), W, b)) with P = softmax|sparsemax(mask(scores)); (B, Cout, L, L). */
  forward(inputs: TfjsMtaInputs): tf.Tensor4D {
    this.checkInputs(inputs);
    return tf.tidy(() => {
      const p = tf.tidy(() => this.probabilities(inputs.scores));
      return this.outputFrom(p, inputs);
    });
  }

  /**
   * The output and the gradients of sum(out * gradOut) with respect to scores, weight and bias.
   * Nested tidies and early disposes free each (B, C, L, L) temporary as soon as it is dead, as a
   * careful tfjs user would: a single tidy would hold ~15 of them (480 MiB at L = 1024) to the end.
   */
  forwardBackward(inputs: TfjsMtaInputs, gradOut: tf.Tensor4D): TfjsMtaGradients {
    this.checkInputs(inputs);
    const { B, Cout, L } = this.shape;
    sameShape('gradOut', gradOut.shape, [B, Cout, L, L]);
    const result = tf.tidy(() => {
      const p = tf.tidy(() => this.probabilities(inputs.scores));
      const out = this.outputFrom(p, inputs);
      const gy = tf.mul(gradOut, this.keep01) as tf.Tensor4D;
      const gradBias = inputs.bias === undefined ? undefined : (tf.sum(gy, [0, 2, 3]) as tf.Tensor1D);
      const gradWeight = tf.tidy(() => this.convolutionWeightGradient(p, gy));
      const gradP = tf.tidy(() => this.convolutionInputGradient(gy, inputs.weight));
      gy.dispose();
      const gradScores = tf.tidy(() => (this.config.sparse ? sparsemaxBackward(p, gradP) : softmaxBackward(p, gradP)));
      tf.dispose([p, gradP]);
      // P is exactly 0 at masked positions (exp underflows from -1e9; sparsemax clips), so both
      // backward formulas already give 0 there: the final "dS with future = 0" costs nothing to skip.
      return { out, gradScores, gradWeight, gradBias };
    });
    return { out: result.out, gradScores: result.gradScores, gradWeight: result.gradWeight, gradBias: result.gradBias };
  }

  dispose(): void {
    tf.dispose([this.maskAdd, this.keep, this.keep01, this.ranks, this.maskedScore]);
  }

  private checkInputs({ scores, weight, bias }: TfjsMtaInputs): void {
    const { B, Cin, Cout, L, kH, kW } = this.shape;
    sameShape('scores', scores.shape, [B, Cin, L, L]);
    sameShape('weight', weight.shape, [Cout, Cin / this.config.groups, kH, kW]);
    if (bias !== undefined) sameShape('bias', bias.shape, [Cout]);
  }

  /** (B, Cin, L, L) probabilities over keys, exactly 0 at masked positions. */
  private probabilities(scores: tf.Tensor4D): tf.Tensor4D {
    const masked = this.maskWith === 'add' ? tf.add(scores, this.maskAdd) : tf.where(this.keep, scores, this.maskedScore as unknown as tf.Tensor4D);
    return (this.config.sparse ? sparsemax(masked as tf.Tensor4D, this.ranks) : tf.softmax(masked, -1)) as tf.Tensor4D;
  }

  private outputFrom(p: tf.Tensor4D, { weight, bias }: TfjsMtaInputs): tf.Tensor4D {
    const [top, bottom, left, right] = this.config.pads;
    const yNchw = tf.tidy(() => {
      const filter = tf.transpose(weight, [2, 3, 1, 0]); // (kH, kW, Cin/G, Cout)
      const y = this.grouped(tf.transpose(p, [0, 2, 3, 1]), filter, bias, (x, f, b) =>
        tf.fused.conv2d({
          x,
          filter: f,
          strides: 1,
          pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
          dilations: [this.config.dilation[0], this.config.dilation[1]],
          bias: b,
        }),
      );
      return tf.transpose(y, [0, 3, 1, 2]);
    });
    const out = tf.mul(yNchw, this.keep01) as tf.Tensor4D;
    yNchw.dispose();
    return out;
  }

  /**
   * dP = transposed convolution of gy with W, written as a convolution of gy with the flipped,
   * in/out-swapped weights: output row y reads gy rows y + top - dh*u, so the padding swaps ends.
   */
  private convolutionInputGradient(gy: tf.Tensor4D, weight: tf.Tensor4D): tf.Tensor4D {
    const [top, bottom, left, right] = this.config.pads;
    const gyNhwc = tf.transpose(gy, [0, 2, 3, 1]);
    const flipped = tf.transpose(tf.reverse(weight, [2, 3]), [2, 3, 0, 1]); // (kH, kW, Cout, Cin/G)
    const { groups } = this.config;
    const gyParts: tf.Tensor4D[] = groups === 1 ? [gyNhwc] : tf.split(gyNhwc, groups, 3);
    const filterParts = groups === 1 ? [flipped] : tf.split(flipped, groups, 2);
    const parts = gyParts.map((g, k) =>
      tf.conv2d<tf.Tensor4D>(g, filterParts[k] as tf.Tensor4D, 1, [[0, 0], [bottom, top], [right, left], [0, 0]], 'NHWC', [
        this.config.dilation[0],
        this.config.dilation[1],
      ]),
    );
    const gradPNhwc = parts.length === 1 ? (parts[0] as tf.Tensor4D) : tf.concat4d(parts, 3);
    return tf.transpose(gradPNhwc, [0, 3, 1, 2]);
  }

  /**
   * dW[o, c, u, v] = sum over b, i, j of gy[b, o, i, j] * pad(P)[b, c, i + dh*u, j + dw*v]: a
   * convolution whose "batch" is the input channel, whose "channels" are the batch, and whose L x L
   * filter is gy; the dilation of the forward becomes a stride here.
   */
  private convolutionWeightGradient(p: tf.Tensor4D, gy: tf.Tensor4D): tf.Tensor4D {
    const [top, bottom, left, right] = this.config.pads;
    const { groups } = this.config;
    const x = tf.transpose(p, [1, 2, 3, 0]); // (Cin, L, L, B)
    const filter = tf.transpose(gy, [2, 3, 0, 1]); // (L, L, B, Cout)
    const xParts: tf.Tensor4D[] = groups === 1 ? [x] : tf.split(x, groups, 0);
    const filterParts = groups === 1 ? [filter] : tf.split(filter, groups, 3);
    const parts = xParts.map((xg, k) => {
      const dw = tf.conv2d<tf.Tensor4D>(xg, filterParts[k] as tf.Tensor4D, [this.config.dilation[0], this.config.dilation[1]], [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ]); // (Cin/G, kH, kW, Cout/G)
      return tf.transpose(dw, [3, 0, 1, 2]);
    });
    return parts.length === 1 ? (parts[0] as tf.Tensor4D) : tf.concat4d(parts, 0);
  }

  /** Applies `conv` per channel group (tfjs conv2d has no groups): NHWC input, HWIO filter. */
  private grouped(
    x: tf.Tensor4D,
    filter: tf.Tensor4D,
    bias: tf.Tensor1D | undefined,
    conv: (x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined) => tf.Tensor4D,
  ): tf.Tensor4D {
    const { groups } = this.config;
    if (groups === 1) return conv(x, filter, bias);
    const xs: tf.Tensor4D[] = tf.split(x, groups, 3);
    const fs = tf.split(filter, groups, 3);
    const bs = bias === undefined ? undefined : tf.split(bias, groups, 0);
    return tf.concat4d(
      xs.map((xg, k) => conv(xg, fs[k] as tf.Tensor4D, bs?.[k] as tf.Tensor1D | undefined)),
      3,
    );
  }
}

/**
 * Sparsemax over the last axis: sort descending (tf.topk), k = number of ranks r with
 * 1 + r * z_(r) > sum of the r largest, tau = (sum of the k largest - 1) / k, p = max(z - tau, 0).
 * The support test holds exactly for a prefix of ranks, so the k largest sum is sum(inSupport * z).
 */
function sparsemax(z: tf.Tensor4D, ranks: tf.Tensor1D): tf.Tensor4D {
  const L = z.shape[3];
  const sorted = tf.topk(z, L, true).values;
  const prefixSums = tf.cumsum(sorted, 3);
  const inSupport = tf.cast(tf.greater(tf.add(tf.mul(ranks, sorted), 1), prefixSums), 'float32');
  const k = tf.sum(inSupport, 3, true);
  const tau = tf.div(tf.sub(tf.sum(tf.mul(inSupport, sorted), 3, true), 1), k);
  return tf.relu(tf.sub(z, tau)) as tf.Tensor4D;
}

/** dS = P * (dP - sum_j(dP * P)). */
function softmaxBackward(p: tf.Tensor4D, gradP: tf.Tensor4D): tf.Tensor4D {
  return tf.mul(p, tf.sub(gradP, tf.sum(tf.mul(gradP, p), 3, true)));
}

/** On the support s = {P > 0}: dS = dP - mean over s of dP; 0 elsewhere. */
function sparsemaxBackward(p: tf.Tensor4D, gradP: tf.Tensor4D): tf.Tensor4D {
  const support = tf.cast(tf.greater(p, 0), 'float32');
  const mean = tf.div(tf.sum(tf.mul(gradP, support), 3, true), tf.sum(support, 3, true));
  return tf.mul(support, tf.sub(gradP, mean));
}

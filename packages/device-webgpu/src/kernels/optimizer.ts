import { AdamUpdate, registerKernel, type AdamUpdateAttrs, type KernelDef } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { WebgpuDtypeError } from '../errors.js';
import { BufferUsage } from '../gpu-flags.js';
import { elementwiseMain, workgroupsFor } from './wgsl.js';

/**
 * The Adam step for one parameter in one kernel (instead of a dozen elementwise dispatches), rounding as
 * the elementwise formulation does: each operation in float32, the constants float32 too. The step's
 * numbers change every step (the learning-rate schedule), so they travel in a uniform buffer rather than
 * in the shader source, which would compile a pipeline per step. One uniform buffer per device serves
 * every call: each call's write is queued before its submit, after the previous call's, so each kernel
 * reads its own numbers.
 */
const SCALARS = ['b1', 'b2', 'oneMinusB1', 'oneMinusB2', 'c1', 'c2', 'eps', 'lr', 'wd', 'keep'] as const;
const UNIFORM_BYTES = Math.ceil((SCALARS.length * 4) / 16) * 16;
const uniformBuffers = new WeakMap<GPUDevice, GPUBuffer>();

function uniformBuffer(device: GPUDevice): GPUBuffer {
  let buffer = uniformBuffers.get(device);
  if (!buffer) {
    buffer = device.createBuffer({ size: UNIFORM_BYTES, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    uniformBuffers.set(device, buffer);
  }
  return buffer;
}

const adamUpdateKernel: KernelDef<AdamUpdateAttrs> = {
  run: ({ inputs: [p, g, m, v], outputs: [pOut, mOut, vOut], attrs }) => {
    if (p!.dtype !== 'float32') throw new WebgpuDtypeError('AdamUpdate', p!.dtype, ['float32']);
    if (pOut!.size === 0) return;
    const { lr, beta1, beta2, eps, correction1, correction2, weightDecay, decoupled } = attrs;
    const values: Record<(typeof SCALARS)[number], number> = {
      b1: beta1, b2: beta2, oneMinusB1: 1 - beta1, oneMinusB2: 1 - beta2, c1: correction1, c2: correction2,
      eps, lr, wd: weightDecay, keep: 1 - lr * weightDecay,
    };
    const l2 = weightDecay !== 0 && !decoupled, decay = weightDecay !== 0 && decoupled;
    const ctx = webgpuContext();
    const wg = ctx.limits.workgroupSize;
    const wgsl = `
struct Step { ${SCALARS.map((s) => `${s}: f32,`).join(' ')} }
@group(0) @binding(0) var<storage, read> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> pOut: array<f32>;
@group(0) @binding(5) var<storage, read_write> mOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> vOut: array<f32>;
@group(0) @binding(7) var<uniform> s: Step;
${elementwiseMain(wg, pOut!.size, `  let pi = p[i];
  let gi = ${l2 ? 'g[i] + pi * s.wd' : 'g[i]'};
  let mi = m[i] * s.b1 + gi * s.oneMinusB1;
  let vi = v[i] * s.b2 + (gi * gi) * s.oneMinusB2;
  let dir = (mi / s.c1) / (sqrt(vi / s.c2) + s.eps);
  pOut[i] = ${decay ? 'pi * s.keep' : 'pi'} - dir * s.lr;
  mOut[i] = mi;
  vOut[i] = vi;`)}`;
    const uniforms = uniformBuffer(ctx.device);
    ctx.device.queue.writeBuffer(uniforms, 0, new Float32Array(SCALARS.map((k) => values[k])));
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'adamUpdate', [p!, g!, m!, v!, pOut!, mOut!, vOut!].map((t) => batch.bind(t)).concat([{ buffer: uniforms }]),
      workgroupsFor(pOut!.size, wg));
    batch.submit();
  },
};

export function registerOptimizerKernels(): () => void {
  return registerKernel(AdamUpdate, 'webgpu', adamUpdateKernel);
}

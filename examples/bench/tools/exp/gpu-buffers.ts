/**
 * Why a pass runs slower inside the MTA op than alone (experiment): the same quad kernels timed on the op's
 * own tensors' buffers (uploaded from the host, from the pool), on fresh buffers filled on the GPU, with
 * whole-buffer and ranged bindings, beside the op itself, in one process.
 */
import { integer, listOf, text } from '@mta/args';
import { tensor, tidy, type Tensor } from '@mta/core';
import { GpuBuffer } from '@mta/device-webgpu';
import { multiTokenAttention, mtaGeometry } from '@mta/ops-mta';
import { quadConvForwardShader, quadConvWorkgroups } from '../../../../packages/ops-mta/src/kernels/webgpu/quad-conv-shaders';
import { quadRowActivationShader } from '../../../../packages/ops-mta/src/kernels/webgpu/quad-row-shaders';
import { toolFlags } from '../tool-flags';
import { runTool, writeJson } from '../tool-main';
import { median } from '../../src/harness';
import { startWebgpu, RAW_STORAGE_USAGE } from '../webgpu-tool';

const { values } = toolFlags(process.argv.slice(2), {
  L: { value: listOf(integer({ min: 4 })), default: [4096], help: 'sequence lengths' },
  out: { value: text('a directory'), default: 'gpu-buffers-out', help: 'output directory' },
}, 'node gpu-buffers.mjs [--L 2048,4096] [--out DIR]');

async function main(): Promise<void> {
  const ctx = await startWebgpu();
  const device = ctx.device;
  const wg = ctx.limits.workgroupSize;
  const done = () => device.queue.onSubmittedWorkDone();
  const rows: Record<string, unknown>[] = [];
  for (const L of values.L) {
    const B = 2, C = 4, K = 3;
    const g = mtaGeometry({ B, Cin: C, Cout: C, L, kH: K, kW: K }, { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, { dtype: 'float32', hasBias: true });
    const n = B * C * L * L;
    const mapBytes = n * 4;
    const host = new Float32Array(n);
    for (let k = 0; k < n; k++) host[k] = (((k * 7919) % 2003) / 1001.5 - 1) * 3;
    const scores = tensor(host, [B, C, L, L], { device: 'webgpu', requiresGrad: true });
    const weight = tensor(Float32Array.from({ length: C * C * K * K }, (_, k) => Math.sin(k) / 3), [C, C, K, K], { device: 'webgpu', requiresGrad: true });
    const bias = tensor(Float32Array.from([0.1, -0.05, 0.02, 0.07]), [C], { device: 'webgpu', requiresGrad: true });
    const leaves: Tensor[] = [scores, weight, bias];
    const gpuOf = (t: Tensor) => (t.storage.buffer as GpuBuffer).gpuBuffer;
    const fwd = () => tidy(() => { multiTokenAttention(scores, weight, bias, { padding: 1 }); });
    for (let k = 0; k < 3; k++) fwd();
    await done();
    const pipelinedOp = async () => { const t0 = performance.now(); for (let k = 0; k < 10; k++) fwd(); await done(); return (performance.now() - t0) / 10; };
    const log = (name: string, ms: number) => { rows.push({ L, name, ms }); console.log(`L=${L} ${name.padEnd(48)} ${ms.toFixed(3)} ms`); };
    log('op forward, pipelined', median([await pipelinedOp(), await pipelinedOp(), await pipelinedOp()]));

    const act = quadRowActivationShader(g, C, wg, false);
    const conv = quadConvForwardShader(g, wg);
    type Entry = { buffer: GPUBuffer; offset?: number; size?: number };
    const time = async (name: string, wgsl: string, entries: Entry[], groups: number) => {
      const pipeline = ctx.pipeline(wgsl, name);
      const bg = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: entries.map((resource, binding) => ({ binding, resource })) });
      const run = async (reps: number) => {
        const enc = device.createCommandEncoder();
        const pass = enc.beginComputePass();
        for (let r = 0; r < reps; r++) {
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, bg);
          const [x, y, z] = ctx.grid(groups);
          pass.dispatchWorkgroups(x, y, z);
        }
        pass.end();
        const t0 = performance.now();
        device.queue.submit([enc.finish()]);
        await done();
        return (performance.now() - t0) / reps;
      };
      await run(2);
      log(name, median([await run(20), await run(20), await run(20)]));
      await ctx.settle(name);
    };
    const whole = (b: GPUBuffer): Entry => ({ buffer: b });
    const ranged = (b: GPUBuffer): Entry => ({ buffer: b, offset: 0, size: mapBytes });
    const fresh = () => device.createBuffer({ size: mapBytes, usage: RAW_STORAGE_USAGE });
    const S = gpuOf(scores);
    const [P1, O1, S2] = [fresh(), fresh(), fresh()];
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(S, 0, S2, 0, mapBytes);
    device.queue.submit([enc.finish()]);
    await done();
    const rowsCount = B * C * L;
    await time('act: uploaded S -> fresh P (ranged)', act, [ranged(S), ranged(P1)], rowsCount);
    await time('act: uploaded S -> fresh P (whole)', act, [whole(S), whole(P1)], rowsCount);
    await time('act: GPU-copied S -> fresh P (whole)', act, [whole(S2), whole(P1)], rowsCount);
    // The pool's buffers: what the op's P and O get.
    const poolP = ctx.memory.acquire(mapBytes);
    const poolO = ctx.memory.acquire(mapBytes);
    await time('act: uploaded S -> pool P (ranged)', act, [ranged(S), ranged(poolP)], rowsCount);
    await time('act: GPU-copied S -> pool P (ranged)', act, [ranged(S2), ranged(poolP)], rowsCount);
    const wU = ctx.memory.acquire(1024);
    device.queue.writeBuffer(wU, 0, Float32Array.from({ length: 256 }, (_, k) => Math.sin(k) / 3));
    const bU = ctx.memory.acquire(256);
    device.queue.writeBuffer(bU, 0, Float32Array.from({ length: 64 }, () => 0.05));
    const wEntry: Entry = { buffer: wU, offset: 0, size: Math.ceil(g.wElems / 4) * 16 };
    const bEntry: Entry = { buffer: bU, offset: 0, size: 16 };
    await time('conv: pool P -> pool O', conv, [ranged(poolP), wEntry, ranged(poolO), bEntry], quadConvWorkgroups(g, wg));
    await time('conv: fresh P -> fresh O', conv, [whole(P1), wEntry, whole(O1), bEntry], quadConvWorkgroups(g, wg));
    // Both passes of a forward in one pass, as the op records them, on fresh and on pool buffers.
    const both = async (name: string, s: GPUBuffer, p: GPUBuffer, o: GPUBuffer) => {
      const pa = ctx.pipeline(act, 'a');
      const pc = ctx.pipeline(conv, 'c');
      const ba = device.createBindGroup({ layout: pa.getBindGroupLayout(0), entries: [ranged(s), ranged(p)].map((resource, binding) => ({ binding, resource })) });
      const bc = device.createBindGroup({ layout: pc.getBindGroupLayout(0), entries: [ranged(p), wEntry, ranged(o), bEntry].map((resource, binding) => ({ binding, resource })) });
      const run = async (reps: number) => {
        const e = device.createCommandEncoder();
        const pass = e.beginComputePass();
        for (let r = 0; r < reps; r++) {
          pass.setPipeline(pa); pass.setBindGroup(0, ba); let [x, y, z] = ctx.grid(rowsCount); pass.dispatchWorkgroups(x, y, z);
          pass.setPipeline(pc); pass.setBindGroup(0, bc); [x, y, z] = ctx.grid(quadConvWorkgroups(g, wg)); pass.dispatchWorkgroups(x, y, z);
        }
        pass.end();
        const t0 = performance.now();
        device.queue.submit([e.finish()]);
        await done();
        return (performance.now() - t0) / reps;
      };
      await run(2);
      log(name, median([await run(10), await run(10), await run(10)]));
    };
    await both('act+conv: uploaded S, pool P, O', S, poolP, poolO);
    await both('act+conv: GPU-copied S, fresh P, O', S2, P1, O1);
    log('op forward, pipelined (again)', median([await pipelinedOp(), await pipelinedOp(), await pipelinedOp()]));
    for (const b of [poolP, poolO, wU, bU]) ctx.memory.release(b);
    for (const b of [P1, O1, S2]) b.destroy();
    for (const t of leaves) t.dispose();
  }
  writeJson(values.out, 'buffers.json', rows);
}

runTool(main);

/**
 * Wall-clock time of each MTA pass on its own (reps dispatches in one submit): the quad and per-channel
 * kernels beside the per-position / streaming / per-pair ones they replaced where they apply, outputs compared
 * on the GPU. Experiment driver for a GPU machine.
 *   bash .gpu/run.sh node gpu-kernels.mjs --L 4096 --out DIR
 */
import { integer, listOf, text } from '@mta/args';
import { mtaGeometry, type MtaGeometry } from '../../../../packages/ops-mta/src/geometry';
import { convForwardUnrolledShader, convTransposeUnrolledShader, convWorkgroups } from '../../../../packages/ops-mta/src/kernels/webgpu/conv-shaders';
import { rowActivationShader } from '../../../../packages/ops-mta/src/kernels/webgpu/row-activation-shader';
import { rowVjpShader } from '../../../../packages/ops-mta/src/kernels/webgpu/row-vjp-shader';
import { planChannelsWeightGrad, planPairsWeightGrad, weightGradChannelsShader, weightGradPartialsShader, type WeightGradPlan } from '../../../../packages/ops-mta/src/kernels/webgpu/weight-grad-shaders';
import { quadConvForwardShader, quadConvTransposeShader, quadConvWorkgroups } from '../../../../packages/ops-mta/src/kernels/webgpu/quad-conv-shaders';
import { quadRowActivationShader, quadRowVjpShader } from '../../../../packages/ops-mta/src/kernels/webgpu/quad-row-shaders';
import { toolFlags } from '../tool-flags';
import { runTool, writeJson } from '../tool-main';
import { median } from '../../src/harness';
import { startWebgpu, RAW_STORAGE_USAGE } from '../webgpu-tool';

const { values } = toolFlags(process.argv.slice(2), {
  L: { value: listOf(integer({ min: 4 })), default: [4096], help: 'sequence lengths' },
  reps: { value: integer({ min: 1 }), default: 20, help: 'dispatches per timed submit' },
  out: { value: text('a directory'), default: 'gpu-kernels-out', help: 'output directory' },
  only: { value: listOf(text('a name prefix')), default: [], help: 'run only kernels whose name starts with one of these' },
}, 'node gpu-kernels.mjs [--L 2048,4096] [--out DIR]');

async function main(): Promise<void> {
  const ctx = await startWebgpu();
  const device = ctx.device;
  const wg = ctx.limits.workgroupSize;
  const done = () => device.queue.onSubmittedWorkDone();
  const report: Record<string, unknown>[] = [];
  console.log(`adapter ${ctx.adapterInfo}, workgroup ${wg}, workgroup storage ${ctx.limits.maxWorkgroupStorageBytes}`);
  const want = (name: string) => values.only.length === 0 || values.only.some((p) => name.startsWith(p));

  for (const L of values.L) {
    const g: MtaGeometry = mtaGeometry({ B: 2, Cin: 4, Cout: 4, L, kH: 3, kW: 3 },
      { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, { dtype: 'float32', hasBias: true });
    const mapBytes = g.B * g.Cin * L * L * 4;
    const buf = (bytes: number, usage = RAW_STORAGE_USAGE) => device.createBuffer({ size: bytes, usage });
    const S = buf(mapBytes), P = buf(mapBytes), O = buf(mapBytes), O2 = buf(mapBytes), G = buf(mapBytes), T1 = buf(mapBytes), T2 = buf(mapBytes);
    const wU = buf(Math.ceil(g.wElems / 4) * 16, 0x0040 | 0x0008);
    const bias = buf(16);
    device.queue.writeBuffer(wU, 0, Float32Array.from({ length: Math.ceil(g.wElems / 4) * 4 }, (_, k) => Math.sin(k * 1.7) / 3));
    device.queue.writeBuffer(bias, 0, Float32Array.from([0.1, -0.05, 0.02, 0.07]));
    const bind = (pipeline: GPUComputePipeline, buffers: GPUBuffer[]) => device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encodeRun = (enc: GPUCommandEncoder, wgsl: string, buffers: GPUBuffer[], groups: number, times = 1) => {
      const pipeline = ctx.pipeline(wgsl, 'exp');
      const bg = bind(pipeline, buffers);
      const pass = enc.beginComputePass();
      for (let r = 0; r < times; r++) {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bg);
        const [x, y, z] = ctx.grid(groups);
        pass.dispatchWorkgroups(x, y, z);
      }
      pass.end();
    };
    const runOnce = async (wgsl: string, buffers: GPUBuffer[], groups: number) => {
      const enc = device.createCommandEncoder();
      encodeRun(enc, wgsl, buffers, groups);
      device.queue.submit([enc.finish()]);
      await ctx.settle('run');
    };
    const copy = async (from: GPUBuffer, to: GPUBuffer) => {
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(from, 0, to, 0, mapBytes);
      device.queue.submit([enc.finish()]);
      await done();
    };
    const time = async (name: string, wgsl: string, buffers: GPUBuffer[], groups: number, bytesMoved: number) => {
      if (!want(name)) return;
      await runOnce(wgsl, buffers, groups);
      const perCall: number[] = [];
      for (let k = 0; k < 5; k++) {
        const enc = device.createCommandEncoder();
        encodeRun(enc, wgsl, buffers, groups, values.reps);
        const t0 = performance.now();
        device.queue.submit([enc.finish()]);
        await done();
        perCall.push((performance.now() - t0) / values.reps);
      }
      const single: number[] = [];
      for (let k = 0; k < 10; k++) {
        const enc = device.createCommandEncoder();
        encodeRun(enc, wgsl, buffers, groups, 1);
        const t0 = performance.now();
        device.queue.submit([enc.finish()]);
        await done();
        single.push(performance.now() - t0);
      }
      await ctx.settle(name);
      const ms = median(perCall);
      const row = { L, name, ms, min: Math.min(...perCall), singleMs: median(single), tbs: bytesMoved / (ms / 1000) / 1e12 };
      report.push(row);
      console.log(`L=${L} ${name.padEnd(28)} ${ms.toFixed(3)} ms (min ${row.min.toFixed(3)}, one awaited dispatch ${row.singleMs.toFixed(3)}), ${row.tbs.toFixed(2)} TB/s effective`);
    };
    // Max |a - b| and max |b| over the map, on the GPU.
    const cmp = buf(8, RAW_STORAGE_USAGE);
    const cmpWgsl = `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> r: array<atomic<u32>, 2>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wg.y * groups.x + wg.x) * 256u + lid;
  if (e >= ${mapBytes / 4}u) { return; }
  let d = abs(a[e] - b[e]);
  atomicMax(&r[0], select(bitcast<u32>(d), 0x7fffffffu, d != d));
  atomicMax(&r[1], bitcast<u32>(abs(b[e])));
}`;
    const readBack = async (src: GPUBuffer, bytes: number) => {
      const staging = device.createBuffer({ size: bytes, usage: 0x0001 | 0x0008 });
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(src, 0, staging, 0, bytes);
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(1);
      const out = new Float32Array(staging.getMappedRange().slice(0));
      staging.destroy();
      return out;
    };
    const compare = async (name: string, a: GPUBuffer, b: GPUBuffer) => {
      device.queue.writeBuffer(cmp, 0, new Uint32Array([0, 0]));
      await runOnce(cmpWgsl, [a, b, cmp], Math.ceil(mapBytes / 4 / 256));
      const [d, m] = new Float32Array((await readBack(cmp, 8)).buffer);
      console.log(`L=${L} check ${name}: max |diff| ${d!.toExponential(2)} of max ${m!.toExponential(2)}`);
      report.push({ L, name: `check ${name}`, maxDiff: d, maxRef: m });
    };
    // Random inputs on the GPU (hash of the index).
    const fillWgsl = (scale: number, seed: number) => `@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wg.y * groups.x + wg.x) * 256u + lid;
  if (e >= ${mapBytes / 4}u) { return; }
  var h = e * 747796405u + ${seed}u;
  h = ((h >> ((h >> 28u) + 4u)) ^ h) * 277803737u;
  h = (h >> 22u) ^ h;
  o[e] = (f32(h & 0xffffffu) / 16777216.0 * 2.0 - 1.0) * ${scale.toFixed(3)};
}`;
    await runOnce(fillWgsl(3, 17), [S], Math.ceil(mapBytes / 4 / 256));
    await runOnce(fillWgsl(1, 91), [G], Math.ceil(mapBytes / 4 / 256));
    const rows = g.B * g.Cin * L;
    const elems = mapBytes / 4;
    const tri = (elems / 2) * 4; // bytes of the causal half

    // Bandwidth references.
    const copyWgsl = (vec: boolean) => `@group(0) @binding(0) var<storage, read> a: array<${vec ? 'vec4<f32>' : 'f32'}>;
@group(0) @binding(1) var<storage, read_write> o: array<${vec ? 'vec4<f32>' : 'f32'}>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wg.y * groups.x + wg.x) * 256u + lid;
  if (e < ${vec ? elems / 4 : elems}u) { o[e] = a[e]; }
}`;
    await time('copy f32', copyWgsl(false), [S, T1], Math.ceil(elems / 256), 2 * mapBytes);
    await time('copy vec4', copyWgsl(true), [S, T1], Math.ceil(elems / 4 / 256), 2 * mapBytes);

    // Forward: activation S -> P, conv P -> O; the streaming / per-position passes against the quad ones.
    const act = rowActivationShader(g, g.Cin, wg, false);
    await runOnce(act, [S, P], rows);
    await time('act stream', act, [S, P], rows, tri + mapBytes);
    const act4 = quadRowActivationShader(g, g.Cin, wg, false);
    await runOnce(act4, [S, O2], rows);
    await compare('act quad', O2, P);
    await time('act quad', act4, [S, O2], rows, tri + mapBytes);
    const conv = convForwardUnrolledShader(g, wg);
    await runOnce(conv, [P, wU, O, bias], convWorkgroups(g, 'f32', wg));
    await time('conv position', conv, [P, wU, O, bias], convWorkgroups(g, 'f32', wg), tri + mapBytes);
    const conv4 = quadConvForwardShader(g, wg);
    await runOnce(conv4, [P, wU, O2, bias], quadConvWorkgroups(g, wg));
    await compare('conv quad', O2, O);
    await time('conv quad', conv4, [P, wU, O2, bias], quadConvWorkgroups(g, wg), tri + mapBytes);

    // Backward: convT G -> T1 (dP), VJP in place, weight gradient from (G, P).
    const convT = convTransposeUnrolledShader(g, wg);
    await runOnce(convT, [G, wU, T1], convWorkgroups(g, 'f32', wg));
    await time('convT position', convT, [G, wU, T1], convWorkgroups(g, 'f32', wg), tri + mapBytes);
    const convT4 = quadConvTransposeShader(g, wg);
    await runOnce(convT4, [G, wU, T2], quadConvWorkgroups(g, wg));
    await compare('convT quad', T2, T1);
    await time('convT quad', convT4, [G, wU, T2], quadConvWorkgroups(g, wg), tri + mapBytes);

    const vjp = rowVjpShader(g, g.Cin, wg, true);
    await runOnce(convT, [G, wU, T1], convWorkgroups(g, 'f32', wg));
    await copy(T1, T2);
    await runOnce(vjp, [P, T1], rows);
    const vjp4 = quadRowVjpShader(g, g.Cin, wg, true);
    await copy(T2, O2);
    await runOnce(vjp4, [P, O2], rows);
    await compare('vjp quad', O2, T1);
    await time('vjp quad', vjp4, [P, O2], rows, 3 * tri);
    await time('vjp stream', vjp, [P, T1], rows, 3 * tri);

    // Weight gradient, pass 1: both forms write (co, cil, chunk, slot) partials; summed here in float64.
    const storageBytes = ctx.limits.maxWorkgroupStorageBytes;
    const forms = [
      { name: 'wgrad pairs', plan: planPairsWeightGrad(g), wgsl: (plan: WeightGradPlan) => weightGradPartialsShader(g, plan, wg, storageBytes) },
      { name: 'wgrad channels', plan: planChannelsWeightGrad(g), wgsl: (plan: WeightGradPlan) => weightGradChannelsShader(g, plan, wg, storageBytes) },
    ];
    const partials = buf(Math.max(...forms.map((f) => f.plan.partialCount)) * 4);
    let reference: Float64Array | null = null;
    for (const form of forms) {
      const wgsl = form.wgsl(form.plan);
      await runOnce(wgsl, [G, P, partials], form.plan.workgroups);
      const sums = sumPartials(g, form.plan, await readBack(partials, form.plan.partialCount * 4));
      if (reference) {
        const worst = Math.max(...sums.map((v, k) => Math.abs(v - reference![k]!)));
        const norm = Math.max(...reference.map(Math.abs));
        console.log(`L=${L} check ${form.name}: max |diff| ${worst.toExponential(2)} of max ${norm.toExponential(2)}`);
        report.push({ L, name: `check ${form.name}`, maxDiff: worst, maxRef: norm });
      }
      reference ??= sums;
      await time(form.name, wgsl, [G, P, partials], form.plan.workgroups, 2 * tri);
    }
    for (const b of [S, P, O, O2, G, T1, T2, wU, bias, partials, cmp]) b.destroy();
  }
  writeJson(values.out, 'kernels.json', report);
}

/** dW (co, cil, tap) then db (co) from pass-1 partials laid out (co, cil, chunk, slot), the bias in cil 0's last slot. */
function sumPartials(g: MtaGeometry, plan: WeightGradPlan, parts: Float32Array): Float64Array {
  const taps = plan.slots - 1;
  const sums = new Float64Array(g.wElems + g.Cout);
  for (let co = 0; co < g.Cout; co++) for (let cil = 0; cil < g.cig; cil++) for (let ch = 0; ch < plan.chunks; ch++) for (let s = 0; s < plan.slots; s++) {
    const v = parts[((co * g.cig + cil) * plan.chunks + ch) * plan.slots + s]!;
    if (s < taps) sums[(co * g.cig + cil) * taps + s]! += v;
    else if (cil === 0) sums[g.wElems + co]! += v;
  }
  return sums;
}

runTool(main);

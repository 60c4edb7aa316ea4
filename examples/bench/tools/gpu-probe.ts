/**
 * The floor a webgpu kernel stands on, measured on the machine it runs: the submit round trip (an empty
 * submit until `onSubmittedWorkDone()` resolves), the JavaScript time of one MTA call (encoding only, no
 * wait), and streaming bandwidth through Dawn (a copy and a fill kernel over 512 MiB, scalar and vec4).
 * Bundled like gpu-bench.ts (`tools/bundle-gpu-bench.sh OUT.mjs tools/gpu-probe.ts`):
 *   bash .gpu/run.sh node gpu-probe.mjs --out DIR
 */
import { integer, listOf, text } from '@mta/args';
import { tensor, tidy } from '@mta/core';
import { multiTokenAttention } from '@mta/ops-mta';
import { toolFlags } from './tool-flags';
import { DEFAULT_SIZE } from '../src/problem';
import { runTool, writeJson } from './tool-main';
import { median } from '../src/harness';
import { startWebgpu, RAW_STORAGE_USAGE } from './webgpu-tool';

const { values } = toolFlags(process.argv.slice(2), {
  L: { value: listOf(integer({ min: 1 })), default: [512, 1024], help: 'sequence lengths for the JavaScript time per call' },
  mib: { value: integer({ min: 1 }), default: 512, help: 'MiB per buffer in the bandwidth kernels' },
  out: { value: text('a directory'), default: 'gpu-probe-out', help: 'output directory' },
}, 'node gpu-probe.mjs [--L 512,1024] [--mib N] [--out DIR]');

async function main(): Promise<void> {
  const ctx = await startWebgpu();
  const device = ctx.device;
  const done = () => device.queue.onSubmittedWorkDone();
  const report: Record<string, unknown> = { adapter: ctx.adapterInfo };

  const roundTrip: number[] = [];
  for (let k = 0; k < 200; k++) {
    const t0 = performance.now();
    device.queue.submit([]);
    await done();
    roundTrip.push(performance.now() - t0);
  }
  report['emptySubmitRoundTripMs'] = median(roundTrip);
  console.log(`empty submit + onSubmittedWorkDone: median ${median(roundTrip).toFixed(3)} ms, min ${Math.min(...roundTrip).toFixed(3)} ms`);

  const { B, C, K } = DEFAULT_SIZE;
  const perL: Record<string, unknown>[] = [];
  for (const L of values.L) {
    const r = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
    const s = tensor(r(B * C * L * L), [B, C, L, L], { device: 'webgpu', requiresGrad: true });
    const w = tensor(r(C * C * K * K), [C, C, K, K], { device: 'webgpu', requiresGrad: true });
    const b = tensor(r(C), [C], { device: 'webgpu', requiresGrad: true });
    const g = tensor(r(B * C * L * L), [B, C, L, L], { device: 'webgpu' });
    const fwdJs: number[] = [], fwdWall: number[] = [], bwdJs: number[] = [], fbWall: number[] = [];
    for (let k = 0; k < 60; k++) {
      const t0 = performance.now();
      tidy(() => { multiTokenAttention(s, w, b, { padding: DEFAULT_SIZE.padding }); });
      const t1 = performance.now();
      await done();
      const t2 = performance.now();
      tidy(() => multiTokenAttention(s, w, b, { padding: DEFAULT_SIZE.padding }).backward(g));
      const t3 = performance.now();
      await done();
      const t4 = performance.now();
      for (const t of [s, w, b]) { t.grad?.dispose(); t.grad = null; }
      if (k >= 10) { fwdJs.push(t1 - t0); fwdWall.push(t2 - t0); bwdJs.push(t3 - t2); fbWall.push(t4 - t2); }
    }
    const row = { L, forwardJsMs: median(fwdJs), forwardWallMs: median(fwdWall), forwardBackwardJsMs: median(bwdJs), forwardBackwardWallMs: median(fbWall) };
    perL.push(row);
    console.log(`L=${L}: forward JS ${row.forwardJsMs.toFixed(3)} ms of ${row.forwardWallMs.toFixed(3)} ms wall; forward+backward JS ${row.forwardBackwardJsMs.toFixed(3)} ms of ${row.forwardBackwardWallMs.toFixed(3)} ms wall`);
    for (const t of [s, w, b, g]) t.dispose();
  }
  report['perCall'] = perL;

  const bytes = values.mib * 2 ** 20;
  const usage = RAW_STORAGE_USAGE;
  const src = device.createBuffer({ size: bytes, usage });
  const dst = device.createBuffer({ size: bytes, usage });
  const kernels: Record<string, { wgsl: string; perThread: number; readWrite: number }> = {
    'copy f32': { perThread: 1, readWrite: 2, wgsl: 'var<storage, read> a: array<f32>; @group(0) @binding(1) var<storage, read_write> o: array<f32>;\nfn body(i: u32) { o[i] = a[i]; }' },
    'copy vec4': { perThread: 4, readWrite: 2, wgsl: 'var<storage, read> a: array<vec4<f32>>; @group(0) @binding(1) var<storage, read_write> o: array<vec4<f32>>;\nfn body(i: u32) { o[i] = a[i]; }' },
    'fill f32': { perThread: 1, readWrite: 1, wgsl: 'var<storage, read> a: array<f32>; @group(0) @binding(1) var<storage, read_write> o: array<f32>;\nfn body(i: u32) { o[i] = f32(i & 7u); if (i == 0xffffffffu) { o[0] = a[0]; } }' },
    'fill vec4': { perThread: 4, readWrite: 1, wgsl: 'var<storage, read> a: array<vec4<f32>>; @group(0) @binding(1) var<storage, read_write> o: array<vec4<f32>>;\nfn body(i: u32) { o[i] = vec4<f32>(f32(i & 7u)); if (i == 0xffffffffu) { o[0] = a[0]; } }' },
  };
  const bandwidth: Record<string, number> = {};
  for (const [name, k] of Object.entries(kernels)) {
    const items = bytes / 4 / k.perThread;
    const groups = items / 256;
    const gx = Math.min(groups, 32768);
    const gy = Math.ceil(groups / gx);
    const code = `@group(0) @binding(0) ${k.wgsl}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.y * ${gx * 256}u + id.x;
  if (i < ${items}u) { body(i); }
}`;
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
    const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: src } }, { binding: 1, resource: { buffer: dst } }] });
    const run = async (n: number) => {
      const enc = device.createCommandEncoder();
      for (let r = 0; r < n; r++) {
        const pass = enc.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bind);
        pass.dispatchWorkgroups(gx, gy);
        pass.end();
      }
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await done();
      return performance.now() - t0;
    };
    await run(2);
    const times: number[] = [];
    for (let r = 0; r < 5; r++) times.push((await run(20)) / 20);
    const ms = median(times);
    bandwidth[name] = (k.readWrite * bytes) / (ms / 1000) / 1e12;
    console.log(`${name}: ${ms.toFixed(3)} ms per pass over ${values.mib} MiB = ${bandwidth[name]!.toFixed(2)} TB/s`);
  }
  src.destroy();
  dst.destroy();
  report['bandwidthTBs'] = bandwidth;
  writeJson(values.out, 'probe.json', report);
}

runTool(main);

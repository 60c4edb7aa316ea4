/**
 * Where a whole MTA call's wall time goes beyond its kernels (experiment): JavaScript per call, wall per call
 * awaited one by one against pipelined, clears and buffers per call, and one dispatch per awaited submit.
 */
import { integer, listOf, text } from '@mta/args';
import { tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention } from '@mta/ops-mta';
import { toolFlags } from '../tool-flags';
import { runTool, writeJson } from '../tool-main';
import { median } from '../../src/harness';
import { startWebgpu } from '../webgpu-tool';

const { values } = toolFlags(process.argv.slice(2), {
  L: { value: listOf(integer({ min: 4 })), default: [2048, 4096, 8192], help: 'sequence lengths' },
  out: { value: text('a directory'), default: 'gpu-calls-out', help: 'output directory' },
}, 'node gpu-calls.mjs [--L 2048,4096] [--out DIR]');

async function main(): Promise<void> {
  const ctx = await startWebgpu();
  const device = ctx.device;
  const done = () => device.queue.onSubmittedWorkDone();
  // Count clears and copies recorded per call.
  const counts = { clears: 0, clearBytes: 0, copies: 0, copyBytes: 0, submits: 0 };
  const createEncoder = device.createCommandEncoder.bind(device);
  device.createCommandEncoder = (d?: GPUCommandEncoderDescriptor) => {
    const enc = createEncoder(d);
    const clear = enc.clearBuffer.bind(enc);
    enc.clearBuffer = (b: GPUBuffer, offset?: number, size?: number) => { counts.clears++; counts.clearBytes += size ?? b.size - (offset ?? 0); clear(b, offset, size); };
    const copy = enc.copyBufferToBuffer.bind(enc) as (...a: unknown[]) => void;
    (enc as { copyBufferToBuffer: (...a: unknown[]) => void }).copyBufferToBuffer = (...a: unknown[]) => { counts.copies++; counts.copyBytes += Number(a[4] ?? 0); copy(...a); };
    return enc;
  };
  const submit = device.queue.submit.bind(device.queue);
  device.queue.submit = (buffers: Iterable<GPUCommandBuffer>) => { counts.submits++; submit(buffers); };
  const rows: Record<string, unknown>[] = [];
  for (const L of values.L) {
    const B = 2, C = 4, K = 3;
    const random = (n: number, scale: number) => { const a = new Float32Array(n); for (let k = 0; k < n; k++) a[k] = (((k * 7919) % 2003) / 1001.5 - 1) * scale; return a; };
    const scores = tensor(random(B * C * L * L, 3), [B, C, L, L], { device: 'webgpu', requiresGrad: true });
    const weight = tensor(random(C * C * K * K, 1 / K), [C, C, K, K], { device: 'webgpu', requiresGrad: true });
    const bias = tensor(random(C, 0.1), [C], { device: 'webgpu', requiresGrad: true });
    const gradOut = tensor(random(B * C * L * L, 1), [B, C, L, L], { device: 'webgpu' });
    const leaves: Tensor[] = [scores, weight, bias];
    const clearGrads = () => leaves.forEach((t) => { t.grad?.dispose(); t.grad = null; });
    const fwd = () => tidy(() => { multiTokenAttention(scores, weight, bias, { padding: 1 }); });
    const fb = () => { tidy(() => multiTokenAttention(scores, weight, bias, { padding: 1 }).backward(gradOut)); clearGrads(); };
    for (const [name, call] of [['forward', fwd], ['forward+backward', fb]] as const) {
      for (let k = 0; k < 3; k++) { call(); await done(); }
      const js: number[] = [], wall: number[] = [];
      const c0 = { ...counts };
      for (let k = 0; k < 10; k++) {
        const t0 = performance.now();
        call();
        const t1 = performance.now();
        await done();
        const t2 = performance.now();
        js.push(t1 - t0);
        wall.push(t2 - t0);
      }
      const per = (key: keyof typeof counts) => (counts[key] - c0[key]) / 10;
      const t0 = performance.now();
      for (let k = 0; k < 10; k++) call();
      await done();
      const pipelined = (performance.now() - t0) / 10;
      await ctx.settle(name);
      const row = { L, name, jsMs: median(js), wallMs: median(wall), wallMin: Math.min(...wall), pipelinedMs: pipelined, clearsPerCall: per('clears'), clearMiBPerCall: per('clearBytes') / 2 ** 20, copiesPerCall: per('copies'), copyMiBPerCall: per('copyBytes') / 2 ** 20, submitsPerCall: per('submits') };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    clearGrads();
    for (const t of [...leaves, gradOut]) t.dispose();
  }
  writeJson(values.out, 'calls.json', rows);
}

runTool(main);

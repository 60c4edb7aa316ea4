import { afterAll, describe, expect, it } from 'vitest';
import { matmul, opReferences, runOpSuite, setFallback, sum, max, tensor, transpose, Rng } from '@mta/core';
import '@mta/device-cpu/register';
import { matmulTiles, releaseWebgpu, webgpuContext } from '../src/index.js';
import { webgpuForTests } from '../src/testing.js';

/**
 * The kernels a GPU gets, on whatever adapter this machine has: a software adapter (SwiftShader) normally
 * gets CPU-shaped kernels (32-invocation workgroups, a matmul without workgroup memory), so this file (its
 * own worker, so its own device) asks for the hardware workgroup size and the GPU kernels, and checks the
 * tiled matmul over the suite's cases and over shapes of several tiles, edges and broadcast batches.
 */
process.env['MTA_WEBGPU_WORKGROUP_SIZE'] = '256';
process.env['MTA_WEBGPU_GPU_KERNELS'] = '1';
setFallback({ strict: true });
const gpu = await webgpuForTests();
afterAll(() => releaseWebgpu());

if (gpu.ready) {
  // Only the matmul and reduction groups: the other kernels have one shape of kernel on every adapter.
  runOpSuite('webgpu', { describe, it, expect }, {
    substitute: { float64: 'float32' }, gradients: false,
    skip: [{ match: /^(?!matmul: |reduce: )/, reason: 'same kernel on every adapter: op-suite.test.ts' }],
  });
}

describe.skipIf(!gpu.ready)(`tiled matmul at the hardware workgroup size (${gpu.ready ? gpu.adapter : 'skipped'})`, () => {
  it('runs tiled, with tiles from the adapter limits', () => {
    const limits = webgpuContext().limits;
    expect(limits.software).toBe(false);
    expect(limits.workgroupSize).toBe(256);
    const tiles = matmulTiles(limits);
    expect(tiles.tx * tiles.ty).toBe(256);
    expect((tiles.ty * tiles.rm * tiles.bk + tiles.bk * tiles.tx * tiles.rn) * 4).toBeLessThanOrEqual(limits.maxWorkgroupStorageBytes);
    // A small workgroup storage shrinks the panels instead of failing.
    const small = matmulTiles({ workgroupSize: 256, maxWorkgroupStorageBytes: 4096 });
    expect((small.ty * small.rm * small.bk + small.bk * small.tx * small.rn) * 4).toBeLessThanOrEqual(4096);
  });

  const rng = new Rng(7);
  const values = (n: number) => Array.from({ length: n }, () => Math.fround(rng.uniform() * 2 - 1));
  const CASES: { name: string; a: number[]; b: number[]; transposeB?: boolean }[] = [
    { name: 'several tiles each way with ragged edges [130,70] @ [70,129]', a: [130, 70], b: [70, 129] },
    { name: 'a transposed weight (strided B) [100,64] @ [96,64]^T', a: [100, 64], b: [96, 64], transposeB: true },
    { name: 'broadcast batches [3,1,65,17] @ [2,17,66]', a: [3, 1, 65, 17], b: [2, 17, 66] },
  ];
  for (const c of CASES) {
    it(c.name, async () => {
      const av = values(c.a.reduce((p, n) => p * n, 1)), bv = values(c.b.reduce((p, n) => p * n, 1));
      const a = tensor(av, c.a, { device: 'webgpu' });
      const bBase = tensor(bv, c.b, { device: 'webgpu' });
      const b = c.transposeB ? transpose(bBase) : bBase;
      const bRef = c.transposeB ? opReferences.permuteRef(opReferences.ref(c.b, bv), [1, 0]) : opReferences.ref(c.b, bv);
      const want = opReferences.matmulRef(opReferences.ref(c.a, av), bRef);
      const got = await matmul(a, b).data();
      expect(Array.from(got.length === want.data.length ? [got.length] : [])).toEqual([want.data.length]);
      let worst = 0;
      want.data.forEach((w, i) => { worst = Math.max(worst, Math.abs(got[i]! - w)); });
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('long reductions take a workgroup per output', async () => {
    const x = tensor(values(4 * 3000), [4, 3000], { device: 'webgpu' });
    const host = Float64Array.from(await x.data());
    const rowSums = [0, 1, 2, 3].map((r) => host.slice(r * 3000, (r + 1) * 3000).reduce((s, v) => s + v, 0));
    const rowMax = [0, 1, 2, 3].map((r) => Math.max(...host.slice(r * 3000, (r + 1) * 3000)));
    Array.from(await sum(x, 1).data()).forEach((v, r) => expect(Math.abs(v - rowSums[r]!)).toBeLessThan(1e-4));
    expect(Array.from(await max(x, 1).data())).toEqual(rowMax.map(Math.fround));
  });
});

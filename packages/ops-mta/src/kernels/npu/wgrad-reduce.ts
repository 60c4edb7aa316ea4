/**
 * Cross-core reduction of the weight/bias gradient partials: partials[p][k] for p < P cores are summed
 * (Kahan, float32) chunk by chunk and written to dW (the first wElems entries) and db (Cout entries from
 * biasGradOffset, the next 32-byte block, so that in every chunk of whole blocks they start on one).
 */
import { allocPlanned, plannedBuffer, storeF32, type GmBuffer, type LaunchRecord, type NpuSimulator } from '@mta/device-npu';
import type { NpuKernelPlan, ReduceTiling } from './plan-types.js';
import { pitch8 } from './ub-buffers.js';

export interface WgradReduceArgs {
  readonly kplan: NpuKernelPlan;
  readonly partials: GmBuffer;
  /** Rows of `partials` actually written (the producing kernel's core count). */
  readonly partialRows: number;
  readonly wElems: number;
  readonly gradWeight: GmBuffer;
  readonly gradBias: GmBuffer | null;
}

export function runWgradReduce(sim: NpuSimulator, a: WgradReduceArgs): LaunchRecord {
  const t = a.kplan.tiling as ReduceTiling;
  const nW = t.elems;
  return sim.launch(
    {
      kernel: a.kplan.name,
      plan: `${a.partialRows} partials x ${nW} elements in ${t.chunks} chunks of ${t.chunk}`,
      cores: a.kplan.cores,
      doubleBuffered: a.kplan.doubleBuffered,
      outputs: [a.gradWeight, ...(a.gradBias ? [a.gradBias] : [])],
      minReadBytes: a.partialRows * nW * 4,
      minWriteBytes: a.gradWeight.byteLength + (a.gradBias?.byteLength ?? 0),
    },
    (ctx) => {
      const bufs = allocPlanned(ctx, a.kplan.buffers);
      const sum = plannedBuffer(bufs, 'sum', a.kplan.name);
      const comp = plannedBuffer(bufs, 'comp', a.kplan.name);
      const part = plannedBuffer(bufs, 'part', a.kplan.name);
      const stage = bufs.get('stage') ?? null;
      for (let c = ctx.coreId; c < t.chunks; c += ctx.coreCount) {
        const e0 = c * t.chunk;
        const n = Math.min(t.chunk, nW - e0);
        ctx.setTile(`elements [${e0}, ${e0 + n})`);
        ctx.v.fill(sum, 0, n, 0);
        ctx.v.fill(comp, 0, n, 0);
        for (let p = 0; p < a.partialRows; p++) {
          ctx.copyInPad(part, 0, a.partials, p * pitch8(nW) + e0, n);
          ctx.v.kahanAccumulate(sum, 0, comp, 0, part, 0, n);
        }
        const nWeight = Math.max(0, Math.min(n, a.wElems - e0));
        storeF32(ctx, a.gradWeight, e0, sum, 0, nWeight, stage);
        const biasAt = pitch8(a.wElems);
        const from = Math.max(0, biasAt - e0);
        if (a.gradBias && n > from) storeF32(ctx, a.gradBias, e0 + from - biasAt, sum, from, n - from, stage);
      }
    },
  );
}

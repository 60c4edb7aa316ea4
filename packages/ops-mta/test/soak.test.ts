/**
 * Soak (issue 13): 1,000 training steps of a tiny MTA model on cpu and on npu. After warm-up, live
 * tensors, live and pooled bytes on every device, and the npu simulator's launch log and GM pool must be
 * flat: anything that grows per step (a leaked tensor, a pool that never reuses, a record per launch)
 * shows up here as growth over ~1,000 steps.
 */
import '@mta/ops-mta/register';
import { describe, expect, it } from 'vitest';
import { Rng, getDevice, mean, mul, optim, randNormal, sub, tidy, type Tensor } from '@mta/core';
import { npuSimulator } from '@mta/device-npu';
import { multiTokenAttention } from '@mta/ops-mta';

const STEPS = 1000;
// Long enough for the npu launch log to reach its 256-record cap (3 launches, 2 groups per step).
const WARMUP = 200;

interface Snapshot { readonly [key: string]: number }

function snapshot(deviceName: string): Snapshot {
  const s: Record<string, number> = {};
  for (const name of new Set(['cpu', deviceName])) {
    const m = getDevice(name).memoryStats();
    s[`${name}.liveTensors`] = m.liveTensors;
    s[`${name}.liveBytes`] = m.liveBytes;
    s[`${name}.pooledBytes`] = m.pooledBytes;
  }
  if (deviceName === 'npu') {
    s['sim.records'] = npuSimulator().records.length;
    s['sim.groups'] = npuSimulator().groups.length;
    s['sim.pooledBytes'] = npuSimulator().pooledBytes;
  }
  return s;
}

describe('soak: 1,000 MTA training steps', () => {
  for (const device of ['cpu', 'npu'] as const) {
    it(`${device}: the loss falls and memory is flat after warm-up`, () => {
      const rng = new Rng(11);
      const [B, C, L] = [1, 2, 8];
      const scores = randNormal(rng, [B, C, L, L], 0, 1, { device }).keep();
      const target = randNormal(rng, [B, C, L, L], 0, 0.1, { device }).keep();
      const weight = randNormal(rng, [C, C, 3, 3], 0, 0.3, { device, requiresGrad: true }).keep();
      const bias = randNormal(rng, [C], 0, 0.1, { device, requiresGrad: true }).keep();
      const optimizer = new optim.Adam([weight, bias], { lr: 0.02 });
      const losses: number[] = [];
      let warm: Snapshot | null = null;
      for (let step = 0; step < STEPS; step++) {
        optimizer.zeroGrad();
        losses.push(tidy(() => {
          const out = multiTokenAttention(scores, weight, bias, { padding: 'causal', mode: step % 2 ? 'pre' : 'post' });
          const diff: Tensor = sub(out, target);
          const loss = mean(mul(diff, diff));
          loss.backward();
          return loss.item();
        }));
        optimizer.step();
        if (step === WARMUP) warm = snapshot(device);
      }
      const end = snapshot(device);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.slice(-10).reduce((a, b) => a + b, 0)).toBeLessThan(losses.slice(0, 10).reduce((a, b) => a + b, 0));
      expect(end, `${device}: after step ${WARMUP} vs after step ${STEPS}`).toEqual(warm);
      if (device === 'npu') expect(end['sim.records']).toBeLessThanOrEqual(256);
      for (const t of [scores, target, weight, bias]) { t.grad?.dispose(); t.dispose(); }
    });
  }
});

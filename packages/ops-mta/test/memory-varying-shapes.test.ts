import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Issue 13 item 8: MTA forward + backward with a random L per call made the cpu pool (keyed by exact length)
 * hold ~1 GiB and the npu simulator's GM pools grow without bound. Each device runs in a child process of
 * its own (tools/memory/varying-shapes.ts) so the peak RSS is that run's alone. The bound is generous (the
 * runs peak near 300 MiB of which ~115 MiB is node + tsx + the packages; before the fix: 1.0-1.9 GiB).
 */
const tool = fileURLToPath(new URL('../tools/memory/varying-shapes.ts', import.meta.url));
const run = promisify(execFile);

interface Result { device: string; peakRssMiB: number; pooledMiB: number; peakLiveMiB: number; liveTensors: number }

async function varyingShapes(device: string): Promise<Result> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', tool, '--device', device, '--calls', '100', '--seed', '3'],
    { timeout: 120_000, env: { ...process.env, MTA_CPU_THREADS: '2' } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Result;
}

describe('varying shapes: 100 MTA forward + backward calls, L in [16, 512]', () => {
  it('peak RSS stays bounded on cpu and npu, with the pools within their caps and no live tensor left', async () => {
    const results = await Promise.all([varyingShapes('cpu'), varyingShapes('npu')]);
    for (const r of results) {
      expect(r.peakRssMiB, `${r.device} peak RSS`).toBeLessThan(500);
      // The pool's budget: its cap (cpu 32 MiB, npu 16 MiB), or the peak working set if larger (both retainPeak).
      expect(r.pooledMiB, `${r.device} pooled`).toBeLessThanOrEqual(Math.max(r.device === 'cpu' ? 32 : 16, r.peakLiveMiB));
      expect(r.liveTensors).toBe(0);
    }
  }, 180_000);
});

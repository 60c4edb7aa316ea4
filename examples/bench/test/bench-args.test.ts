import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../src/args';
import { BENCH_BACKENDS } from '../src/backends/index';

describe('pnpm bench --backends', () => {
  it('leaves the WebGPU rows and the PyTorch peer out of the default run and runs them when named', () => {
    const optIn = BENCH_BACKENDS.filter((b) => b.optIn !== undefined).map((b) => b.name);
    expect([...optIn].sort()).toEqual(['ort-webgpu', 'torch', 'webgpu', 'webgpu-host']);
    const defaults = parseBenchArgs([], BENCH_BACKENDS).plan.backends.map((b) => b.name);
    expect(defaults).toEqual(BENCH_BACKENDS.map((b) => b.name).filter((n) => !optIn.includes(n)));
    const named = parseBenchArgs(['--backends', 'webgpu,ort-webgpu,cpu'], BENCH_BACKENDS).plan.backends.map((b) => b.name);
    expect(named).toEqual(['webgpu', 'ort-webgpu', 'cpu']);
    const withTorch = parseBenchArgs(['--peers', 'torch'], BENCH_BACKENDS).plan.backends.map((b) => b.name);
    expect(withTorch).toEqual([...defaults, 'torch']);
    // --peers takes opt-in peers only: our own opt-in rows are named with --backends.
    expect(() => parseBenchArgs(['--peers', 'webgpu'], BENCH_BACKENDS)).toThrow(/peers/);
  });
});

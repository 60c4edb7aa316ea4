import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../src/args';
import { BENCH_BACKENDS } from '../src/backends/index';

describe('pnpm bench --backends', () => {
  it('leaves the WebGPU rows out of the default run (they need an adapter) and runs them when named', () => {
    const optIn = BENCH_BACKENDS.filter((b) => b.optIn !== undefined).map((b) => b.name);
    expect([...optIn].sort()).toEqual(['ort-webgpu', 'webgpu', 'webgpu-host']);
    const defaults = parseBenchArgs([], BENCH_BACKENDS).plan.backends.map((b) => b.name);
    expect(defaults).toEqual(BENCH_BACKENDS.map((b) => b.name).filter((n) => !optIn.includes(n)));
    const named = parseBenchArgs(['--backends', 'webgpu,ort-webgpu,cpu'], BENCH_BACKENDS).plan.backends.map((b) => b.name);
    expect(named).toEqual(['webgpu', 'ort-webgpu', 'cpu']);
  });
});

/**
 * Parallel launches of the npu simulator (device-npu's parallel.ts, ops-mta's NpuThreadPool) report exactly
 * what the sequential simulator reports: every launch record but wall time, per core the vector and DMA
 * counters and the UB peak, explain()'s groups and the totals against the same fixture the sequential run is
 * held to (npu-counters.test.ts), and the bits of every output against the sequential run's (the fixture's
 * bits predate the float32 taps; npu-counters.test.ts says how it holds them). Every core of a parallel launch
 * runs on one of two workers (the calling thread only merges), so the write ledger's replay meets writes of
 * two threads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GmWriteRaceError, type NpuCorePool, NpuSimulator, UbOverflowError, makeNpuSpec } from '@mta/device-npu';
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@mta/core';
import { NpuThreadPool } from '../src/kernels/npu/pool.js';
import { NPU_THREADS_ENV_VAR, npuThreadsFromEnv } from '../src/kernels/npu/threads.js';
import { npuMtaBackward, npuMtaForward, planNpuMta } from '../src/kernels/npu/index.js';
import { COUNTER_CASES, type CaseCounters, captureCounters } from './support/npu-counters';
import { loadGolden, uploadGolden } from './support/npu-golden.js';
import { expectCounts, loadCounterFixture } from './support/npu-counters-fixture';

const fixture = loadCounterFixture();

// The golden shapes with poison on and off, half precision, multi-block kernels and the bench's shape.
const CASES = ['liger-b', 'long-130', 'pre-sparse', 'groups2', 'long-97-sparse bfloat16 16KiB', 'long-130 16KiB cap 7', 'L600 pre sparsemax 16KiB float16', 'L260 post softmax poison off', 'L1024 post softmax (bench)'];

/**
 * Three threads whose calling thread only merges, for the enclosing describe block: every core of a parallel
 * launch runs on one of the two workers; `.pool` is set once beforeAll has run.
 */
function workerPool(): { pool: NpuThreadPool } {
  const workers = {} as { pool: NpuThreadPool };
  beforeAll(async () => {
    // A short timeout: a worker that never wakes fails the launch in 20 s instead of blocking this thread in
    // Atomics.wait for the pool's default 10 minutes (vitest's timeout cannot interrupt a blocked thread).
    workers.pool = await NpuThreadPool.create({ threads: 3, callerWorks: false, timeoutMs: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await workers.pool.close();
  });
  return workers;
}

describe('npu parallel launches count exactly what sequential launches count', () => {
  const workers = workerPool();

  it.each(CASES.map((name) => [name, COUNTER_CASES.find((c) => c.name === name)!] as const))('%s', (name, c) => {
    let workerCores = 0;
    let gmOutsideArena = 0;
    let jobsWithoutArena = 0;
    const finish = workers.pool.finish.bind(workers.pool);
    const start = workers.pool.start.bind(workers.pool);
    // Count the cores the workers ran: the band launches must have run there, not fallen back to sequential.
    workers.pool.finish = () => {
      const r = finish();
      workerCores += r.results.length;
      return r;
    };
    // The workers' UBs and every GM buffer (all uploaded or allocated here) are in the shared wasm memory, so
    // their DMA is memory.copy: the counters and bits below then hold for that path.
    workers.pool.start = (job) => {
      if (job.arena === null || job.arena.ubBases.length < workers.pool.threads - 1) jobsWithoutArena++;
      gmOutsideArena += job.gms.filter((g) => !g.inArena).length;
      start(job);
    };
    let got: CaseCounters;
    try {
      got = captureCounters(c, workers.pool);
    } finally {
      workers.pool.finish = finish;
      workers.pool.start = start;
    }
    expect(jobsWithoutArena, 'launches whose workers have no UB region in the shared memory').toBe(0);
    expect(gmOutsideArena, 'GM buffers of parallel launches outside the shared memory').toBe(0);
    const want = fixture[name]!;
    const bandCores = want.launches.filter((l) => l.kernel.includes('.band') && l.cores > 1).reduce((n, l) => n + l.cores, 0);
    expect(workerCores, 'cores run on worker threads').toBe(bandCores);
    expectCounts(name, got, want);
    expect(got.outputs, `${name}: output bits, parallel against sequential`).toEqual(captureCounters(c).outputs);
  }, 120_000);
});

describe('a parallel launch that fails raises the sequential launch\'s own error', () => {
  const workers = workerPool();

  /** Forward + backward of a golden case on a simulator refusing two cores in one 32-byte block: the error and the records. */
  function strictRun(name: string, corePool: NpuCorePool | null): { error: unknown; records: unknown[] } {
    const c = loadGolden().find((g) => g.name === name)!;
    const spec = makeNpuSpec({ ub: '192KiB', env: {} });
    const sim = new NpuSimulator(spec, { exclusiveBlocks: true, corePool });
    let error: unknown = null;
    try {
      const plan = planNpuMta(c.shape, 'float32', spec, { config: c.config, bias: c.bias });
      const { s, w, b, g } = uploadGolden(sim, c);
      const { saved } = npuMtaForward(sim, s, w, b, c.shape, c.config, { plan });
      npuMtaBackward(sim, g, saved);
    } catch (e) {
      error = e;
    }
    return { error, records: sim.records.map(({ wallMs: _wall, ...rest }) => rest) };
  }

  it('a kernel that overflows the UB on a worker: the launch reruns here and throws the sequential UbOverflowError, with its record', () => {
    const c = loadGolden().find((g) => g.name === 'long-130')!;
    const spec = makeNpuSpec({ ub: '192KiB', env: {} });
    const plan = planNpuMta(c.shape, 'float32', spec, { config: c.config, bias: c.bias });
    // The band forward's plan with one more buffer than the UB holds: allocPlanned fails on every core.
    const huge = { name: 'huge', elems: spec.ubBytes / 4, dtype: 'float32' as const, copies: 1 as const, bytes: spec.ubBytes, purpose: 'test: no room' };
    const broken = { ...plan, forward: plan.forward.map((k) => (k.name.endsWith('.fwd.band') ? { ...k, buffers: [...k.buffers, huge] } : k)) };
    const run = (corePool: NpuCorePool | null): { error: unknown; records: unknown[] } => {
      const sim = new NpuSimulator(spec, { corePool });
      let error: unknown = null;
      try {
        const { s, w, b } = uploadGolden(sim, c);
        npuMtaForward(sim, s, w, b, c.shape, c.config, { plan: broken });
      } catch (e) {
        error = e;
      }
      return { error, records: sim.records.map(({ wallMs: _wall, ...rest }) => rest) };
    };
    const sequential = run(null);
    let workerErrors = 0;
    const finish = workers.pool.finish.bind(workers.pool);
    workers.pool.finish = () => {
      const r = finish();
      if (r.error !== null) workerErrors++;
      return r;
    };
    let threaded: ReturnType<typeof run>;
    try {
      threaded = run(workers.pool);
    } finally {
      workers.pool.finish = finish;
    }
    expect(workerErrors, 'the workers ran the launch and failed').toBe(1);
    expect(sequential.error).toBeInstanceOf(UbOverflowError);
    expect(threaded.error).toBeInstanceOf(UbOverflowError);
    expect((threaded.error as Error).message).toBe((sequential.error as Error).message);
    expect(threaded.records).toEqual(sequential.records);
  });

  it('long-130 under exclusiveBlocks: the race the replayed ledger finds is the sequential one, with its record', () => {
    const sequential = strictRun('long-130', null);
    const threaded = strictRun('long-130', workers.pool);
    expect(sequential.error).toBeInstanceOf(GmWriteRaceError);
    expect(threaded.error).toBeInstanceOf(GmWriteRaceError);
    expect((threaded.error as Error).message).toBe((sequential.error as Error).message);
    expect(threaded.records).toEqual(sequential.records);
  });
});

describe('MTA_NPU_THREADS', () => {
  it('is the thread count (1: sequential), every core when unset, and a named error otherwise', () => {
    expect(npuThreadsFromEnv({ [NPU_THREADS_ENV_VAR]: '1' })).toBe(1);
    expect(npuThreadsFromEnv({ [NPU_THREADS_ENV_VAR]: ' 3 ' })).toBe(3);
    expect(npuThreadsFromEnv({})).toBe(availableParallelism());
    for (const bad of ['0', '-2', '1.5', 'two']) expect(() => npuThreadsFromEnv({ [NPU_THREADS_ENV_VAR]: bad }), bad).toThrow(InvalidArgumentError);
  });
});

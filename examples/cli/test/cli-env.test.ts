import '@mta/ops-mta/register';
import { InvalidArgumentError } from '@mta/core';
import { registerMta, startMtaCpuThreads } from '@mta/ops-mta';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBackends } from '../src/setup';

/** Environment variables are read where they are used, and a malformed one is a named error there (issue 13, item 5). */
describe('environment variables', () => {
  const saved = { ub: process.env['ASCEND_UB_CAPACITY_BITS'], threads: process.env['MTA_CPU_THREADS'] };
  afterEach(() => {
    for (const [name, value] of [['ASCEND_UB_CAPACITY_BITS', saved.ub], ['MTA_CPU_THREADS', saved.threads]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('a malformed ASCEND_UB_CAPACITY_BITS leaves cpu runs alone and is named when the npu spec is built', async () => {
    process.env['ASCEND_UB_CAPACITY_BITS'] = 'abc';
    const [cpu] = await loadBackends(['cpu']);
    expect(cpu!.name).toBe('cpu');
    const npu = loadBackends(['npu']);
    await expect(npu).rejects.toThrow(InvalidArgumentError);
    await expect(loadBackends(['npu'])).rejects.toThrow(/ASCEND_UB_CAPACITY_BITS: expected a positive whole number of bits.*got "abc"/);
  });

  it('a malformed MTA_CPU_THREADS is a named error when the pool starts, not a silently disabled pool', () => {
    for (const bad of ['abc', '0', '2.5', '-1']) {
      process.env['MTA_CPU_THREADS'] = bad;
      expect(() => startMtaCpuThreads()).toThrow(InvalidArgumentError);
      expect(() => registerMta()).toThrow(new RegExp(`MTA_CPU_THREADS: expected a whole number of threads >= 1.*got "${bad}"`));
    }
  });
});

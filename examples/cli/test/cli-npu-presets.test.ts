import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The npu commands of issue 14: `plan --soc` (and `--soc list`), the liger-ascend planner, `golden --soc`,
 * `lint-npu` (clean for our kernels, exit 1 with PR #1122's unwritten columns), and lint-npu inside `check`.
 * In-process through runCli, as conventions.test.ts does.
 */
interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }
let runCli: (argv: readonly string[]) => Promise<number>;

async function mta(args: readonly string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  try {
    const code = await runCli(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

beforeAll(async () => {
  process.env['MTA_CPU_THREADS'] ??= '1';
  ({ runCli } = await import('../src/cli'));
});
afterAll(() => {
  delete process.env['ASCEND_SOC'];
});

describe('plan --soc', () => {
  it('--soc list --json prints the four presets, every value with its source', async () => {
    const r = await mta(['plan', '--soc', 'list', '--json']);
    expect(r.code).toBe(0);
    const { presets } = JSON.parse(r.stdout) as { presets: Array<Record<string, { value: number; source: string; estimate: boolean } | string>> };
    expect(presets.map((p) => p['name'])).toEqual(['910B1', '910B2', '910B3', '910B4']);
    for (const p of presets) {
      for (const key of ['ubBytes', 'vectorCores', 'cubeCores', 'clockHz', 'gmBytesPerSecond']) {
        const v = p[key] as { value: number; source: string; estimate: boolean };
        expect(v.value).toBeGreaterThan(0);
        expect(v.source).not.toBe('');
        expect(typeof v.estimate).toBe('boolean');
      }
    }
    expect((await mta(['plan', '--soc', 'list'])).stdout).toMatch(/910B4\s+192 KiB\s+40\s+20/);
  });

  it('plans on the preset\'s cores; a name that is not a preset is a usage error; L is required otherwise', async () => {
    const b2 = await mta(['plan', '--L', '256', '--soc', 'ascend910b2', '--json']);
    expect(b2.code).toBe(0);
    expect((JSON.parse(b2.stdout) as { spec: { vectorCores: number; soc: string } }).spec).toMatchObject({ vectorCores: 48, soc: '910B2' });
    const bad = await mta(['plan', '--L', '5', '--soc', '910C']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --soc: expected one of 910B1, 910B2, 910B3, 910B4 or list, got '910C'/);
    const noL = await mta(['plan', '--soc', '910B4']);
    expect(noL.code).toBe(2);
    expect(noL.stderr).toMatch(/--L is required/);
  });

  it('reads ASCEND_SOC, and a bad value there is a named error (exit 1)', async () => {
    process.env['ASCEND_SOC'] = '910B2';
    try {
      expect((JSON.parse((await mta(['plan', '--L', '16', '--json'])).stdout) as { spec: { vectorCores: number } }).spec.vectorCores).toBe(48);
      process.env['ASCEND_SOC'] = 'h100';
      const bad = await mta(['plan', '--L', '16']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/environment variable ASCEND_SOC: expected one of 910B1, 910B2, 910B3, 910B4.*got "h100"/);
    } finally {
      delete process.env['ASCEND_SOC'];
    }
  });
});

describe('plan --planner liger-ascend', () => {
  it('fits and covers every output at L = 64; overflows the UB in float32 at L = 8193 (8 x 8192 x 4 B backward)', async () => {
    expect((await mta(['plan', '--L', '64', '--planner', 'liger-ascend'])).code).toBe(0);
    const r = await mta(['plan', '--L', '8193', '--dtype', 'float32', '--planner', 'liger-ascend', '--json']);
    expect(r.code).toBe(1);
    const { plan, coverage } = JSON.parse(r.stdout) as { plan: { fits: boolean; backward: Array<{ name: string; ubBytes: number | null; fits: boolean }> }; coverage: Array<{ unwritten: number }> };
    expect(plan.fits).toBe(false);
    expect(plan.backward.find((k) => k.name === 'liger-ascend.fused-mask-softmax-bwd')).toMatchObject({ ubBytes: 262_144, fits: false });
    expect(coverage.every((e) => e.unwritten === 0)).toBe(true);
  });
});

describe('golden --soc', () => {
  it('passes 19/19 on the npu as a 910B2 at 16 KiB', async () => {
    const r = await mta(['golden', '--device', 'npu', '--soc', '910B2', '--ub', '16KiB', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ passed: 19, failed: 0 });
  });
});

describe('lint-npu', () => {
  it('is clean for our kernels (exit 0), with a JSON report per kernel', async () => {
    const r = await mta(['lint-npu', '--soc', '910B4,910B2', '--dtype', 'float32', '--ub', '16KiB,4KiB', '--L', '5,260', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { clean: boolean; violations: number; kernels: Array<{ kernel: string; firstViolation: unknown }> };
    expect(report).toMatchObject({ clean: true, violations: 0 });
    expect(report.kernels.map((k) => k.kernel)).toContain('mta.post.bwd.band.stats');
  });

  it('fails (exit 1) on liger-pr1122 with its unwritten columns, named as the simulator names them', async () => {
    const r = await mta(['lint-npu', '--planner', 'liger-pr1122', '--soc', '910B4', '--dtype', 'float32', '--ub', '16KiB', '--L', '2049']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/pr1122\.fused-mask-softmax-fwd {2}\[VIOLATION\]/);
    expect(r.stdout).toMatch(/first violation: unwritten \(UnwrittenOutputError\) .* L=2049 \[simulation\]: kernel 'pr1122.fused-mask-softmax-fwd' left 2,048/);
    expect(r.stdout).toMatch(/^VIOLATIONS: /m);
  });

  it('2 on a usage error', async () => {
    expect((await mta(['lint-npu', '--planner', 'triton'])).code).toBe(2);
    expect((await mta(['lint-npu', '--soc', '910C'])).code).toBe(2);
  });
});

describe('check', () => {
  it('runs lint-npu when the npu is a backend, and reports it in the JSON; cpu and npu agree on the default SoC', async () => {
    const r = await mta(['check', '--backends', 'cpu,npu', '--json']);
    const out = JSON.parse(r.stdout) as { failed: number; lintNpu: { clean: boolean; cases: { simulated: number; planned: number } } };
    // Includes the tiny model's pre-mode bias gradient (zero in exact arithmetic), floored as golden does.
    expect(out.failed).toBe(0);
    expect(r.code).toBe(0);
    expect(out.lintNpu.clean).toBe(true);
    expect(out.lintNpu.cases.simulated).toBeGreaterThan(100);
  }, 120_000);
});

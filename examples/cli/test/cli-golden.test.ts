import '@mta/ops-mta/register';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { goldenCommand } from '../src/golden';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `mta golden` in-process and returns its exit code and the parsed --json report. */
async function runGolden(argv: string[]): Promise<{ code: number; report: { manifest: string; passed: number; failed: number } }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => { lines.push(String(line)); });
  try {
    const code = await goldenCommand.run([...argv, '--device', 'cpu', '--json']);
    return { code, report: JSON.parse(lines.join('\n')) as { manifest: string; passed: number; failed: number } };
  } finally {
    log.mockRestore();
  }
}

describe('mta golden', () => {
  const savedInitCwd = process.env['INIT_CWD'];
  afterEach(() => {
    if (savedInitCwd === undefined) delete process.env['INIT_CWD'];
    else process.env['INIT_CWD'] = savedInitCwd;
  });

  // A fresh clone has no sibling directories: with no argument the command reads the committed cases.
  it.runIf(process.env['MTA_GOLDEN_DIR'] === undefined)('defaults to the repository\'s golden/public.json and passes 19/19 on cpu', async () => {
    const { code, report } = await runGolden([]);
    expect(report.manifest).toBe(`${repoRoot}golden/public.json`);
    expect(report).toMatchObject({ passed: 19, failed: 0 });
    expect(code).toBe(0);
  });

  it('resolves an explicit manifest path against the directory pnpm was run from', async () => {
    process.env['INIT_CWD'] = `${repoRoot}golden`;
    const { code, report } = await runGolden(['public.json']);
    expect(report.manifest).toBe(`${repoRoot}golden/public.json`);
    expect(code).toBe(0);
  });

  it('rejects more than one manifest', async () => {
    await expect(goldenCommand.run(['a.json', 'b.json'])).rejects.toThrow(/at most one manifest path, got 2/);
  });
});

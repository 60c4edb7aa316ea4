import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The command-line conventions of `pnpm mta` (examples/cli/src/cli.ts): exit 0 / 1 (a failed check, an
 * overflowing plan, a refused overwrite) / 2 (usage); `--json` on every command; relative paths against
 * the caller's directory (INIT_CWD, as pnpm sets it, here a temporary directory that is not the process's
 * cwd, so a path resolved against the wrong one shows); nothing overwritten without --force; progress on
 * stderr only on a terminal; no machine paths in committed results. Commands run in-process through
 * runCli (a process start costs a second on CI); one run goes through a real process for the exit code.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const MAIN = join(import.meta.dirname, '../src/main.ts');
const TSX = join(import.meta.dirname, '../node_modules/.bin/tsx');
/** The smallest training run that writes every file. */
const TINY = ['--model', 'mta', '--steps', '2', '--layers', '1', '--width', '16', '--heads', '2', '--val-size', '0', '--test-size', '4', '--eval-every', '0'];

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

let caller = '';
let runCli: (argv: readonly string[]) => Promise<number>;

async function mta(args: readonly string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  try {
    const code = await runCli(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

const json = (r: Run): unknown => JSON.parse(r.stdout);

let initCwd: string | undefined;
beforeAll(async () => {
  caller = mkdtempSync(join(tmpdir(), 'mta-cli-caller-'));
  initCwd = process.env['INIT_CWD'];
  process.env['INIT_CWD'] = caller;
  process.env['MTA_CPU_THREADS'] ??= '1'; // read when the cli registers ops-mta: no worker pool for these small runs
  ({ runCli } = await import('../src/cli'));
});
afterAll(() => {
  if (initCwd === undefined) delete process.env['INIT_CWD'];
  else process.env['INIT_CWD'] = initCwd;
  if (caller) rmSync(caller, { recursive: true, force: true });
});

describe('exit codes', () => {
  it('2 for usage errors: an unknown command, an unknown flag, a bad value, a missing required flag', async () => {
    expect((await mta(['frobnicate'])).code).toBe(2);
    expect((await mta(['plan', '--L', '64', '--nope'])).code).toBe(2);
    expect((await mta(['plan', '--L', 'sixty'])).code).toBe(2);
    expect((await mta(['export', '--out', 'x.onnx'])).code).toBe(2);
    const noModel = await mta(['train', '--steps', '1']);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/model is required/);
  });

  it('plan: 0 when every kernel fits, 1 when one overflows the UB (the report still printed)', async () => {
    expect((await mta(['plan', '--L', '64', '--dtype', 'float16'])).code).toBe(0);
    const overflow = await mta(['plan', '--L', '4096', '--dtype', 'float32', '--ub', '16KiB', '--planner', 'liger-pr1122']);
    expect(overflow.code).toBe(1);
    expect(overflow.stdout).toMatch(/OVERFLOW the UB/);
    const asJson = await mta(['plan', '--L', '4096', '--dtype', 'float32', '--ub', '16KiB', '--planner', 'liger-pr1122', '--json']);
    expect(asJson.code).toBe(1);
    expect((json(asJson) as { plan: { fits: boolean } }).plan.fits).toBe(false);
  });

  it('golden: a manifest that cannot be read is a failure (1), its path resolved against the caller', async () => {
    const missing = await mta(['golden', 'no-such-manifest.json']);
    expect(missing.code).toBe(1);
    // Resolved against the caller's directory.
    expect(missing.stderr).toContain(join(caller, 'no-such-manifest.json'));
  });
});

describe('train and export', () => {
  it('--json, relative paths against the caller, no overwrite without --force, export never onto its checkpoint', async () => {
    const first = await mta(['train', ...TINY, '--out', 'run', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const report = json(first) as { files: { checkpoint: string }; test: { error: number } };
    expect(report.files.checkpoint).toBe(join(caller, 'run', 'checkpoint.safetensors'));
    expect(existsSync(join(process.cwd(), 'run'))).toBe(false);
    // Not a terminal: no progress on stderr (the messages stay), and nothing but JSON on stdout.
    expect(first.stderr).not.toMatch(/step \d+\/\d+|\r|\x1b\[/);

    const checkpoint = join(caller, 'run', 'checkpoint.safetensors');
    const before = readFileSync(checkpoint);
    const again = await mta(['train', ...TINY, '--out', 'run']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/earlier run .*--force/);
    expect(readFileSync(checkpoint).equals(before)).toBe(true);
    expect((await mta(['train', ...TINY, '--out', 'run', '--force'])).code).toBe(0);

    const exported = await mta(['export', '--checkpoint', 'run/checkpoint.safetensors', '--out', 'model.onnx', '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const summary = json(exported) as { out: string; bytes: number; inputs: string[] };
    expect(summary.out).toBe(join(caller, 'model.onnx'));
    expect(statSync(summary.out).size).toBe(summary.bytes);
    expect(summary.inputs).toEqual(['tokens']);

    const mtime = statSync(summary.out).mtimeMs;
    const refused = await mta(['export', '--checkpoint', 'run/checkpoint.safetensors', '--out', 'model.onnx']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/exists; pass --force/);
    expect(statSync(summary.out).mtimeMs).toBe(mtime);
    expect((await mta(['export', '--checkpoint', 'run/checkpoint.safetensors', '--out', 'model.onnx', '--force'])).code).toBe(0);

    const kept = readFileSync(checkpoint);
    for (const force of [[], ['--force']]) {
      const onto = await mta(['export', '--checkpoint', 'run/checkpoint.safetensors', '--out', './run/../run/checkpoint.safetensors', ...force]);
      expect(onto.code).toBe(1);
      expect(onto.stderr).toMatch(/is the checkpoint being exported/);
      expect(readFileSync(checkpoint).equals(kept)).toBe(true);
    }
  });
});

describe('--json on every command', () => {
  it('mlp, plan and golden print one JSON document on stdout', async () => {
    const mlp = await mta(['mlp', '--steps', '5', '--json']);
    expect(mlp.code).toBe(0);
    expect((json(mlp) as { losses: number[] }).losses).toHaveLength(5);
    const plan = await mta(['plan', '--L', '64', '--json']);
    expect(plan.code).toBe(0);
    expect(json(plan)).toHaveProperty('plan');
    const golden = await mta(['golden', '--json']);
    expect(golden.code, golden.stderr).toBe(0);
    expect((json(golden) as { failed: number }).failed).toBe(0);
  });

  it('every command lists --json in its help', async () => {
    for (const command of ['golden', 'check', 'plan', 'lint-npu', 'train', 'export', 'mlp']) expect((await mta([command, '--help'])).stdout, command).toContain('--json');
  });
});

describe('committed results', () => {
  const lsFiles = (...paths: string[]): string[] =>
    execFileSync('git', ['ls-files', ...paths], { cwd: REPO, encoding: 'utf8' }).split('\n').filter(Boolean);
  const machinePath = (text: string, roots: string): string | undefined =>
    text.match(new RegExp(`(^|[\\s"'(=])/(${roots})/[^\\s"']*`, 'm'))?.[0];

  it('carry no machine paths (bench/ and docs/results/: not even /tmp)', () => {
    const files = lsFiles('bench', 'docs/results');
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(machinePath(readFileSync(join(REPO, file), 'utf8'), 'work|home|tmp|root|Users|var/folders'), file).toBeUndefined();
  });

  it('and no committed data or documentation names a home or work directory', () => {
    const files = lsFiles().filter((f) => /\.(json|txt|md|svg|csv|html)$/.test(f) && f !== 'pnpm-lock.yaml');
    for (const file of files) expect(machinePath(readFileSync(join(REPO, file), 'utf8'), 'work|home|root|Users'), file).toBeUndefined();
  });
});

describe('a real process', () => {
  it('exits with the code runCli returns (1: an overflowing plan)', () => {
    const r = spawnSync(TSX, [MAIN, 'plan', '--L', '4096', '--dtype', 'float32', '--ub', '16KiB', '--planner', 'liger-pr1122'], {
      encoding: 'utf8', timeout: 60_000, env: { ...process.env, MTA_CPU_THREADS: '1' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/OVERFLOW the UB/);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_SCRIPT, runProbeInRepo, type ProbeResult } from './support/packaging-probe';

/**
 * The packages are publishable: `pnpm pack` gives tarballs of compiled JavaScript and declarations,
 * and a project outside the repo installs them with plain npm, runs MTA forward and backward on cpu,
 * and typechecks TypeScript against the declarations. Needs the npm registry for the packages'
 * own dependencies (ndarray).
 */
const REPO = resolve(import.meta.dirname, '../../..');
const PACKAGES = ['core', 'device-cpu', 'device-npu', 'ops-mta'] as const;
const TSC = join(REPO, 'node_modules/.bin/tsc');
const TIMEOUT_MS = 240_000;

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly exports?: unknown;
  readonly publishConfig?: { readonly exports?: unknown };
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** The child's environment without pnpm's npm_config_* settings, as a separate project would have it. */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm|pnpm)_config_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command; on failure the error carries its stdout and stderr, which say what went wrong. */
function run(cmd: string, args: readonly string[], cwd: string, timeout: number, env = plainEnv()): string {
  try {
    return execFileSync(cmd, args, { cwd, timeout, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} failed: ${e.message}\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`);
  }
}

const tarList = (tarball: string): string[] => run('tar', ['-tzf', tarball], REPO, 30_000).split('\n').filter(Boolean);
const tarJson = (tarball: string): PackageJson => JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], REPO, 30_000)) as PackageJson;

describe('packaging: pnpm pack, npm install elsewhere, use', { timeout: TIMEOUT_MS }, () => {
  let work = '';
  let consumer = '';
  const tarballs = new Map<string, string>();

  beforeAll(() => {
    // Always (incremental, fast when up to date): a stale dist/ would test yesterday's code.
    run('pnpm', ['exec', 'tsc', '-b', ...PACKAGES.map((p) => `packages/${p}`)], REPO, 120_000, process.env);
    work = mkdtempSync(join(tmpdir(), 'mta-packaging-'));
    for (const p of PACKAGES) {
      const out = run('pnpm', ['pack', '--pack-destination', work], join(REPO, 'packages', p), 60_000, process.env);
      const tarball = out.split('\n').map((l) => l.trim()).find((l) => l.endsWith('.tgz'));
      if (!tarball || !existsSync(tarball)) throw new Error(`pnpm pack in packages/${p} named no tarball:\n${out}`);
      tarballs.set(p, tarball);
    }
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'mta-consumer', private: true, type: 'module' }, null, 2));
    // All four together: the device and op packages peer-depend on core (one core per project).
    run('npm', ['install', ...tarballs.values(), '--no-audit', '--no-fund', '--loglevel=error'], consumer, 180_000);
  }, TIMEOUT_MS);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs compiled JavaScript and declarations, with exports and workspace ranges rewritten', () => {
    for (const p of PACKAGES) {
      const tarball = tarballs.get(p)!;
      const files = tarList(tarball);
      expect(files, p).toEqual(expect.arrayContaining(['package/package.json', 'package/dist/src/index.js', 'package/dist/src/index.d.ts']));
      expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), `${p}: TypeScript sources in the tarball`).toEqual([]);
      expect(files.filter((f) => f.startsWith('package/dist/test/')), `${p}: compiled tests in the tarball`).toEqual([]);
      // Every module has its declaration next to it.
      for (const js of files.filter((f) => f.endsWith('.js'))) expect(files, `${p}: declaration of ${js}`).toContain(js.replace(/\.js$/, '.d.ts'));

      const packed = tarJson(tarball);
      const source = JSON.parse(readFileSync(join(REPO, 'packages', p, 'package.json'), 'utf8')) as PackageJson;
      expect(packed.exports, `${p}: exports come from publishConfig`).toEqual(source.publishConfig?.exports);
      const entries: Record<string, unknown> = { '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' } };
      // Packages that register something do it from one side-effect entry, declared in sideEffects.
      if (p !== 'core') entries['./register'] = { types: './dist/src/register.d.ts', default: './dist/src/register.js' };
      expect(packed.exports).toEqual(entries);
      for (const field of ['dependencies', 'peerDependencies', 'devDependencies'] as const) {
        for (const [dep, range] of Object.entries(packed[field] ?? {})) {
          expect(range, `${p} ${field} ${dep}`).not.toMatch(/^workspace:/);
          // workspace:^ becomes ^<the sibling's version>.
          if (dep.startsWith('@mta/')) expect(range, `${p} ${field} ${dep}`).toBe(`^${tarJson(tarballs.get(dep.slice('@mta/'.length))!).version}`);
        }
      }
    }
  });

  it('runs MTA forward and backward from the installed packages, as in the repo', async () => {
    writeFileSync(join(consumer, 'probe.mjs'), PROBE_SCRIPT);
    const threads = process.env['MTA_CPU_THREADS'] ?? String(availableParallelism());
    const stdout = run(process.execPath, ['probe.mjs'], consumer, 120_000, plainEnv({ MTA_CPU_THREADS: threads }));
    const installed = JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
    const inRepo = await runProbeInRepo();
    // The packaged worker entry ran when the machine has threads to give.
    expect(installed.threads).toBe(Math.max(1, Number(threads)));
    expect(installed.values).toHaveLength(8);
    installed.values.forEach((v, i) => {
      expect(Number.isFinite(v), `value ${i} is finite`).toBe(true);
      expect(Math.abs(v - inRepo.values[i]!), `value ${i}: ${v} vs ${inRepo.values[i]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(inRepo.values[i]!)));
    });
  });

  for (const resolution of ['bundler', 'node16'] as const) {
    it(`typechecks a TypeScript consumer against the declarations (moduleResolution ${resolution})`, () => {
      writeFileSync(join(consumer, 'consumer.ts'), CONSUMER_TS);
      const tsconfig = {
        compilerOptions: {
          strict: true, noEmit: true, target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'],
          module: resolution === 'bundler' ? 'ESNext' : 'Node16', moduleResolution: resolution,
          // A consumer's default: the packages' declarations are checked too.
          skipLibCheck: false,
        },
        files: ['consumer.ts'],
      };
      writeFileSync(join(consumer, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig, null, 2));
      expect(run(TSC, ['-p', `tsconfig.${resolution}.json`], consumer, 120_000)).toBe('');
    });
  }
});

/**
 * Uses the public API across all packages. The @ts-expect-error line fails the check if the
 * declarations resolve to `any` (an unused expect-error is itself an error).
 */
const CONSUMER_TS = `import '@mta/ops-mta/register';
import { Rng, exportOnnx, tensor, type Tensor } from '@mta/core';
import { MultiTokenAttention, multiTokenAttention, type MtaOptions } from '@mta/ops-mta';

const options: MtaOptions = { mode: 'pre', sparse: true, padding: 'causal' };
const scores: Tensor = tensor(new Float32Array(16), [1, 1, 4, 4]);
const out: Tensor = multiTokenAttention(scores, tensor(new Float32Array(9), [1, 1, 3, 3]), null, options);
const dims: readonly number[] = out.shape;
const layer = new MultiTokenAttention(1, 1, new Rng(0), { padding: 'causal' });
const bytes: Uint8Array = exportOnnx(layer, [scores]).bytes;
// @ts-expect-error mode is 'post' | 'pre'
const wrong: MtaOptions = { mode: 'sideways' };
export { dims, bytes, wrong };
`;

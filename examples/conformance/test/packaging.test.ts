import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, runHeadlessPage } from './support/headless-page';
import { PROBE_SCRIPT, runProbeInRepo, type ProbeResult } from './support/packaging-probe';

/**
 * The packages install and run as a stranger gets them: `pnpm pack` of every package (its prepack builds
 * dist/), `npm install` of the tarballs into a project outside the workspace, and there (a) Node: MTA
 * forward and backward on cpu and npu, export, the export in onnxruntime-node, the READMEs' examples,
 * TypeScript against the declarations; (b) a browser: esbuild bundles a page of the installed packages
 * (platform browser: no node: import may be reached) that does the same with onnxruntime-web in headless
 * Chromium. Chromium missing fails under CI and skips, saying why, elsewhere. Needs the npm registry for
 * the packages' own dependencies (ndarray); onnxruntime is the harness's (linked from the workspace, not
 * downloaded), as a consumer would bring their own.
 */
const REPO = resolve(import.meta.dirname, '../../..');
/** Installed and run in the consumer project. */
const PACKAGES = ['core', 'device-cpu', 'device-npu', 'ops-mta'] as const;
/**
 * Packed and inspected: also device-webgpu, ops-mta's optional peer. It is not installed: npm leaves
 * optional peers out, and its Dawn binary needs a GPU adapter the consumer test does not assume.
 */
const PACKED = [...PACKAGES, 'device-webgpu'] as const;
const CONSUMER_FILES = join(import.meta.dirname, 'support/consumer');
const TSC = join(REPO, 'node_modules/.bin/tsc');
const TIMEOUT_MS = 120_000;

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly exports?: unknown;
  readonly publishConfig?: { readonly exports?: unknown };
  readonly files?: readonly string[];
  readonly sideEffects?: readonly string[];
  readonly scripts?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly [field: string]: unknown;
}

interface RoundTrip {
  readonly devices: Record<string, string>;
  readonly finite: boolean;
  readonly deviceDiff: Record<string, number>;
  readonly onnxBytes: number;
  readonly onnx: readonly { readonly length: number; readonly maxAbsDiff: number }[];
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
const lastJsonLine = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** The round trip's numbers, wherever it ran: both devices agree, ONNX Runtime matches cpu at both lengths. */
function expectRoundTrip(r: RoundTrip, where: string): void {
  expect(r.devices, where).toEqual({ cpu: 'cpu', npu: 'npu' });
  expect(r.finite, `${where}: finite outputs and gradients`).toBe(true);
  expect(r.deviceDiff['npu'], `${where}: npu vs cpu, forward and gradients`).toBeLessThanOrEqual(1e-4);
  expect(r.onnxBytes).toBeGreaterThan(0);
  expect(r.onnx.map((o) => o.length), where).toEqual([24, 40]);
  for (const o of r.onnx) expect(o.maxAbsDiff, `${where}: ONNX Runtime vs cpu at L=${o.length}`).toBeLessThanOrEqual(1e-5);
}

/** onnxruntime-node and -web as the workspace installed them (realpath: their own dependencies resolve there). */
const workspaceModule = (example: string, name: string): string => realpathSync(join(REPO, 'examples', example, 'node_modules', name));

describe('packaging: pnpm pack, npm install elsewhere, use in Node and a browser', { timeout: TIMEOUT_MS }, () => {
  let work = '';
  let consumer = '';
  const tarballs = new Map<string, string>();

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'mta-packaging-'));
    // One pnpm run packs them all (each prepack builds incrementally and prunes stale dist/ files).
    run('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', work], REPO, 120_000, process.env);
    for (const p of PACKED) {
      const tarball = readdirSync(work).find((f) => f.startsWith(`mta-${p}-`) && f.endsWith('.tgz'));
      if (!tarball) throw new Error(`pnpm pack made no tarball for packages/${p} in ${work}: ${readdirSync(work).join(', ')}`);
      tarballs.set(p, join(work, tarball));
    }
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'mta-consumer', private: true, type: 'module' }, null, 2));
    // All four together: the device and op packages peer-depend on core (one core per project).
    run('npm', ['install', ...PACKAGES.map((p) => tarballs.get(p)!), '--no-audit', '--no-fund', '--loglevel=error'], consumer, 90_000);
    for (const [example, name] of [['ort', 'onnxruntime-node'], ['ort', 'onnxruntime-web']] as const) {
      symlinkSync(workspaceModule(example, name), join(consumer, 'node_modules', name), 'dir');
    }
    for (const f of readdirSync(CONSUMER_FILES)) copyFileSync(join(CONSUMER_FILES, f), join(consumer, f));
  }, TIMEOUT_MS);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs built JavaScript, declarations, source maps, README and LICENSE, with the publish metadata', () => {
    const sizes: string[] = [];
    for (const p of PACKED) {
      const tarball = tarballs.get(p)!;
      sizes.push(`@mta/${p} ${kib(statSync(tarball).size)}`);
      const files = tarList(tarball);
      expect(files, p).toEqual(expect.arrayContaining([
        'package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/src/index.js', 'package/dist/src/index.d.ts',
      ]));
      expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), `${p}: TypeScript sources in the tarball`).toEqual([]);
      expect(files.filter((f) => f.startsWith('package/dist/test/')), `${p}: compiled tests in the tarball`).toEqual([]);
      // Every module has its declaration and source map next to it, and a source it was built from.
      for (const js of files.filter((f) => f.endsWith('.js'))) {
        expect(files, `${p}: declaration of ${js}`).toContain(js.replace(/\.js$/, '.d.ts'));
        expect(files, `${p}: source map of ${js}`).toContain(`${js}.map`);
        expect(existsSync(join(REPO, 'packages', p, js.replace(/^package\/dist\//, '').replace(/\.js$/, '.ts'))), `${p}: ${js} has a source`).toBe(true);
      }

      const packed = tarJson(tarball);
      const source = JSON.parse(readFileSync(join(REPO, 'packages', p, 'package.json'), 'utf8')) as PackageJson;
      expect(packed.exports, `${p}: exports come from publishConfig`).toEqual(source.publishConfig?.exports);
      for (const field of ['description', 'repository', 'keywords', 'engines', 'sideEffects', 'files']) expect(packed[field], `${p}: ${field}`).toBeTruthy();
      expect(packed['license']).toBe('MIT');
      // pnpm drops lifecycle scripts from the packed manifest: the source's prepack is what built dist/.
      expect(source.scripts?.['prepack'], `${p}: prepack builds`).toMatch(/tsc -b/);
      // Every export target is in the tarball, with types first in each condition.
      const targets = JSON.stringify(packed.exports).match(/"\.\/[^"]+"/g)!.map((t) => t.slice(3, -1)).filter((t) => t !== 'package.json' && t.includes('/'));
      for (const t of targets) expect(files, `${p}: export target ${t}`).toContain(`package/${t}`);
      const conditions = Object.values(packed.exports as Record<string, unknown>).filter((v): v is Record<string, unknown> => typeof v === 'object');
      for (const entry of conditions.flatMap((c) => ('types' in c ? [c] : Object.values(c) as Record<string, unknown>[]))) {
        expect(Object.keys(entry)[0], `${p}: types first in ${JSON.stringify(entry)}`).toBe('types');
      }
      for (const field of ['dependencies', 'peerDependencies', 'devDependencies'] as const) {
        for (const [dep, range] of Object.entries(packed[field] ?? {})) {
          expect(range, `${p} ${field} ${dep}`).not.toMatch(/^workspace:/);
          if (dep.startsWith('@mta/')) expect(range, `${p} ${field} ${dep}`).toBe(`^${tarJson(tarballs.get(dep.slice('@mta/'.length))!).version}`);
        }
      }
    }
    // Node-only parts sit behind the node condition: ops-mta's and core's portable entries differ from Node's.
    for (const p of ['core', 'ops-mta'] as const) {
      const dot = (tarJson(tarballs.get(p)!).exports as Record<string, Record<string, { default: string }>>)['.']!;
      expect(dot['node']!.default, p).toBe('./dist/src/index.node.js');
      expect(dot['browser']!.default, p).toBe('./dist/src/index.js');
    }
    console.log(`packed sizes: ${sizes.join(', ')}`);
  });

  it('Node: MTA forward and backward on cpu and npu, export, onnxruntime-node, from the installed packages', () => {
    expectRoundTrip(lastJsonLine<RoundTrip>(run(process.execPath, ['node.mjs'], consumer, 60_000)), 'node');
  });

  it('Node: the worker pool from the packaged worker entry gives the numbers the repo gives', async () => {
    writeFileSync(join(consumer, 'probe.mjs'), PROBE_SCRIPT);
    const threads = process.env['MTA_CPU_THREADS'] ?? String(Math.min(4, availableParallelism()));
    const installed = lastJsonLine<ProbeResult>(run(process.execPath, ['probe.mjs'], consumer, 60_000, plainEnv({ MTA_CPU_THREADS: threads, MTA_NPU_THREADS: threads })));
    const inRepo = await runProbeInRepo();
    expect(installed.threads).toBe(Math.max(1, Number(threads)));
    expect(installed.npuThreads).toBe(Math.max(1, Number(threads)));
    expect(installed.values).toHaveLength(12);
    installed.values.forEach((v, i) => {
      expect(Number.isFinite(v), `value ${i} is finite`).toBe(true);
      expect(Math.abs(v - inRepo.values[i]!), `value ${i}: ${v} vs ${inRepo.values[i]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(inRepo.values[i]!)));
    });
  });

  it("Node: each package README's example runs as written", () => {
    for (const p of PACKAGES) {
      const readme = readFileSync(join(REPO, 'packages', p, 'README.md'), 'utf8');
      const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(example, `packages/${p}/README.md has a \`\`\`js example`).toBeDefined();
      writeFileSync(join(consumer, `readme-${p}.mjs`), example!);
      run(process.execPath, [`readme-${p}.mjs`], consumer, 30_000, plainEnv({ MTA_CPU_THREADS: '1' }));
    }
  });

  it('Node: TypeScript typechecks against the declarations (moduleResolution node16 and bundler)', () => {
    writeFileSync(join(consumer, 'consumer.ts'), CONSUMER_TS);
    for (const resolution of ['node16', 'bundler'] as const) {
      const tsconfig = {
        compilerOptions: {
          strict: true, noEmit: true, target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'],
          module: resolution === 'bundler' ? 'ESNext' : 'Node16', moduleResolution: resolution,
          types: [], skipLibCheck: false, // a consumer's default: the packages' declarations are checked too
        },
        files: ['consumer.ts'],
      };
      writeFileSync(join(consumer, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig, null, 2));
      expect(run(TSC, ['-p', `tsconfig.${resolution}.json`], consumer, 60_000), resolution).toBe('');
    }
  });

  it('browser: a page bundled from the installed packages runs MTA, export and onnxruntime-web in headless Chromium', async (ctx) => {
    const www = join(consumer, 'www');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), '<!doctype html><meta charset="utf-8"><title>mta consumer</title><script type="module" src="/page.js"></script>\n');
    // platform browser: the browser conditions of the exports, and any node: import is a build error.
    const bundle = await build({
      absWorkingDir: consumer, entryPoints: ['page.mjs'], bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
      minify: true, outfile: join(www, 'page.js'), metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('node:')), 'node: modules in the browser bundle').toEqual([]);
    expect(inputs.filter((i) => /@mta\/(ops-mta|core)\/dist\/src\/index\.node\.js/.test(i)), 'Node entries in the browser bundle').toEqual([]);
    const output = bundle.metafile.outputs[Object.keys(bundle.metafile.outputs).find((o) => o.endsWith('page.js'))!]!;
    const ours = Object.entries(output.inputs).filter(([i]) => i.includes('node_modules/@mta/')).reduce((s, [, v]) => s + v.bytesInOutput, 0);
    console.log(`browser bundle (minified): ${kib(output.bytes)} in all, ${kib(ours)} of it @mta/*, the rest onnxruntime-web's JavaScript`);

    const chromium = findChromium();
    if (chromium === null) {
      const reason = `no Chromium (set MTA_CHROMIUM, or \`apt-get install -y --no-install-recommends chromium\`)`;
      if (process.env['CI']) throw new Error(`CI: the browser half of the packaging test must run: ${reason}`);
      ctx.skip(reason);
      return;
    }
    const page = await runHeadlessPage(chromium, { '/ort/': join(workspaceModule('ort', 'onnxruntime-web'), 'dist'), '/': www }, 60_000);
    const result = page.result as RoundTrip & { userAgent: string };
    expect(result.userAgent).toMatch(/Chrome/);
    expectRoundTrip(result, 'browser');
  });
});

/**
 * Uses the public API across all packages. The @ts-expect-error line fails the check if the
 * declarations resolve to `any` (an unused expect-error is itself an error).
 */
const CONSUMER_TS = `import '@mta/ops-mta/register';
import { Rng, exportOnnx, tensor, type Tensor } from '@mta/core';
import { MultiTokenAttention, multiTokenAttention, startMtaCpuThreads, type MtaOptions } from '@mta/ops-mta';

const options: MtaOptions = { mode: 'pre', sparse: true, padding: 'causal' };
const scores: Tensor = tensor(new Float32Array(16), [1, 1, 4, 4]);
const out: Tensor = multiTokenAttention(scores, tensor(new Float32Array(9), [1, 1, 3, 3]), null, options);
const dims: readonly number[] = out.shape;
const layer = new MultiTokenAttention(1, 1, new Rng(0), { padding: 'causal' });
const bytes: Uint8Array = exportOnnx(layer, [scores]).bytes;
const pool: Promise<{ readonly threads: number } | null> = startMtaCpuThreads(1);
// @ts-expect-error mode is 'post' | 'pre'
const wrong: MtaOptions = { mode: 'sideways' };
export { dims, bytes, pool, wrong };
`;

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultGoldenManifestPath, loadGoldenManifest, type GoldenCase } from '@mta/ops-mta';
import { allFiniteValues, exactlyZeroGrads, runErrors, type MtaRun } from './support/op-harness';
import type { PageCase, PageRun } from './support/webgpu-page-entry';

/**
 * The 19 golden cases on the webgpu device in headless Chromium (`navigator.gpu`, started with
 * --enable-unsafe-webgpu; SwiftShader where there is no GPU): the same kernels as in Node, bundled for the
 * browser with esbuild. Skipped with the reason when Chromium, playwright-core or an adapter is missing,
 * except under CI, where .ci/run installs chromium and a missing adapter fails.
 */
const CHROMIUM = process.env['MTA_CHROMIUM'] || '/usr/bin/chromium';
const ENTRY = fileURLToPath(new URL('./support/webgpu-page-entry.ts', import.meta.url));
const suite = loadGoldenManifest(defaultGoldenManifestPath());
/** SwiftShader computes on the CPU: seconds per case, more on a loaded machine. */
const SOFTWARE_GPU_TIMEOUT_MS = 180_000;

interface Page { evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>; addScriptTag(o: { content: string; type: string }): Promise<unknown>; goto(url: string): Promise<unknown> }

type Session = { ready: true; adapter: string; page: Page; close: () => Promise<void> } | { ready: false; reason: string };

async function bundlePage(): Promise<string> {
  const esbuild = await import('esbuild');
  // Node built-ins that core reaches only from Node-only paths (file export, parsing) become empty modules.
  const result = await esbuild.build({
    entryPoints: [ENTRY], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
    plugins: [{
      name: 'node-builtins-empty',
      setup(build) {
        build.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-empty' }));
        build.onLoad({ filter: /.*/, namespace: 'node-empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      },
    }],
  });
  return result.outputFiles[0]!.text;
}

async function openSession(): Promise<Session> {
  if (!existsSync(CHROMIUM)) return { ready: false, reason: `no Chromium at ${CHROMIUM} (apt-get install chromium)` };
  let chromium: typeof import('playwright-core')['chromium'];
  try {
    chromium = (await import('playwright-core')).chromium;
  } catch (error) {
    return { ready: false, reason: `playwright-core does not load: ${(error as Error).message}` };
  }
  const script = await bundlePage();
  const dir = await mkdtemp(join(tmpdir(), 'mta-webgpu-page-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><html><body></body></html>');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run'] });
  const close = async () => { await browser.close().catch(() => undefined); await rm(dir, { recursive: true, force: true }); };
  const page = await browser.newPage();
  await page.goto(`file://${dir}/index.html`);
  await page.addScriptTag({ content: script, type: 'module' });
  const started = await page.evaluate(async () => {
    const api = (globalThis as unknown as { mtaPage: { start(): Promise<{ ready: boolean; adapter?: string; reason?: string }> } }).mtaPage;
    return api.start();
  }, undefined);
  if (!started.ready) {
    await close();
    return { ready: false, reason: `Chromium's navigator.gpu gave no adapter: ${started.reason}` };
  }
  return { ready: true, adapter: started.adapter ?? 'unknown', page: page as unknown as Page, close };
}

async function session(): Promise<Session> {
  const s = await openSession().catch((error: unknown) => ({ ready: false as const, reason: `Chromium failed: ${(error as Error).message}` }));
  if (!s.ready && process.env['CI']) throw new Error(`CI promises headless Chromium with WebGPU on SwiftShader (see .ci/run), but: ${s.reason}`);
  return s;
}

const browser = await session();
afterAll(async () => { if (browser.ready) await browser.close(); });
const title = browser.ready ? `golden cases on webgpu in headless Chromium (${browser.adapter})` : `golden cases on webgpu in headless Chromium (skipped: ${browser.reason})`;

function pageCase(c: GoldenCase): PageCase {
  const t = c.tensors;
  const [kH, kW] = c.kernel;
  return {
    B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH, kW,
    options: { mode: c.mode, sparse: c.sparse, padding: c.pads, dilation: c.dilation, groups: c.groups },
    scores: Array.from(t.scores.data), weight: Array.from(t.weight.data), bias: t.bias ? Array.from(t.bias.data) : null, gradOut: Array.from(t.grad_out.data),
  };
}

describe.skipIf(!browser.ready)(title, () => {
  for (const c of suite.cases) {
    it(`${c.name} (${c.mode}${c.sparse ? '/sparsemax' : ''}, L=${c.L})`, async () => {
      if (!browser.ready) return;
      const got: PageRun = await browser.page.evaluate(async (arg: PageCase) => {
        const api = (globalThis as unknown as { mtaPage: { run(c: PageCase): Promise<PageRun> } }).mtaPage;
        return api.run(arg);
      }, pageCase(c));
      const f64 = (a: number[] | null) => (a ? Float64Array.from(a) : null);
      const run: MtaRun = { out: f64(got.out)!, gradScores: f64(got.gradScores)!, gradWeight: f64(got.gradWeight)!, gradBias: f64(got.gradBias) };
      for (const [name, values] of Object.entries(run)) if (values) expect(allFiniteValues(values), `${c.name}: ${name} all finite`).toBe(true);
      const t = c.tensors;
      const want: MtaRun = {
        out: Float64Array.from(t.out.data), gradScores: Float64Array.from(t.grad_scores.data), gradWeight: Float64Array.from(t.grad_weight.data),
        gradBias: t.grad_bias ? Float64Array.from(t.grad_bias.data) : null,
      };
      const errors = runErrors(run, want, t.grad_out.data, exactlyZeroGrads(c.mode, c.L, c.bias));
      expect(Object.keys(errors).length).toBe(c.bias ? 4 : 3);
      for (const [name, err] of Object.entries(errors)) expect(err, `${c.name}: ${name} relFro`).toBeLessThanOrEqual(1e-5);
    }, SOFTWARE_GPU_TIMEOUT_MS);
  }
});

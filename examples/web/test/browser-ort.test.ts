import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMtaModel, compareTensors, MTA_MODEL_INPUT, MTA_MODEL_OUTPUT, readGoldenForwardCases } from '@mta/ort';
import { browserTestPolicy, probeChromium, startBrowserRunner, type BrowserRunner } from '../src/index';

// Chromium is a system package (Debian `chromium`), not an npm dependency: where it cannot start,
// these tests are skipped and say why, in their names and on the console. Under CI (CI=true) a missing
// Chromium fails instead: CI installs it, and a green run must mean the browser tests ran.
const chromium = await probeChromium();
const policy = browserTestPolicy(chromium.ok);
const whyNot = chromium.ok ? '' : chromium.reason;
const skipReason = chromium.ok ? '' : ` [SKIPPED: headless Chromium cannot start: ${whyNot}]`;
if (policy === 'skip') console.warn(`browser-ort.test.ts: skipping the browser tests: ${whyNot}`);

describe('browser test policy', () => {
  it('headless Chromium starts where it is required (under CI=true)', () => {
    expect(policy, `headless Chromium cannot start under CI: ${whyNot}; install the Debian 'chromium' package`).not.toBe('fail');
  });

  it('skips only outside CI: a missing Chromium fails under CI=true', () => {
    expect(browserTestPolicy(true, { CI: 'true' })).toBe('run');
    expect(browserTestPolicy(false, { CI: 'true' })).toBe('fail');
    expect(browserTestPolicy(false, { CI: '1' })).toBe('fail');
    expect(browserTestPolicy(false, {})).toBe('skip');
    expect(browserTestPolicy(false, { CI: 'false' })).toBe('skip');
  });
});

describe('onnxruntime-web in headless Chromium', () => {
  let runner: BrowserRunner | undefined;
  beforeAll(async () => {
    if (chromium.ok) runner = await startBrowserRunner();
  });
  afterAll(async () => {
    await runner?.close();
  });

  // Sparsemax with causal (asymmetric) pads, and NaN in every masked score.
  for (const name of ['causal-post-sparse', 'nan-above-diagonal']) {
    it.skipIf(!chromium.ok)(`runs the exported MTA graph of golden case ${name} and matches golden out${skipReason}`, async () => {
      const c = readGoldenForwardCases().find((x) => x.name === name);
      if (!c) throw new Error(`golden case ${name} is missing from the public manifest`);
      const model = buildMtaModel({ shape: c.shape, config: c.config, weight: c.weight, bias: c.bias });
      const { B, Cin, Cout, L } = c.shape;
      const result = await runner!.run(model, { [MTA_MODEL_INPUT]: { data: c.scores, dims: [B, Cin, L, L] } });
      expect(result.browser.userAgent).toMatch(/Chrom/);
      const out = result.outputs[MTA_MODEL_OUTPUT]!;
      expect(out.dims).toEqual([B, Cout, L, L]);
      const cmp = compareTensors(out.data, c.out);
      expect(cmp.allFinite).toBe(true);
      expect(cmp.relFro, `relFro ${cmp.relFro.toExponential(2)}`).toBeLessThanOrEqual(1e-5);
    });
  }

  it.skipIf(!chromium.ok)(`reports an invalid model as an error naming the backend${skipReason}`, async () => {
    const notAModel = new TextEncoder().encode('not an onnx model');
    await expect(runner!.run(notAModel, {}, { timeoutMs: 60_000 })).rejects.toThrow(/^ort-web-browser: the page reported: /);
  });
});

import '@mta/ops-mta/register';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultGoldenManifestPath, loadGoldenManifest } from '@mta/ops-mta';
import { releaseWebgpu, setGpuSource } from '@mta/device-webgpu';
import { preferSwiftShaderWhenUnset } from '@mta/device-webgpu/testing';
import { runOrtWebgpu, WEBGPU_EP } from '@mta/ort';
import { evaluateProblem, exportMtaProblem, problemFromGolden, resolveBackends } from '../src/index';

/**
 * The check's two WebGPU rows: the webgpu device (forward and gradients against the golden results) and ONNX
 * Runtime's WebGPU EP (the exported forward). Without a GPU, SwiftShader stands in (Debian's chromium); where no
 * adapter can be had the runs are skipped with the reason, except under CI, which promises one.
 */
preferSwiftShaderWhenUnset();
const [webgpu, ortWebgpu] = resolveBackends(['webgpu', 'ort-webgpu']);
const noAdapter = await webgpu!.probe!();
if (noAdapter !== undefined && process.env['CI']) throw new Error(`CI promises a WebGPU adapter (SwiftShader, libvulkan1; see .ci/run), but: ${noAdapter}`);
const cases = loadGoldenManifest(defaultGoldenManifestPath()).cases;
/** SwiftShader computes on the CPU; a loaded 2-core machine needs the room. */
const SLOW = 180_000;

afterAll(() => releaseWebgpu());

describe('a host without an adapter', () => {
  it('makes the webgpu row give the reason (a skip), not a pass or a crash', async () => {
    releaseWebgpu();
    setGpuSource(() => Promise.resolve({ gpu: null, tried: 'a stand-in host with no GPU' }));
    try {
      const reason = await webgpu!.probe!();
      expect(reason).toMatch(/^no WebGPU adapter: a stand-in host with no GPU\. To get one: .*VK_ICD_FILENAMES/);
    } finally {
      setGpuSource(null);
      releaseWebgpu();
    }
  });
});

describe.skipIf(noAdapter !== undefined)(`with an adapter${noAdapter ? ` (skipped: ${noAdapter})` : ''}`, () => {
  it('webgpu: probes ready and passes golden cases with every gradient', { timeout: SLOW }, async () => {
    expect(await webgpu!.probe!()).toBeUndefined();
    // One of each kind: post softmax, groups, causal sparsemax, pre mode (all 19 run in ops-mta's webgpu golden test and `mta golden --device webgpu`).
    for (const c of cases.filter((k) => ['liger-a', 'groups2', 'causal-post-sparse', 'pre-toy'].includes(k.name))) {
      const problem = problemFromGolden(c);
      const { report } = await evaluateProblem(webgpu!, problem, undefined);
      expect(report.error).toBeUndefined();
      expect(report.checks.map((k) => k.tensor).sort()).toEqual([...(problem.bias ? ['grad_bias'] : []), 'grad_scores', 'grad_weight', 'out']);
      expect(report.pass, JSON.stringify(report.checks)).toBe(true);
    }
  });

  it('ort-webgpu: passes the golden forward of every case on the WebGPU EP, sparsemax included', { timeout: SLOW }, async () => {
    expect(await ortWebgpu!.probe!()).toBeUndefined();
    for (const c of cases) {
      const problem = problemFromGolden(c);
      const { report } = await evaluateProblem(ortWebgpu!, problem, undefined);
      expect(report.error).toBeUndefined();
      // The sparsemax's NaN guard is Not(Equal(x, x)): ORT's WebGPU EP runs it (IsNaN it did not, and the
      // placement check then refused the run as off the GPU).
      expect(report.skipped, c.name).toBeUndefined();
      expect(report.checks.map((k) => `${k.tensor}:${k.pass}`), c.name).toEqual(['out:true']);
    }
  });

  it('ort-webgpu really runs on the WebGPU EP: the profile puts the exported graph\'s Conv and Softmax there', { timeout: SLOW }, async () => {
    const c = problemFromGolden(cases[0]!);
    const s = c.shape;
    const { placement } = await runOrtWebgpu(exportMtaProblem(c), { scores: { data: c.scores, dims: [s.B, s.Cin, s.L, s.L] } });
    expect(placement[WEBGPU_EP]).toEqual(expect.arrayContaining(['Conv', 'Softmax']));
  });
});

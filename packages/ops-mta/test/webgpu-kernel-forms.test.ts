import { describe, expect, it } from 'vitest';
import { defaultGoldenManifestPath, loadGoldenManifest, mtaGeometry } from '@mta/ops-mta';
import { useQuadConv } from '../src/kernels/webgpu/quad-conv-shaders';
import { useQuadRows } from '../src/kernels/webgpu/quad-row-shaders';
import { planWeightGrad } from '../src/kernels/webgpu/weight-grad-shaders';
import { unrolledConvFits } from '../src/kernels/webgpu/conv-shaders';

/**
 * The webgpu MTA picks a kernel form per call (quad or per-position convolutions, rows in registers or
 * streamed, the weight gradient per channel or per pair). The golden suites (webgpu-golden.test.ts at the
 * software adapter's 32 invocations, webgpu-golden-hardware-workgroup.test.ts at 256) prove a form only if
 * some golden case runs it: this checks that the quad and per-channel forms run in both modes and with both
 * activations, and that post mode still runs the forms they replace where they do not apply (L not a multiple
 * of 4, Cin not dividing the workgroup). Pre mode's older forms are run by webgpu-vs-cpu.test.ts (L = 33, 50, 260).
 */
const suite = loadGoldenManifest(defaultGoldenManifestPath());

function formsOf(workgroupSize: number): Set<string> {
  const forms = new Set<string>();
  for (const c of suite.cases) {
    const g = mtaGeometry({ B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH: c.kernel[0], kW: c.kernel[1] },
      { mode: c.mode, sparse: c.sparse, pads: c.pads, dilation: c.dilation, groups: c.groups }, { dtype: 'float32', hasBias: c.bias });
    const activation = c.sparse ? 'sparsemax' : 'softmax';
    forms.add(`${c.mode} conv ${useQuadConv(g) ? 'quad' : unrolledConvFits(g) ? 'unrolled' : 'loop'}`);
    forms.add(`${c.mode} ${activation} rows ${useQuadRows(g, workgroupSize) ? 'quad' : 'streamed'}`);
    forms.add(`${c.mode} weight gradient ${planWeightGrad(g, workgroupSize).kind}`);
  }
  return forms;
}

describe('the webgpu kernel forms are run by golden cases', () => {
  it('at the software adapter\'s 32 invocations per workgroup (webgpu-golden.test.ts)', () => {
    const forms = [...formsOf(32)].sort();
    for (const mode of ['post', 'pre']) {
      for (const form of [`${mode} conv quad`, `${mode} softmax rows quad`, `${mode} sparsemax rows quad`, `${mode} weight gradient channels`]) {
        expect(forms, form).toContain(form);
      }
    }
    for (const form of ['post conv unrolled', 'post conv loop', 'post softmax rows streamed', 'post sparsemax rows streamed', 'post weight gradient pairs']) {
      expect(forms, form).toContain(form);
    }
  });
});

import { defaultGoldenManifestPath, loadGoldenManifest } from '@mta/ops-mta';
import { bytes, oneOf, parseFlags, UsageError } from '@mta/args';
import { ALL_BACKENDS, evaluateProblem, formatCaseLine, GOLDEN_TOLERANCE, NOISE_FLOOR, problemFromGolden } from '@mta/conformance';
import { requireCases, userPath, type Command } from './command';
import { socValue } from './soc-flag';
import { loadBackends, probeBackends } from './setup';

const help = `usage: pnpm mta golden [manifest.json] [--device ${ALL_BACKENDS.join('|')}] [--ub 16KiB] [--soc 910B4] [--impl auto|fused|composite] [--json]

Evaluates every case of an mta-golden/1 manifest on one backend (forward and backward on cpu/npu/webgpu,
forward through the exported ONNX graph on ort-node/ort-web/ort-webgpu). webgpu and ort-webgpu need a
WebGPU adapter (a Vulkan driver; without a GPU, SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json);
without one the command fails with the reason. Prints one line per case with the relative
Frobenius error of each tensor and PASS/FAIL at relFro <= ${GOLDEN_TOLERANCE}; exits 1 if any case fails.
The manifest defaults to the repository's golden/public.json ($MTA_GOLDEN_DIR/public.json when set); a
path given is relative to the directory you run from.`;

export const goldenCommand: Command = {
  summary: 'evaluate a golden manifest on one backend',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      device: { value: oneOf(ALL_BACKENDS), default: 'cpu', help: 'backend' },
      ub: { value: bytes(), help: 'Unified Buffer size of the npu' },
      soc: { value: socValue(), help: 'SoC preset of the npu' },
      impl: { value: oneOf(['auto', 'fused', 'composite']), default: 'auto', help: 'MTA implementation on cpu/npu' },
      json: { switch: true, help: 'print JSON' },
    }, { positionals: true });
    if (positionals.length > 1) throw new UsageError(`expected at most one manifest path, got ${positionals.length}`);
    const { impl } = values;
    // Without a path, the committed cases (golden/public.json); a path given resolves against the caller's directory.
    const suite = loadGoldenManifest(positionals[0] === undefined ? defaultGoldenManifestPath() : userPath(positionals[0]));
    requireCases(suite.manifestPath, suite.cases.length);
    const { ready: [backend], skipped: [skip] } = await probeBackends(await loadBackends([values.device], { ubBytes: values.ub, ...(values.soc ? { soc: values.soc } : {}) }));
    // One backend asked for by name: no adapter is an error (exit 1) with the reason, never an empty pass.
    if (skip !== undefined) throw new Error(`backend '${skip.name}' cannot run here: ${skip.reason}`);
    const reports = [];
    for (const c of suite.cases) {
      const { report } = await evaluateProblem(backend!, problemFromGolden(c), undefined, impl);
      reports.push(report);
      if (!values.json) console.log(formatCaseLine(report));
    }
    const passed = reports.filter((r) => r.pass).length;
    const skipped = reports.filter((r) => r.skipped !== undefined).length;
    const failed = reports.length - passed - skipped;
    if (values.json) {
      console.log(JSON.stringify({
        manifest: suite.manifestPath, backend: backend!.name,
        cases: reports.map((r) => ({ name: r.name, pass: r.pass, errors: Object.fromEntries(r.checks.map((c) => [c.tensor, c.relFro])), ...(r.error ? { error: r.error } : {}), ...(r.skipped ? { skipped: r.skipped } : {}) })),
        passed, failed, skipped,
      }, null, 2));
    } else {
      console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped (not counted as passed)` : ''} (${backend!.name}, ${suite.cases.length} cases, tolerance relFro <= ${GOLDEN_TOLERANCE}; ` +
        `* = expected norm below ${NOISE_FLOOR} x ||grad_out||, measured against that floor)`);
    }
    // Skipped cases are no evidence: a run that passed none of its cases fails.
    return failed === 0 && passed > 0 ? 0 : 1;
  },
};

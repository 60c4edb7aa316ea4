import { defaultGoldenManifestPath, loadGoldenManifest } from '@mta/ops-mta';
import { CliError, parseBytes, parseCommandArgs, userPath, type Command } from './command';
import { loadBackends } from './setup';
import { evaluateProblem, formatCaseLine, GOLDEN_TOLERANCE, NOISE_FLOOR } from '../conformance/compare';
import { problemFromGolden } from '../conformance/problem';

const help = `usage: pnpm mta golden [manifest.json] [--device cpu|npu|ort-node|ort-web] [--ub 16KiB] [--impl auto|fused|composite] [--json]

Evaluates every case of an mta-golden/1 manifest on one backend (forward and backward on cpu/npu,
forward through the exported ONNX graph on ort-node/ort-web). Prints one line per case with the relative
Frobenius error of each tensor and PASS/FAIL at relFro <= ${GOLDEN_TOLERANCE}; exits 1 if any case fails.
The manifest defaults to the repository's golden/public.json ($MTA_GOLDEN_DIR/public.json when set); a
path given is relative to the directory you run from.`;

export const goldenCommand: Command = {
  summary: 'evaluate a golden manifest on one backend',
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      device: { type: 'string', default: 'cpu' },
      ub: { type: 'string' },
      impl: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
    }, help);
    if (positionals.length > 1) throw new CliError(`expected at most one manifest path, got ${positionals.length}\n\n${help}`);
    const impl = values.impl as 'auto' | 'fused' | 'composite';
    if (!['auto', 'fused', 'composite'].includes(impl)) throw new CliError(`--impl must be auto, fused or composite, got '${impl}'`);
    const suite = loadGoldenManifest(positionals[0] === undefined ? defaultGoldenManifestPath() : userPath(positionals[0]));
    const [backend] = await loadBackends([values.device!], { ubBytes: values.ub ? parseBytes(values.ub, '--ub') : undefined });
    const reports = [];
    for (const c of suite.cases) {
      const { report } = await evaluateProblem(backend!, problemFromGolden(c), undefined, impl);
      reports.push(report);
      if (!values.json) console.log(formatCaseLine(report));
    }
    const passed = reports.filter((r) => r.pass).length;
    const failed = reports.length - passed;
    if (values.json) {
      console.log(JSON.stringify({
        manifest: suite.manifestPath, backend: backend!.name,
        cases: reports.map((r) => ({ name: r.name, pass: r.pass, errors: Object.fromEntries(r.checks.map((c) => [c.tensor, c.relFro])), ...(r.error ? { error: r.error } : {}) })),
        passed, failed,
      }, null, 2));
    } else {
      console.log(`${passed} passed, ${failed} failed (${backend!.name}, ${suite.cases.length} cases, tolerance relFro <= ${GOLDEN_TOLERANCE}; ` +
        `* = expected norm below ${NOISE_FLOOR} x ||grad_out||, measured against that floor)`);
    }
    return failed === 0 ? 0 : 1;
  },
};

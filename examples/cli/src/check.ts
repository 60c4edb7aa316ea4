import { defaultGoldenManifestPath, loadGoldenManifest } from '@mta/ops-mta';
import { bytes, listOf, oneOf, parseFlags, text } from '@mta/args';
import { fallbackStats, MissingKernelError, resetFallbackStats, setFallback } from '@mta/core';
import {
  ALL_BACKENDS, checkResults, evaluateProblem, formatCaseLine, frobenius, GOLDEN_TOLERANCE, problemFromGolden, tinyModelInputs, TINY_MODEL, TINY_MODEL_EXACT_ZERO,
  type CaseReport, type EvalBackend, type Results,
} from '@mta/conformance';
import { requireCases, userPath, type Command } from './command';
import { socValue } from './soc-flag';
import { loadBackends, probeBackends, type SkippedBackend } from './setup';
import { formatLintReport, runLintNpu } from './lint-npu';
import { DEFAULT_LINT_GRID } from '@mta/ops-mta';

const help = `usage: pnpm mta check [--case <golden manifest>] [--backends ${ALL_BACKENDS.join(',')}] [--ub 192KiB] [--soc 910B4] [--verbose] [--json]

Runs the same computations on every backend and compares them: each golden case (forward everywhere,
gradients on the framework's devices, against the float64 golden results) and a small seeded
transformer-style model with MTA (against the first backend listed). Tolerance: relFro <= ${GOLDEN_TOLERANCE}.
When the npu is one of the backends, \`mta lint-npu\` runs too (the npu kernels over its default grid of
SoCs, UB sizes, dtypes and shapes in poison mode) and any rule it finds violated fails the check.
Exits 1 on any mismatch. With no arguments: the public golden cases (golden/public.json in the repository,
or $MTA_GOLDEN_DIR/public.json) on ${ALL_BACKENDS.join(', ')}. --case is relative to the directory you run from.
webgpu and ort-webgpu run when a WebGPU adapter exists (a Vulkan driver; without a GPU, SwiftShader:
VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json) and are reported SKIPPED with the reason otherwise;
under CI (CI set) a missing adapter is a failure. The tiny model is skipped on a device without kernels for
its primitives (said so, never counted as passed).`;

interface Row { backend: string; tensor: string; maxAbs: number; relFro: number; pass: number; fail: number }

export const checkCommand: Command = {
  summary: 'compare every backend on the golden cases and a small MTA model',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, {
      case: { value: text('a golden manifest path'), help: 'golden manifest' },
      backends: { value: listOf(oneOf(ALL_BACKENDS)), default: [...ALL_BACKENDS], help: 'backends to compare' },
      ub: { value: bytes(), help: 'Unified Buffer size of the npu' },
      soc: { value: socValue(), help: 'SoC preset of the npu' },
      verbose: { switch: true, help: 'a line per case' },
      json: { switch: true, help: 'print JSON' },
    });
    const manifest = values.case ? userPath(values.case) : defaultGoldenManifestPath();
    const suite = loadGoldenManifest(manifest);
    requireCases(manifest, suite.cases.length);
    const { ready: backends, skipped } = await probeBackends(await loadBackends(values.backends, { ubBytes: values.ub, ...(values.soc ? { soc: values.soc } : {}) }));
    const names = backends.map((b) => b.name);
    // Each device's own policy: primitives the npu lacks run on cpu here, counted and reported below (tests use
    // strict mode instead); webgpu refuses (its reads are asynchronous), so a missing kernel there is named.
    setFallback({ enabled: 'device' });
    resetFallbackStats();
    const log = (line: string) => { if (!values.json) console.log(line); };
    for (const b of skipped) log(`SKIPPED ${b.name}: ${b.reason}`);

    const reports: CaseReport[] = [];
    for (const c of suite.cases) {
      const problem = problemFromGolden(c);
      for (const b of backends) {
        const { report } = await evaluateProblem(b, problem, undefined);
        reports.push(report);
        if (values.verbose || !report.pass) log(formatCaseLine(report));
      }
    }
    reports.push(...(await checkTinyModel(backends, log, values.verbose)));

    // The npu kernels must also obey every rule the simulator models, beyond the shapes the golden cases use.
    const lintStart = performance.now();
    const lint = names.includes('npu') ? runLintNpu(DEFAULT_LINT_GRID) : null;
    const lintSeconds = (performance.now() - lintStart) / 1000;

    // A run that compared nothing must not report OK: the exit status is what scripts and CI read.
    const run = reports.filter((r) => r.skipped === undefined);
    if (run.length === 0) throw new Error(`check compared nothing (backends: ${names.join(', ') || 'none'}; skipped: ${skipped.map((b) => b.name).join(', ') || 'none'}); give at least one backend that can run here and a manifest with cases`);
    const rows = summarise(run);
    const passed = run.filter((r) => r.pass).length;
    const failed = run.length - passed + (lint && !lint.clean ? 1 : 0);
    const skippedCases = reports.filter((r) => r.skipped !== undefined);
    const fallbacks = Object.fromEntries(fallbackStats());
    if (values.json) {
      console.log(JSON.stringify({ manifest, backends: names, skippedBackends: skipped, tolerance: GOLDEN_TOLERANCE, table: rows, fallbacks,
        cases: reports.map((r) => ({ name: r.name, backend: r.backend, pass: r.pass, checks: r.checks, ...(r.error ? { error: r.error } : {}), ...(r.skipped ? { skipped: r.skipped } : {}) })),
        ...(lint ? { lintNpu: { clean: lint.clean, violations: lint.violations, cases: lint.cases, seconds: Number(lintSeconds.toFixed(2)),
          kernels: lint.kernels.filter((k) => k.firstViolation).map((k) => ({ kernel: k.kernel, firstViolation: k.firstViolation })) } } : {}),
        passed, failed, skipped: skippedCases.length }, null, 2));
    } else {
      console.log(`\n${'backend'.padEnd(12)}${'tensor'.padEnd(22)}${'max abs err'.padStart(13)}${'max relFro'.padStart(13)}  result`);
      for (const r of rows) {
        console.log(`${r.backend.padEnd(12)}${r.tensor.padEnd(22)}${r.maxAbs.toExponential(2).padStart(13)}${r.relFro.toExponential(2).padStart(13)}  ` +
          `${r.fail === 0 ? 'pass' : 'FAIL'} (${r.pass}/${r.pass + r.fail})`);
      }
      const fb = Object.entries(fallbacks);
      if (fb.length) console.log(`\ncpu fallbacks (primitives without an npu kernel): ${fb.map(([k, n]) => `${k} x${n}`).join(', ')}`);
      if (lint) {
        console.log(lint.clean
          ? `\nlint-npu: clean (${lint.kernels.filter((k) => k.scope === 'kernel').length} npu kernels; ${lint.cases.simulated} cases simulated in poison mode, ${lint.cases.planned} planned; ${lintSeconds.toFixed(1)} s)`
          : `\n${formatLintReport(lint, DEFAULT_LINT_GRID, lintSeconds)}`);
      }
      console.log(`\n${failed === 0 ? 'OK' : 'MISMATCH'}: ${passed} passed, ${failed} failed${skippedCases.length ? `, ${skippedCases.length} skipped` : ''} ` +
        `(${suite.cases.length} golden cases + tiny MTA model on ${names.join(', ')}; relFro <= ${GOLDEN_TOLERANCE})` +
        skippedSummary(skipped));
    }
    return failed === 0 ? 0 : 1;
  },
};

function skippedSummary(skipped: readonly SkippedBackend[]): string {
  return skipped.length === 0 ? '' : `\nSKIPPED backends (not run, not counted): ${skipped.map((b) => b.name).join(', ')}`;
}

/** A device without a kernel for one of the model's primitives cannot run it: skipped with that reason, not failed. */
function tinyModelSkip(err: unknown): string | undefined {
  return err instanceof MissingKernelError ? `skipped: ${err.message.split('\n')[0]}` : undefined;
}

async function checkTinyModel(backends: readonly EvalBackend[], log: (l: string) => void, verbose: boolean): Promise<CaseReport[]> {
  const name = `tiny-mta-model`;
  const [first, ...others] = backends;
  if (!first) return [];
  let reference: Results;
  try {
    reference = await first.runTinyModel(TINY_MODEL);
  } catch (err) {
    const skip = tinyModelSkip(err);
    const r: CaseReport = { name, backend: first.name, pass: false, checks: [], ...(skip ? { skipped: skip } : { error: (err as Error).message }), ms: 0 };
    log(formatCaseLine(r));
    return [r];
  }
  const reports: CaseReport[] = [];
  for (const b of others) {
    const t0 = performance.now();
    let report: CaseReport;
    try {
      const results = await b.runTinyModel(TINY_MODEL);
      const tensors = Object.keys(reference).filter((k) => k === 'probs' || (b.gradients && first.gradients));
      const checks = checkResults(results, reference, tensors, GOLDEN_TOLERANCE, { gradientScale: frobenius(tinyModelInputs(TINY_MODEL).gradOut), exactZero: TINY_MODEL_EXACT_ZERO });
      report = { name: `${name} vs ${first.name}`, backend: b.name, pass: checks.every((c) => c.pass), checks, ms: performance.now() - t0 };
    } catch (err) {
      const skip = tinyModelSkip(err);
      report = { name: `${name} vs ${first.name}`, backend: b.name, pass: false, checks: [], ...(skip ? { skipped: skip } : { error: (err as Error).message }), ms: performance.now() - t0 };
    }
    reports.push(report);
    if (verbose || !report.pass) log(formatCaseLine(report));
  }
  return reports;
}

function summarise(reports: readonly CaseReport[]): Row[] {
  const rows = new Map<string, Row>();
  for (const r of reports) {
    const checks = r.error ? [{ tensor: 'error', maxAbs: Infinity, relFro: Infinity, pass: false }] : r.checks;
    for (const c of checks) {
      const tensor = c.tensor.startsWith('grad:') ? 'model param grads' : c.tensor === 'probs' ? 'model probs' : c.tensor;
      const key = `${r.backend}|${tensor}`;
      const row = rows.get(key) ?? { backend: r.backend, tensor, maxAbs: 0, relFro: 0, pass: 0, fail: 0 };
      row.maxAbs = Math.max(row.maxAbs, c.maxAbs);
      row.relFro = Math.max(row.relFro, c.relFro);
      if (c.pass) row.pass++; else row.fail++;
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}

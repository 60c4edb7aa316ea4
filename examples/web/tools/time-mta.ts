import '@mta/ops-mta/register'; // registers cpu, npu and the MTA kernels
import { pathToFileURL } from 'node:url';
import { formatFlagHelp, integer, parseFlags, parseOrExit, wantsHelp } from '@mta/args';
import type { MtaConfig, MtaShape } from '@mta/ops-mta';
import { buildMtaModel, compareTensors, MTA_MODEL_INPUT, MTA_MODEL_OUTPUT, runOrtNode, runOrtWeb, type OrtFeeds, type OrtRunResult } from '@mta/ort';
import { startBrowserRunner } from '../src/browser';

export interface MtaOrtTiming {
  readonly backend: string;
  readonly sessionCreateMs: number;
  readonly firstRunMs: number;
  /** Fastest of the later runs (NaN with a single run). */
  readonly warmRunMs: number;
  /** relFro against ort-node's output (0 for ort-node itself). */
  readonly relFroVsOrtNode: number;
}

/** Deterministic scores in [-2, 2): timing does not depend on the values, a reproducible run does. */
function seededScores(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2);
}

/**
 * Times export, session creation and forward runs of one MTA graph on ort-node, ort-web (node)
 * and, when `browser` is set, ort-web in headless Chromium. For reports, not for tests.
 */
export async function timeMtaOnOrt(
  shape: MtaShape,
  config: MtaConfig,
  options: { runs?: number; browser?: boolean } = {},
): Promise<{ exportMs: number; modelBytes: number; timings: MtaOrtTiming[] }> {
  const runs = options.runs ?? 3;
  const weightLength = shape.Cout * (shape.Cin / config.groups) * shape.kH * shape.kW;
  const t0 = performance.now();
  const model = buildMtaModel({
    shape,
    config,
    weight: seededScores(weightLength, 7).map((v) => v / 4),
    bias: seededScores(shape.Cout, 8),
  });
  const exportMs = performance.now() - t0;
  const { B, Cin, L } = shape;
  const feeds: OrtFeeds = { [MTA_MODEL_INPUT]: { data: seededScores(B * Cin * L * L, 1), dims: [B, Cin, L, L] } };

  const results: OrtRunResult[] = [await runOrtNode(model, feeds, { runs }), await runOrtWeb(model, feeds, { runs })];
  if (options.browser) {
    const runner = await startBrowserRunner();
    try {
      results.push(await runner.run(model, feeds, { runs }));
    } finally {
      await runner.close();
    }
  }
  const reference = results[0]!.outputs[MTA_MODEL_OUTPUT]!.data;
  const timings = results.map((r) => ({
    backend: r.backend,
    sessionCreateMs: r.timings.sessionCreateMs,
    firstRunMs: r.timings.runMs[0]!,
    warmRunMs: r.timings.runMs.length > 1 ? Math.min(...r.timings.runMs.slice(1)) : Number.NaN,
    relFroVsOrtNode: compareTensors(r.outputs[MTA_MODEL_OUTPUT]!.data, reference).relFro,
  }));
  return { exportMs, modelBytes: model.byteLength, timings };
}

/**
 * As a script: pnpm exec tsx examples/web/tools/time-mta.ts [--L 256] [--runs 3] [--browser]
 * (post-softmax MTA, B = 2, C = 4, K = 3, padding 1; prints one line per runtime).
 */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const flags = {
    L: { value: integer({ min: 1 }), default: 256, help: 'sequence length' },
    runs: { value: integer({ min: 1 }), default: 3, help: 'runs per runtime (the first is reported apart)' },
    browser: { switch: true, help: 'also onnxruntime-web in headless Chromium' },
  } as const;
  const usage = ['usage: pnpm exec tsx examples/web/tools/time-mta.ts [flags]', ...formatFlagHelp(flags)].join('\n');
  if (wantsHelp(argv)) {
    console.log(usage);
  } else {
    const { L, runs, browser } = parseOrExit(() => parseFlags(argv, flags).values, usage);
    const report = await timeMtaOnOrt({ B: 2, Cin: 4, Cout: 4, L, kH: 3, kW: 3 },
      { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, { runs, browser });
    console.log(`export ${report.exportMs.toFixed(0)} ms, ${report.modelBytes} bytes`);
    for (const t of report.timings) {
      console.log(`${t.backend.padEnd(16)} session ${t.sessionCreateMs.toFixed(1)} ms, first run ${t.firstRunMs.toFixed(1)} ms, ` +
        `warm ${t.warmRunMs.toFixed(1)} ms, relFro vs ort-node ${t.relFroVsOrtNode.toExponential(2)}`);
    }
  }
}

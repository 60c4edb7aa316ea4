/**
 * ONNX Runtime running the exported MTA forward as a benchmark backend; the rows of index.ts pick
 * the package. `prepare` exports the op through the project's tracing exporter (the same export the
 * conformance check runs) and creates the session and the input tensor; only `session.run` is timed.
 * ONNX Runtime has no backward here: the forward phase only.
 */
// Registers the cpu device and its MTA kernels, which the tracing export runs on.
import { exportMtaProblem, type MtaProblem } from '@mta/conformance';
import { makeInputs, makeProblem } from '../problem';
import type { BenchBackend, BenchInputs, BenchProblem, HostResults, Phase, PreparedRun, RuntimeInfo, Variant } from '../types';
import { formatPlacement, runOrtWebgpu } from '@mta/ort';
import { createReusableOrtSession, type BenchOrtBackend, type ReusableOrtSession } from './ort-session';

/** Names exportMtaProblem gives the graph's input and output. */
const INPUT = 'scores';
const OUTPUT = 'out';

function toMtaProblem({ problem, scores, weight, bias, gradOut }: BenchInputs): MtaProblem {
  return {
    name: `bench ${problem.variant} L=${problem.shape.L}`,
    shape: problem.shape,
    config: problem.config,
    scores,
    weight,
    bias: bias ?? null,
    gradOut,
  };
}

class OrtPreparedRun implements PreparedRun {
  constructor(private readonly session: ReusableOrtSession) {}

  /** Session creation (graph optimisation; on the WebGPU EP also its adapter and device), untimed by the harness. */
  extraInfo(): Readonly<Record<string, number>> {
    return { sessionCreateMs: this.session.sessionCreateMs };
  }

  async forward(): Promise<void> {
    // The outputs are ORT-allocated JS arrays: dropping them is all a caller does after use.
    await this.session.run();
  }

  forwardBackward(): never {
    throw new Error(`${this.session.backend}: runs the exported forward only; there is no backward in the ONNX graph.`);
  }

  async results(phase: Phase): Promise<HostResults> {
    if (phase !== 'forward') this.forwardBackward();
    return { out: this.session.readOutput(await this.session.run(), OUTPUT) };
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}

/**
 * The WebGPU EP silently hands nodes it has no kernel for to the CPU EP: before a variant is timed, its graph
 * runs once at a small L with ORT's profiler on (runOrtWebgpu), which throws when real work left the GPU (the
 * IsNaN, which ORT 1.30's WebGPU EP lacks: the sparsemax lowering avoids it). The node kinds do not depend on L. Cached per variant.
 */
const placements = new Map<Variant, Promise<string>>();
function placementOn(variant: Variant): Promise<string> {
  let found = placements.get(variant);
  if (found === undefined) {
    const inputs = makeInputs(makeProblem(variant, 8));
    const { B, Cin, L } = inputs.problem.shape;
    found = runOrtWebgpu(exportMtaProblem(toMtaProblem(inputs)), { [INPUT]: { data: inputs.scores, dims: [B, Cin, L, L] } })
      .then(({ placement }) => formatPlacement(placement));
    placements.set(variant, found);
  }
  return found;
}

export function createOrtBackend(backend: BenchOrtBackend): BenchBackend {
  const sessionFor = (inputs: BenchInputs): Promise<ReusableOrtSession> => {
    const { B, Cin, L } = inputs.problem.shape;
    return createReusableOrtSession(backend, exportMtaProblem(toMtaProblem(inputs)), { [INPUT]: { data: inputs.scores, dims: [B, Cin, L, L] } });
  };
  let description = `${backend} (no session created yet)`;
  let info: RuntimeInfo = { runtime: description, threads: 1, simd: 'unknown' };
  return {
    describe: () => description,
    info: () => info,
    unsupported(problem: BenchProblem): string | undefined {
      return problem.config.mode === 'post' ? undefined : `the benchmark runs post-softmax MTA only, got mode '${problem.config.mode}'`;
    },
    async setup(): Promise<void> {
      // A session on a tiny graph: loads the runtime and fixes describe() before the first cell.
      const inputs = makeInputs(makeProblem('softmax', 8));
      const probe = await sessionFor(inputs);
      description = probe.description;
      info = probe.info;
      await probe.release();
      if (backend === 'ort-webgpu') description += `; node placement (profiled, softmax graph): ${await placementOn('softmax')}`;
    },
    async prepare(inputs: BenchInputs): Promise<PreparedRun> {
      if (backend === 'ort-webgpu') await placementOn(inputs.problem.variant);
      return new OrtPreparedRun(await sessionFor(inputs));
    },
    async dispose(): Promise<void> {
      // Sessions were released by each prepared run.
    },
  };
}

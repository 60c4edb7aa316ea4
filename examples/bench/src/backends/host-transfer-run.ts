/**
 * A prepared run that times host to host: every run uploads its inputs from the JS arrays, runs the op and
 * reads every result back into JS, as a caller that holds host data sees it. Next to the device-resident
 * run (device-backend.ts) it shows what the transfers cost (on a GPU: PCIe and the staging copies).
 */
import { noGrad, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import type { BenchInputs, HostResults, Phase, PreparedRun } from '../types';
import { asFloat32 } from './device-backend';
import type { LastRunStats } from './device-backend';

export class HostTransferRun implements PreparedRun {
  constructor(
    private readonly device: string,
    private readonly inputs: BenchInputs,
    private readonly options: MtaOptions,
    private readonly stats?: LastRunStats,
    private readonly settle: () => Promise<void> = async () => {},
  ) {}

  async forward(): Promise<void> {
    await this.run('forward');
  }

  async forwardBackward(): Promise<void> {
    await this.run('forward+backward');
  }

  results(phase: Phase): Promise<HostResults> {
    return this.run(phase);
  }

  extraInfo(): Readonly<Record<string, number>> | undefined {
    return this.stats?.read();
  }

  dispose(): void {
    // Every run disposed what it uploaded.
  }

  private async run(phase: Phase): Promise<HostResults> {
    this.stats?.reset();
    const { problem, scores, weight, bias, gradOut } = this.inputs;
    const { B, Cin, Cout, L, kH, kW } = problem.shape;
    const device = this.device;
    const requiresGrad = phase === 'forward+backward';
    const made = tidy(() => {
      const s = tensor(scores, [B, Cin, L, L], { device, requiresGrad });
      const w = tensor(weight, [Cout, Cin / problem.config.groups, kH, kW], { device, requiresGrad });
      const b = bias === undefined ? null : tensor(bias, [Cout], { device, requiresGrad });
      if (!requiresGrad) return { out: noGrad(() => multiTokenAttention(s, w, b, this.options)), leaves: [s, w, b] as const };
      const out = multiTokenAttention(s, w, b, this.options);
      out.backward(tensor(gradOut, [B, Cout, L, L], { device }));
      return { out, leaves: [s, w, b] as const };
    });
    const [s, w, b] = made.leaves;
    const read = (t: Tensor | null | undefined, what: string): Promise<Float32Array> | undefined => (t ? asFloat32(t, what) : undefined);
    try {
      const out = await asFloat32(made.out, 'out');
      if (!requiresGrad) return { out };
      const [gradScores, gradWeight, gradBias] = [await read(s.grad, 'gradScores'), await read(w.grad, 'gradWeight'), await read(b?.grad, 'gradBias')];
      await this.settle();
      return { out, ...(gradScores ? { gradScores } : {}), ...(gradWeight ? { gradWeight } : {}), ...(gradBias ? { gradBias } : {}) };
    } finally {
      for (const t of [made.out, s, w, b]) { t?.grad?.dispose(); t?.dispose(); }
    }
  }
}

import { SOC_NAMES, formatBytes, type NpuDType } from '@mta/device-npu';
import {
  DEFAULT_LINT_GRID, NPU_MTA_PLANNERS, lintNpu, type LintCase, type LintGrid, type LintKernelSummary, type LintReport,
} from '@mta/ops-mta';
import { bytes, integer, listOf, oneOf, parseFlags } from '@mta/args';
import { EXIT_FAILURE, EXIT_OK, progressWanted, type Command } from './command';
import { socValue } from './soc-flag';

const DTYPES: readonly NpuDType[] = ['float32', 'float16', 'bfloat16'];

const help = `usage: pnpm mta lint-npu [--planner ${NPU_MTA_PLANNERS.join(',')}] [--soc ${SOC_NAMES.join(',')}]
                         [--ub 192KiB,16KiB,4KiB] [--dtype ${DTYPES.join(',')}] [--L 1,5,97,260] [--json]

Runs every npu MTA kernel of a planner over a grid of shapes, dtypes, UB sizes and SoCs: in the simulator in
poison mode at the --L lengths (default ${DEFAULT_LINT_GRID.simulatedLengths.join(', ')}; the Liger presets' row kernels at
${DEFAULT_LINT_GRID.presetSimulatedLengths.join(', ')}), and planned only (UB fit + loop-bound coverage) at L = 1 .. 65536 around every power of two.
Prints per kernel the worst UB use, the first rule violated (whatever named error the simulator or planner
raises: overflow, unwritten, uninitialized read, misaligned DMA or vector operand, race, ...) and GM traffic
against the minimum the kernel declares. --planner defaults to the kernels registered for the npu (default);
liger-pr1122 and liger-ascend lint the presets. Exits 1 on any violation, 2 on a usage error.`;

export const lintNpuCommand: Command = {
  summary: 'lint every npu kernel over shapes, dtypes, UB sizes and SoCs (poison mode)',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, {
      planner: { value: listOf(oneOf(NPU_MTA_PLANNERS)), help: 'planners to lint' },
      soc: { value: listOf(socValue()), help: 'SoC presets' },
      ub: { value: listOf(bytes()), help: 'UB sizes' },
      dtype: { value: listOf(oneOf(DTYPES)), help: 'GM dtypes' },
      L: { value: listOf(integer({ min: 1 })), help: 'simulated sequence lengths' },
      json: { switch: true, help: 'print JSON' },
    });
    const grid: LintGrid = {
      ...DEFAULT_LINT_GRID,
      ...(values.planner ? { planners: values.planner } : {}),
      ...(values.soc ? { socs: values.soc } : {}),
      ...(values.ub ? { ubBytes: values.ub } : {}),
      ...(values.dtype ? { dtypes: values.dtype } : {}),
      ...(values.L ? { simulatedLengths: values.L, presetSimulatedLengths: values.L } : {}),
    };
    const t0 = performance.now();
    const report = runLintNpu(grid);
    const seconds = (performance.now() - t0) / 1000;
    console.log(values.json ? JSON.stringify({ grid: gridSummary(grid), seconds: Number(seconds.toFixed(2)), ...report }, null, 2) : formatLintReport(report, grid, seconds));
    return report.clean ? EXIT_OK : EXIT_FAILURE;
  },
};

/** The lint with progress on stderr when it is a terminal (`pnpm check` calls this too). */
export function runLintNpu(grid: LintGrid = DEFAULT_LINT_GRID): LintReport {
  const progress = progressWanted();
  const report = lintNpu(grid, progress ? { onProgress: (done, total) => { if (done % 50 === 0 || done === total) process.stderr.write(`\rlint-npu ${done}/${total}`); } } : {});
  if (progress) process.stderr.write('\n');
  return report;
}

function gridSummary(grid: LintGrid): Record<string, unknown> {
  return {
    planners: grid.planners, socs: grid.socs, ubBytes: grid.ubBytes, dtypes: grid.dtypes, variants: grid.variants.map((v) => v.name),
    simulatedLengths: grid.simulatedLengths, presetSimulatedLengths: grid.presetSimulatedLengths, plannedLengths: grid.plannedLengths,
    batch: grid.batch, channels: grid.channels, kernelSize: grid.kernelSize,
  };
}

const where = (at: LintCase): string => `${at.variant} soc ${at.soc} UB ${formatBytes(at.ubBytes)} ${at.dtype} L=${at.L} [${at.source}]`;

function kernelLine(k: LintKernelSummary): string[] {
  const ub = k.worstUb
    ? `${k.worstUb.bytes.toLocaleString('en-US')} B = ${((100 * k.worstUb.bytes) / k.worstUb.capacityBytes).toFixed(1)}% of ${formatBytes(k.worstUb.capacityBytes)} (${where(k.worstUb.at)})`
    : 'not in UB';
  const gm = k.gmMinBytes
    ? `${(k.gmBytes / k.gmMinBytes).toFixed(3)}x the minimum (${k.gmBytes.toLocaleString('en-US')} / ${k.gmMinBytes.toLocaleString('en-US')} B over the simulated runs)` +
      (k.gmBytes < k.gmMinBytes ? '; below the minimum: some runs did not write all their outputs' : '')
    : k.gmBytes > 0 ? `${k.gmBytes.toLocaleString('en-US')} B over the simulated runs (the minimum is declared per op, below)` : 'not simulated (planned only)';
  const first = k.firstViolation
    ? `${k.firstViolation.rule} (${k.firstViolation.error}) in ${k.violations} of ${k.checks} checks, first at ${where(k.firstViolation.at)}: ${k.firstViolation.message}`
    : 'none';
  const head = `  ${k.planner} ${k.kernel}${k.scope === 'op' ? ' (all kernels of the op)' : ''}  [${k.firstViolation ? 'VIOLATION' : 'ok'}]`;
  return k.scope === 'op' ? [head, `      GM traffic: ${gm}`] : [head, `      worst UB: ${ub}`, `      GM traffic: ${gm}`, `      first violation: ${first}`];
}

export function formatLintReport(report: LintReport, grid: LintGrid, seconds: number): string {
  const lines = [
    `lint-npu: planners ${grid.planners.join(', ')}; SoCs ${grid.socs.join(', ')}; UB ${grid.ubBytes.map(formatBytes).join(', ')}; ${grid.dtypes.join(', ')}; ` +
      `${report.cases.simulated.toLocaleString('en-US')} cases simulated in poison mode, ${report.cases.planned.toLocaleString('en-US')} planned; ${seconds.toFixed(1)} s`,
  ];
  for (const k of report.kernels) lines.push(...kernelLine(k));
  const bad = report.kernels.filter((k) => k.firstViolation);
  const kernels = report.kernels.filter((k) => k.scope === 'kernel').length;
  lines.push(report.clean ? `CLEAN: ${kernels} kernels, no rule violated` : `VIOLATIONS: ${report.violations.toLocaleString('en-US')} in ${bad.length} of ${kernels} kernels (${bad.map((k) => k.kernel).join(', ')})`);
  return lines.join('\n');
}


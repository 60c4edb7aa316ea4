/**
 * The text (or JSON) `pnpm mta plan` prints: every kernel's loop bounds and UB bytes against capacity,
 * OVERFLOW where a plan does not fit, and outputs its loop bounds leave unwritten.
 */
import { formatBytes, tritonUbOverflowLine, type NpuSpec } from '@mta/device-npu';
import { planCoverage } from './plan-coverage.js';
import type { NpuKernelPlan, NpuMtaPlan } from './plan-types.js';

export interface PlanReportOptions {
  readonly json?: boolean;
}

function tilingText(k: NpuKernelPlan, L: number): string {
  const t = k.tiling;
  switch (t.kind) {
    case 'band':
      return `${t.pass}; column block ${t.colBlock} (${t.colBlocks} per row${t.colBlocks > 1 ? `, tail ${L - (t.colBlocks - 1) * t.colBlock}` : ''}); ` +
        `${t.rowsPerUnit} rows per unit (${t.rowRanges} ranges${t.rowRanges > 1 ? `, tail ${L - (t.rowRanges - 1) * t.rowsPerUnit}` : ''}), ${t.units} units`;
    case 'row':
      return `row block ${t.rowBlock}; ${t.rows} rows in ${t.chunks} chunks of ${t.rowChunk}${t.writesRows ? '; writes rows' : ''}`;
    case 'reduce':
      return `${t.partials} partials x ${t.elems} elements, chunk ${t.chunk}`;
    case 'pr-row':
      return `row block ${t.block}; ${t.rows} rows`;
    case 'pr-tile':
      return `tile ${t.tile} x ${t.tile}; grid ${t.grid.join(' x ')}`;
    case 'external':
      return t.what;
  }
}

function pct(a: number, b: number): string {
  return `${((100 * a) / b).toFixed(1)}%`;
}

function kernelLines(k: NpuKernelPlan, L: number): string[] {
  const lines: string[] = [];
  const status = k.ubBytes === null ? 'not in UB' : k.fits ? 'ok' : 'OVERFLOW';
  const ub = k.ubBytes === null
    ? 'UB: not planned'
    : `UB ${k.ubBytes.toLocaleString('en-US')} / ${k.capacityBytes.toLocaleString('en-US')} B (${pct(k.ubBytes, k.capacityBytes)}; budget ${k.budgetBytes.toLocaleString('en-US')} B)`;
  lines.push(`  ${k.name}  [${status}]`);
  lines.push(`      ${k.description}`);
  lines.push(k.tiling.kind === 'external' ? '      outside the UB plan' : `      ${tilingText(k, L)}; ${k.cores} cores`);
  const buffering = k.ubBytes === null ? '' : k.doubleBuffered ? '; double-buffered (BUFFER_NUM 2: DMA overlaps compute)' : '; single-buffered';
  lines.push(`      ${ub}${k.prEstimateBytes !== undefined ? `; PR's own estimate ${k.prEstimateBytes.toLocaleString('en-US')} B` : ''}${buffering}`);
  if (k.ubBytes !== null && !k.fits) lines.push(`      ${tritonUbOverflowLine(k.ubBytes, k.budgetBytes)}`);
  if (k.buffers.length) lines.push(`      buffers: ${k.buffers.map((b) => `${b.name} ${b.bytes.toLocaleString('en-US')} B${b.copies === 2 ? ' (x2)' : ''}`).join(', ')}`);
  for (const n of k.notes) lines.push(`      note: ${n}`);
  return lines;
}

export function formatNpuPlanReport(plan: NpuMtaPlan, spec: NpuSpec, options: PlanReportOptions = {}): string {
  const coverage = planCoverage(plan);
  if (options.json) {
    return JSON.stringify({ spec, plan, coverage }, null, 2);
  }
  const s = plan.shape;
  const c = plan.config;
  const lines: string[] = [];
  lines.push(`MTA plan (${plan.planner} planner): L=${s.L} B=${s.B} Cin=${s.Cin} Cout=${s.Cout} kernel ${s.kH}x${s.kW} ` +
    `pads [${c.pads.join(', ')}] dilation [${c.dilation.join(', ')}] groups ${c.groups}; ${c.mode} ${c.sparse ? 'sparsemax' : 'softmax'}; ` +
    `GM dtype ${plan.dtype}${plan.bias ? ', bias' : ''}`);
  lines.push(`UB ${spec.ubBytes.toLocaleString('en-US')} B (${formatBytes(spec.ubBytes)}) per core; ` +
    (plan.planner === 'default' ? `budget ${plan.budgetBytes.toLocaleString('en-US')} B (margin ${plan.margin}); ` : '') +
    `${spec.vectorCores} vector cores`);
  for (const [title, list] of [['forward', plan.forward], ['backward', plan.backward]] as const) {
    lines.push(`${title}:`);
    if (list.length === 0) lines.push('  (no kernels)');
    for (const k of list) lines.push(...kernelLines(k, s.L));
  }
  const unwritten = coverage.filter((e) => e.unwritten > 0);
  for (const e of unwritten) lines.push(`UNWRITTEN: ${e.kernel} leaves ${e.unwritten.toLocaleString('en-US')} of ${e.elements.toLocaleString('en-US')} elements of ${e.output} unwritten`);
  const overflow = [...plan.forward, ...plan.backward].filter((k) => !k.fits);
  lines.push(overflow.length === 0 && unwritten.length === 0
    ? 'every kernel fits the UB and its loop bounds cover every output element'
    : `${overflow.length} kernel(s) OVERFLOW the UB; ${unwritten.length} output(s) not fully written`);
  for (const n of plan.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

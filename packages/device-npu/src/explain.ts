/**
 * explain(): what every launch did — its plan, UB peak against capacity, GM bytes against the minimum its
 * math needs, DMA transfers, and the roofline time estimate — plus per-op totals (forward, backward).
 */
import { fallbackStats } from '@mta/core';
import type { LaunchLog, LaunchRecord, LaunchTotals } from './launch-records.js';
import { type NpuSpec, formatBytes } from './spec.js';

export interface ExplainGroup {
  readonly name: string;
  readonly kernels: readonly string[];
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly burstBytes: number;
  readonly minReadBytes: number;
  readonly minWriteBytes: number;
  /** (read + write) / (min read + min write). */
  readonly trafficRatio: number;
  readonly estSeconds: number;
  readonly wallMs: number;
}

export interface ExplainReport {
  readonly spec: NpuSpec;
  /** The most recent launches the simulator kept (its recordLimit), oldest first. */
  readonly launches: readonly LaunchRecord[];
  /** Launches recorded before those and no longer kept (still counted in `totals`). */
  readonly droppedLaunches: number;
  /** Sums over every launch since the records were last cleared. */
  readonly totals: LaunchTotals;
  readonly groups: readonly ExplainGroup[];
  /** Ops that ran on cpu because the npu has no kernel for them (its fallback policy), `op@npu` -> calls. */
  readonly fallbacks: Readonly<Record<string, number>>;
}

export function buildExplain(spec: NpuSpec, log: LaunchLog): ExplainReport {
  const gs = log.groups.map((g): ExplainGroup => {
    const ls = g.launches.map((i) => log.launchAt(i)).filter((l): l is LaunchRecord => l !== undefined);
    const readBytes = ls.reduce((s, l) => s + l.gmReadBytes, 0);
    const writeBytes = ls.reduce((s, l) => s + l.gmWriteBytes, 0);
    const min = g.minReadBytes + g.minWriteBytes;
    return {
      name: g.name,
      kernels: ls.map((l) => l.kernel),
      readBytes,
      writeBytes,
      burstBytes: ls.reduce((s, l) => s + l.gmReadBurstBytes + l.gmWriteBurstBytes, 0),
      minReadBytes: g.minReadBytes,
      minWriteBytes: g.minWriteBytes,
      trafficRatio: min > 0 ? (readBytes + writeBytes) / min : NaN,
      estSeconds: ls.reduce((s, l) => s + l.estSeconds, 0),
      wallMs: ls.reduce((s, l) => s + l.wallMs, 0),
    };
  });
  const fallbacks = Object.fromEntries([...fallbackStats()].filter(([key]) => key.endsWith('@npu')));
  return { spec, launches: log.launches, droppedLaunches: log.dropped, totals: log.totals, groups: gs, fallbacks };
}

const mb = (b: number): string => `${(b / (1024 * 1024)).toFixed(2)} MiB`;
const us = (s: number): string => `${(s * 1e6).toFixed(1)} us`;

export function formatExplain(r: ExplainReport): string {
  const lines: string[] = [];
  lines.push(`NPU simulator: ${r.spec.name}; UB ${formatBytes(r.spec.ubBytes)} per core, ${r.spec.vectorCores} vector cores, ` +
    `GM ${(r.spec.gmBytesPerSecond / 1e9).toFixed(0)} GB/s, vector ${r.spec.vectorBytesPerCycle} B/cycle at ${(r.spec.clockHz / 1e9).toFixed(2)} GHz`);
  if (r.droppedLaunches > 0) {
    lines.push(`(${r.droppedLaunches.toLocaleString('en-US')} earlier launches not kept; all ${r.totals.launches.toLocaleString('en-US')}: ` +
      `GM ${mb(r.totals.gmReadBytes + r.totals.gmWriteBytes)}, estimate ${us(r.totals.estSeconds)}, ${r.totals.failed} failed)`);
  }
  for (const l of r.launches) {
    const pct = ((100 * l.ubPeakBytes) / l.ubCapacityBytes).toFixed(1);
    const min = l.minReadBytes !== null && l.minWriteBytes !== null ? l.minReadBytes + l.minWriteBytes : null;
    const ratio = min ? ` = ${((l.gmReadBytes + l.gmWriteBytes) / min).toFixed(3)}x min ${mb(min)}` : '';
    lines.push(`- ${l.kernel}${l.group ? ` [${l.group}]` : ''} on ${l.cores} cores${l.error ? `  FAILED: ${l.error.split('\n')[0]}` : ''}`);
    lines.push(`    plan: ${l.plan}`);
    lines.push(`    UB peak ${l.ubPeakBytes.toLocaleString('en-US')} / ${l.ubCapacityBytes.toLocaleString('en-US')} B (${pct}%)`);
    lines.push(`    GM read ${mb(l.gmReadBytes)} + write ${mb(l.gmWriteBytes)}${ratio}; 32-byte bursts ${mb(l.gmReadBurstBytes + l.gmWriteBurstBytes)}; ${l.transfers.toLocaleString('en-US')} DMA transfers`);
    lines.push(`    ${l.doubleBuffered ? 'double-buffered (BUFFER_NUM 2)' : 'single-buffered (BUFFER_NUM 1)'}: estimate ${us(l.estSeconds)} ` +
      `(GM ${us(l.estGmSeconds)}, vector ${us(l.estVectorSeconds)}; single-buffered ${us(l.estSingleBufferedSeconds)}, ` +
      `double-buffered ${us(l.estDoubleBufferedSeconds)}); simulated in ${l.wallMs.toFixed(1)} ms`);
  }
  for (const g of r.groups) {
    lines.push(`= ${g.name}: GM ${mb(g.readBytes + g.writeBytes)} vs minimum ${mb(g.minReadBytes + g.minWriteBytes)} (${g.trafficRatio.toFixed(3)}x); ` +
      `estimate ${us(g.estSeconds)}; simulated in ${g.wallMs.toFixed(1)} ms; kernels ${g.kernels.join(', ')}`);
  }
  const fellBack = Object.entries(r.fallbacks).sort((a, b) => b[1] - a[1]);
  if (fellBack.length) lines.push(`cpu fallbacks (ops without an npu kernel, calls): ${fellBack.map(([op, n]) => `${op} ${n}`).join(', ')}`);
  return lines.join('\n');
}

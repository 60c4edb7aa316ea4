/**
 * The README's benchmark numbers, generated from one committed results file (bench/results.json) so
 * the prose cannot drift from the run: `pnpm bench:readme` rewrites the block between the markers,
 * and a test fails when the README's block is not what this file makes of the committed results.
 */
import type { BenchReport } from './results';
import type { BenchResult, Phase } from './types';

export const README_BEGIN = '<!-- bench-table:begin (generated from bench/results.json by `pnpm bench:readme`; do not edit) -->';
export const README_END = '<!-- bench-table:end -->';

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)}`;
}

/** One markdown table per (phase, page setting): rows L, columns backends, cells "ms (x ratio)". */
function phaseTable(report: BenchReport, phase: Phase, hugetlb: boolean): string[] {
  const rows = report.results.filter((r) => r.variant === 'softmax' && r.phase === phase && r.hugetlb === hugetlb);
  if (rows.length === 0) return [];
  const names = report.backends.map((b) => b.name).filter((n) => rows.some((r) => r.backend === n));
  const Ls = [...new Set(rows.map((r) => r.L))].sort((a, b) => a - b);
  const reference = report.reference;
  const pages = hugetlb ? 'with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`' : 'default pages';
  const lines = [
    '',
    `Softmax ${phase}, ${pages}: median ms (ratio to ${reference} in the same run); floor = arithmetic floor, cpu/floor:`,
    '',
    `| L | ${names.join(' | ')} | floor | cpu/floor |`,
    `|---:|${names.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const L of Ls) {
    const at = (name: string): BenchResult | undefined => rows.find((r) => r.L === L && r.backend === name);
    const base = reference === null ? undefined : at(reference);
    const cells = names.map((name) => {
      const row = at(name);
      if (row === undefined) return '-';
      const ratio = base === undefined || name === reference ? '' : ` (${(row.medianMs / base.medianMs).toFixed(2)}x)`;
      return `${ms(row.medianMs)}${ratio}`;
    });
    const any = rows.find((r) => r.L === L)!;
    const cpu = at('cpu');
    lines.push(`| ${L} | ${cells.join(' | ')} | ${ms(any.floorMs)} | ${cpu === undefined ? '-' : `${cpu.ratioToFloor.toFixed(2)}x`} |`);
  }
  return lines;
}

/**
 * Where the cpu row stands against the issue-16 targets, computed from the same results (median ratios
 * within one page setting of one run): fwd+bwd at L = 1024 against tfjs-wasm (<= 0.10x) and the floor
 * (<= 2x), forward against onnxruntime-node (<= 0.25x), with huge pages fwd+bwd against PyTorch CPU
 * (<= 0.5x), the npu simulator against cpu (<= 3x), the cpu's peak extra memory (one saved map plus the
 * gradient buffers) and time per score element across the run's Ls (flat within 1.5x).
 */
function targetLines(report: BenchReport): string[] {
  const lines: string[] = ['', 'Targets (issue 16), from these results:'];
  for (const hugetlb of [false, true]) {
    const rows = report.results.filter((r) => r.variant === 'softmax' && r.hugetlb === hugetlb);
    const at = (backend: string, phase: Phase, L: number) => rows.find((r) => r.backend === backend && r.phase === phase && r.L === L);
    const cpuBoth = at('cpu', 'forward+backward', 1024);
    const tfjsBoth = at('tfjs-wasm', 'forward+backward', 1024);
    const cpuForward = at('cpu', 'forward', 1024);
    const ortForward = at('ort-node', 'forward', 1024);
    const verdict = (value: number, limit: number) => `${value.toFixed(2)}x (target <= ${limit}x: ${value <= limit ? 'met' : 'not met'})`;
    const parts: string[] = [];
    if (cpuBoth && tfjsBoth) parts.push(`fwd+bwd L=1024 cpu / tfjs-wasm ${verdict(cpuBoth.medianMs / tfjsBoth.medianMs, 0.1)}`);
    if (cpuBoth) parts.push(`cpu / floor ${verdict(cpuBoth.ratioToFloor, 2)}`);
    if (cpuForward && ortForward) parts.push(`forward L=1024 cpu / ort-node ${verdict(cpuForward.medianMs / ortForward.medianMs, 0.25)}`);
    const torchBoth = at('torch', 'forward+backward', 1024);
    if (hugetlb && cpuBoth && torchBoth) parts.push(`fwd+bwd L=1024 cpu / torch ${verdict(cpuBoth.medianMs / torchBoth.medianMs, 0.5)}`);
    const npuBoth = at('npu', 'forward+backward', 1024);
    if (cpuBoth && npuBoth) parts.push(`fwd+bwd L=1024 npu / cpu ${verdict(npuBoth.medianMs / cpuBoth.medianMs, 3)}`);
    // One saved probability map plus the gradient buffers: (B, Cin, L, L) and (B, Cin, L, L) float32 (dW, db are tiny).
    if (cpuBoth) {
      const bound = 2 * report.problem.B * report.problem.Cin * 1024 * 1024 * 4;
      const extra = cpuBoth.peakExtraBytes;
      parts.push(`cpu peak extra fwd+bwd L=1024 ${mib(extra)} MiB (target <= one map + gradient buffers = ${mib(bound)} MiB: ${extra <= bound ? 'met' : 'not met'})`);
    }
    const perElement = rows.filter((r) => r.backend === 'cpu' && r.phase === 'forward+backward').map((r) => ({ L: r.L, ns: (r.medianMs * 1e6) / (r.L * r.L) }));
    if (perElement.length > 1) {
      const spread = Math.max(...perElement.map((p) => p.ns)) / Math.min(...perElement.map((p) => p.ns));
      parts.push(`fwd+bwd time per score element, L ${perElement.map((p) => p.L).join('/')}: ${perElement.map((p) => p.ns.toFixed(0)).join(' / ')} ns, spread ${verdict(spread, 1.5)}`);
    }
    if (parts.length > 0) lines.push(`- ${hugetlb ? 'hugetlb' : 'default pages'}: ${parts.join('; ')}.`);
  }
  return lines;
}

/** How each cell was timed, from the run's settings (older results files carry no warm-up time). */
function measureWords(settings: BenchReport['settings']): string {
  const warmup = `${settings.warmup} warm-up runs${settings.warmupMinMs ? ` and at least ${settings.warmupMinMs} ms of them (JIT tiers)` : ''}`;
  return `: ${warmup}, then at least ${settings.repeats} timed runs and ${settings.minTimeMs} ms; medians`;
}

/** The generated README block (markers included). */
export function readmeBenchBlock(report: BenchReport): string {
  const env = report.environment;
  const [load1 = 0, load5 = 0] = env.loadAverage;
  const lines = [
    README_BEGIN,
    `From \`bench/results.json\` (${report.createdAt.slice(0, 16).replace('T', ' ')} UTC): ${env.cpu}, ${env.cpus} cores, Node ${env.node}, ` +
      `load average ${load1.toFixed(1)} / ${load5.toFixed(1)} (1 / 5 min) at the end of the run${load5 > env.cpus * 0.75 ? ': other work shared the CPU, compare ratios' : ''}. ` +
      'Every cell ran in a fresh process' + measureWords(report.settings) + '.',
    '',
    '| backend | runtime | threads | SIMD |',
    '|---|---|---:|---|',
  ];
  for (const b of report.backends) {
    const row = report.results.find((r) => r.backend === b.name);
    const skip = report.skipped.find((k) => k.backend === b.name);
    if (row !== undefined) lines.push(`| ${b.name} | ${row.runtime} | ${row.threads} | ${row.simd} |`);
    else if (skip !== undefined) lines.push(`| ${b.name} | skipped: ${skip.reason} | - | - |`);
  }
  for (const hugetlb of [false, true]) for (const phase of ['forward', 'forward+backward'] as const) lines.push(...phaseTable(report, phase, hugetlb));
  lines.push(...targetLines(report));
  const memory = report.results.filter((r) => r.variant === 'softmax' && r.phase === 'forward+backward' && !r.hugetlb && r.L === 1024);
  if (memory.length > 0) {
    lines.push('', `Peak extra memory, softmax forward+backward, L = 1024 (one method for every backend: ${report.memoryMethod.split(';')[0]}): ` +
      memory.map((r) => `${r.backend} ${mib(r.peakExtraBytes)} MiB`).join(', ') + '.');
  }
  const f = report.floor;
  lines.push('', `Floor: ${f.lanes} lanes x ${f.cores} cores x ${f.clockGHz.toFixed(2)} GHz (${f.clockSource}); ${f.method}`);
  lines.push(README_END);
  return lines.join('\n');
}

/** The README with its block replaced; throws when the markers are missing. */
export function withBenchBlock(readme: string, report: BenchReport): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README: the markers ${README_BEGIN} ... ${README_END} are missing`);
  return readme.slice(0, begin) + readmeBenchBlock(report) + readme.slice(end + README_END.length);
}

import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { learningCurvesSvg, type History } from './curves';
import type { TrainReport } from './trainer';

/**
 * Comparison across runs: a Markdown table of test error per model and seed (mean and spread), and one
 * SVG with every run's learning curves. Reads what runTraining wrote (report.json, log.json).
 */
export type StoredReport = Omit<TrainReport, 'history'>;

export function readRun(dir: string): { report: StoredReport; history: History } {
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as StoredReport;
  const { history } = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')) as { history: History };
  return { report, history };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function summaryTable(reports: readonly StoredReport[]): string {
  const models = [...new Set(reports.map((r) => r.model))];
  const seeds = [...new Set(reports.map((r) => r.seed))].sort((a, b) => a - b);
  const lines = [
    `| model | ${seeds.map((s) => `seed ${s}`).join(' | ')} | mean test error | mean wall time | training steps/s |`,
    `|---|${seeds.map(() => '---:').join('|')}|---:|---:|---:|`,
  ];
  for (const model of models) {
    const runs = reports.filter((r) => r.model === model);
    const cell = (seed: number) => {
      const r = runs.find((x) => x.seed === seed);
      return r ? pct(r.test.error) : '-';
    };
    const mean = (f: (r: StoredReport) => number) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
    lines.push(`| ${model} | ${seeds.map(cell).join(' | ')} | ${pct(mean((r) => r.test.error))} | ` +
      `${(mean((r) => r.wallSeconds) / 60).toFixed(1)} min | ${mean((r) => r.steps / r.trainSeconds).toFixed(2)} |`);
  }
  return lines.join('\n');
}

/**
 * The report with its paths relative to the summary's directory: summaries get committed
 * (docs/results/train-summary.json), and a path of the machine that ran them means nothing elsewhere.
 */
export function withRelativePaths(report: StoredReport, base: string): StoredReport {
  const rel = (p: string): string => (isAbsolute(p) ? relative(base, p) || '.' : p);
  const f = report.files;
  return {
    ...report,
    settings: { ...report.settings, out: rel(report.settings.out) },
    files: { checkpoint: rel(f.checkpoint), log: rel(f.log), curves: rel(f.curves), report: rel(f.report) },
  };
}

/** Writes summary.md, summary.json (paths relative to `out`) and curves.svg (all runs) into `out`. */
export async function writeSummary(out: string, runDirs: readonly string[]): Promise<string> {
  const runs = runDirs.map(readRun);
  const table = summaryTable(runs.map((r) => r.report));
  const first = runs[0]!.report.settings;
  const task = first.task;
  const header = `Toy task N=${task.blockSize}, K=${task.numBlocks}, Q=${task.numQueries}; ${first.layers} layers, width ${first.width}, ` +
    `${first.heads} heads, ${first.steps} steps of ${first.batchSize}; test error = exact block match over ${runs[0]!.report.test.size} held-out sequences.`;
  writeFileSync(join(out, 'summary.md'), `${header}\n\n${table}\n`);
  writeFileSync(join(out, 'summary.json'), JSON.stringify(runs.map((r) => withRelativePaths(r.report, out)), null, 1));
  const svg = await learningCurvesSvg(runs.map((r) => ({ name: `${r.report.model} seed ${r.report.seed}`, history: r.history })),
    'Toy task: baseline vs multi-token attention');
  writeFileSync(join(out, 'curves.svg'), svg);
  return `${header}\n\n${table}`;
}

/**
 * Generates docs/npu.md's verdict tables of the Liger presets (liger-pr1122, liger-ascend): on the 19 public
 * golden shapes, and on every L = 1 .. 65536 (runs of equal verdict merged into ranges). A verdict is what the
 * plan says: which kernels overflow the UB and how many outputs its loop bounds leave unwritten.
 *
 *   pnpm exec tsx packages/ops-mta/tools/npu/preset-verdicts.ts            # print markdown
 *   pnpm exec tsx packages/ops-mta/tools/npu/preset-verdicts.ts --write    # replace the tables in docs/npu.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type NpuDType, type NpuSpec, makeNpuSpec } from '@mta/device-npu';
import { defaultGoldenManifestPath } from '../../src/golden/default-path.js';
import { loadGoldenManifest } from '../../src/golden/manifest.js';
import {
  type NpuMtaConfig, type NpuMtaPlan, type NpuMtaPlannerName, type NpuMtaShape, defaultNpuMtaConfig, planCoverage, planNpuMta,
} from '../../src/kernels/npu/index.js';

const PRESETS: readonly NpuMtaPlannerName[] = ['liger-pr1122', 'liger-ascend'];
const UBS = [196_608, 16_384];
const n = (x: number): string => x.toLocaleString('en-US');
const short = (kernel: string): string => kernel.replace(/^pr1122\.|^liger-ascend\./, '');

/** "fits, covers" or the overflowing kernels and the unwritten count; '(no plan: ...)' when the preset has none. */
export function verdict(plan: NpuMtaPlan): string {
  if (plan.forward.length === 0 && plan.backward.length === 0) return 'no plan (post mode only)';
  const overflow = [...plan.forward, ...plan.backward].filter((k) => !k.fits).map((k) => short(k.name));
  const unwritten = planCoverage(plan).filter((e) => e.unwritten > 0);
  const parts: string[] = [];
  if (overflow.length) parts.push(`OVERFLOW ${overflow.join(', ')}`);
  for (const e of unwritten) parts.push(`UNWRITTEN ${n(e.unwritten)} of ${e.output} (${short(e.kernel)})`);
  const notPow2 = [...plan.forward, ...plan.backward].some((k) => k.notes.some((x) => x.includes('not a power of two')));
  if (notPow2) parts.push('tile not a power of two (stock Triton cannot compile)');
  return parts.length ? parts.join('; ') : 'fits, covers';
}

function goldenTable(): string {
  const suite = loadGoldenManifest(defaultGoldenManifestPath());
  const specs = UBS.map((ub) => makeNpuSpec({ ub, env: {} }));
  const head = PRESETS.flatMap((p) => specs.map((s) => `${p} @ ${s.ubBytes / 1024} KiB`));
  const lines = [`| case | L | mode | ${head.join(' | ')} |`, `|---|---:|---|${head.map(() => '---').join('|')}|`];
  for (const c of suite.cases) {
    const shape: NpuMtaShape = { B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH: c.kernel[0], kW: c.kernel[1] };
    const config: NpuMtaConfig = { mode: c.mode, sparse: c.sparse, pads: c.pads, dilation: c.dilation, groups: c.groups };
    const cells = PRESETS.flatMap((planner) => specs.map((spec) => verdict(planNpuMta(shape, 'float32', spec, { planner, config, bias: c.bias }))));
    lines.push(`| ${c.name} | ${c.L} | ${c.mode} ${c.sparse ? 'sparsemax' : 'softmax'} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Every L in [1, maxL], runs of equal verdict merged. */
function sweep(planner: NpuMtaPlannerName, spec: NpuSpec, dtype: NpuDType, sparse: boolean, maxL: number): Array<{ from: number; to: number; verdict: string }> {
  const runs: Array<{ from: number; to: number; verdict: string }> = [];
  for (let L = 1; L <= maxL; L++) {
    // The verdict's numbers grow with L; the merge key is the verdict with its counts taken out.
    const shape: NpuMtaShape = { B: 2, Cin: 4, Cout: 4, L, kH: 3, kW: 3 };
    const v = verdict(planNpuMta(shape, dtype, spec, { planner, config: defaultNpuMtaConfig(shape, { sparse }), bias: true }));
    const key = v.replace(/UNWRITTEN [\d,]+/g, 'UNWRITTEN');
    const last = runs[runs.length - 1];
    if (last && last.verdict.replace(/UNWRITTEN [\d,]+/g, 'UNWRITTEN') === key) last.to = L;
    else runs.push({ from: L, to: L, verdict: v });
  }
  return runs;
}

function sweepTable(maxL: number): string {
  const lines: string[] = [];
  for (const planner of PRESETS) {
    for (const ub of UBS) {
      const spec = makeNpuSpec({ ub, env: {} });
      for (const dtype of ['float16', 'float32'] as const) {
        for (const sparse of [false, true]) {
          lines.push(`**${planner}, UB ${ub / 1024} KiB, ${dtype}, post ${sparse ? 'sparsemax' : 'softmax'}** (B = 2, C = 4, 3 x 3)`, '');
          lines.push('| L | verdict (UNWRITTEN counts at the first L of the range) |', '|---|---|');
          for (const r of sweep(planner, spec, dtype, sparse, maxL)) lines.push(`| ${r.from === r.to ? n(r.from) : `${n(r.from)} .. ${n(r.to)}`} | ${r.verdict} |`);
          lines.push('');
        }
      }
    }
  }
  return lines.join('\n');
}

export function presetVerdictTables(maxL = 65_536): string {
  return [
    '**On the 19 public golden shapes** (float32; our planner fits and covers all of them at both UB sizes, see lint-npu)', '',
    goldenTable(), '',
    `**On every L = 1 .. ${n(maxL)}**`, '',
    sweepTable(maxL),
  ].join('\n');
}

const BEGIN = '<!-- preset-verdicts:begin (generated by packages/ops-mta/tools/npu/preset-verdicts.ts --write) -->';
const END = '<!-- preset-verdicts:end -->';

export const PRESET_VERDICT_MARKERS = { BEGIN, END } as const;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const tables = presetVerdictTables();
  if (process.argv.includes('--write')) {
    const doc = fileURLToPath(new URL('../../../../docs/npu.md', import.meta.url));
    const text = readFileSync(doc, 'utf8');
    const a = text.indexOf(BEGIN);
    const b = text.indexOf(END);
    if (a < 0 || b < a) throw new Error(`docs/npu.md has no ${BEGIN} ... ${END} markers`);
    writeFileSync(doc, `${text.slice(0, a + BEGIN.length)}\n${tables}\n${text.slice(b)}`);
    console.log(`wrote the preset verdict tables into ${doc}`);
  } else {
    console.log(tables);
  }
}

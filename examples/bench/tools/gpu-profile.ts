/**
 * Where the webgpu MTA's time goes on a GPU: for each L, the wall-clock medians (device-resident, as the
 * bench's `webgpu` row) and the GPU time of every pass from timestamp queries, per call. Bundled like
 * gpu-bench.ts (`tools/bundle-gpu-bench.sh OUT.mjs tools/gpu-profile.ts`) and run on the GPU machine:
 *   bash .gpu/run.sh node gpu-profile.mjs --L 2048,4096 --out DIR
 * Writes DIR/profile.json and prints a table per L and dtype.
 */
import { integer, listOf, oneOf, text } from '@mta/args';
import { timeMtaWebgpu, type MtaWebgpuTiming } from '@mta/ops-mta/webgpu';
import { toolFlags } from './tool-flags';
import { DEFAULT_SIZE } from '../src/problem';
import { runTool, writeJson } from './tool-main';
import { startWebgpu } from './webgpu-tool';

const { values } = toolFlags(process.argv.slice(2), {
  L: { value: listOf(integer({ min: 1 })), default: [1024, 2048, 4096], help: 'sequence lengths' },
  repeats: { value: integer({ min: 1 }), default: 5, help: 'calls per median and per pass average' },
  out: { value: text('a directory'), default: 'gpu-profile-out', help: 'output directory' },
  dtype: { value: listOf(oneOf(['float32', 'float16'] as const)), default: ['float32'], help: 'dtypes to time (float16: every map packed two to a word)' },
  'warmup-ms': { value: integer({ min: 0 }), default: 1000, help: 'untimed calls of each phase first, until they add up to this many ms (GPU clocks)' },
  variants: {
    value: listOf(text('NAME or NAME:VAR=VALUE+VAR=VALUE')), default: ['default'],
    help: 'kernel variants to compare in this process, each with the environment variables it sets (e.g. split:MTA_WEBGPU_MAX_BINDING_BYTES=268435456)',
  },
}, 'node gpu-profile.mjs [--L 1024,...] [--dtype float32,float16] [--repeats N] [--variants ...] [--out DIR]');

/** A variant's name and the environment it runs under (variables of the others are unset). */
function parseVariant(spec: string): { name: string; env: Record<string, string> } {
  const [name, settings] = spec.split(':', 2) as [string, string | undefined];
  const env = Object.fromEntries((settings ? settings.split('+') : []).map((kv) => kv.split('=', 2) as [string, string]));
  return { name, env };
}

async function main(): Promise<void> {
  await startWebgpu();
  const variants = values.variants.map(parseVariant);
  const rows: (MtaWebgpuTiming & { L: number; variant: string; dtype: string })[] = [];
  for (const L of values.L) for (const dtype of values.dtype) for (const variant of variants) {
    for (const v of variants) for (const key of Object.keys(v.env)) delete process.env[key];
    Object.assign(process.env, variant.env);
    const t = await timeMtaWebgpu({ B: DEFAULT_SIZE.B, C: DEFAULT_SIZE.C, L, K: DEFAULT_SIZE.K, repeats: values.repeats, dtype, passTiming: true, warmupMs: values['warmup-ms'], mta: { padding: DEFAULT_SIZE.padding } });
    rows.push({ L, variant: variant.name, dtype, ...t });
    console.log(`L=${L} ${dtype} ${variant.name} (${t.adapter}, workgroup ${t.workgroupSize}): forward ${t.forwardMs.toFixed(3)} ms, forward+backward ${t.forwardBackwardMs.toFixed(3)} ms (wall medians); first calls ${t.firstForwardMs.toFixed(0)} / ${t.firstForwardBackwardMs.toFixed(0)} ms; buffers created per call ${t.allocationsPerCall.forward} / ${t.allocationsPerCall.forwardBackward}; peak ${(t.peakBytes / 2 ** 30).toFixed(2)} GiB`);
    for (const [phase, passes] of [['forward', t.passes?.forward ?? []], ['forward+backward', t.passes?.forwardBackward ?? []]] as const) {
      const total = passes.reduce((s, p) => s + p.totalMs, 0);
      console.log(`  ${phase}: GPU ${total.toFixed(3)} ms per call = ${passes.map((p) => `${p.label} ${p.totalMs.toFixed(3)}`).join(', ')}`);
    }
  }
  writeJson(values.out, 'profile.json', rows);
}

runTool(main);

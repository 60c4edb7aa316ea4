import '@mta/ops-mta/register'; // registers cpu, npu and the MTA kernels
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFlagHelp, integer, listOf, oneOf, parseFlags, parseOrExit, text, wantsHelp, type FlagValues } from '@mta/args';
import { parseTrainArgs, trainUsage } from '../src/args';
import { writeSummary } from '../src/summary';

/**
 * Runs the comparison: every model x seed as its own process (at most `--jobs` at once, one per core),
 * then the summary table and the combined curves. Other arguments pass through to every training run
 * (checked by the train parser before any run starts).
 *
 *   pnpm exec tsx examples/train/tools/experiment.ts --seeds 1,2,3 --models baseline,mta --jobs 2 --root runs/train [train flags]
 */
const EXPERIMENT_FLAGS = {
  seeds: { value: listOf(integer()), default: [1, 2, 3], help: 'training seeds (default 1,2,3)' },
  models: { value: listOf(oneOf(['baseline', 'mta'])), default: ['baseline', 'mta'], help: 'models (default baseline,mta)' },
  jobs: { value: integer({ min: 1 }), default: 2, help: 'runs at once (default 2)' },
  root: { value: text('a directory'), default: 'runs/train', help: 'where every run and the summary go (default runs/train)' },
};

/** Splits the experiment's own flags from the train flags that pass through, then parses both. */
function parse(argv: readonly string[]): FlagValues<typeof EXPERIMENT_FLAGS> & { pass: string[] } {
  const own: string[] = [];
  const pass: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.replace(/^--/, '').split('=')[0]!;
    if (!arg.startsWith('--') || !(name in EXPERIMENT_FLAGS)) {
      pass.push(arg);
    } else {
      own.push(arg);
      // `--seeds 1,2` takes the next argument too; `--seeds=1,2` does not.
      if (!arg.includes('=') && i + 1 < argv.length) own.push(argv[++i]!);
    }
  }
  parseTrainArgs(['--model', 'baseline', ...pass]);
  return { ...parseFlags(own, EXPERIMENT_FLAGS).values, pass };
}

function runOne(args: readonly string[], logPrefix: string): Promise<void> {
  const main = fileURLToPath(new URL('./train-one.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) process.stderr.write(`[${logPrefix}] ${line}\n`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${logPrefix} exited with code ${code}`))));
  });
}

const usage = ['Usage: pnpm exec tsx examples/train/tools/experiment.ts [flags] [train flags]', '', ...formatFlagHelp(EXPERIMENT_FLAGS), '', trainUsage()].join('\n');
if (wantsHelp(process.argv.slice(2))) {
  console.log(usage);
  process.exit(0);
}
const args = parseOrExit(() => parse(process.argv.slice(2)), usage);
mkdirSync(args.root, { recursive: true });
const queue = args.seeds.flatMap((seed) => args.models.map((model) => ({ model, seed, out: join(args.root, `${model}-seed${seed}`) })));
const dirs = queue.map((q) => q.out);
const workers = Array.from({ length: Math.min(args.jobs, queue.length) }, async () => {
  for (let job = queue.shift(); job; job = queue.shift()) {
    await runOne(['--model', job.model, '--seed', String(job.seed), '--out', job.out, ...args.pass], `${job.model} seed ${job.seed}`);
  }
});
await Promise.all(workers);
console.log(await writeSummary(args.root, dirs));

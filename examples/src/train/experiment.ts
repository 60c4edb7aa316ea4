import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSummary } from './summary';

/**
 * Runs the comparison: every model x seed as its own process (at most `--jobs` at once, one per core),
 * then the summary table and the combined curves. Other arguments pass through to every training run.
 *
 *   tsx src/train/experiment.ts --seeds 1,2,3 --models baseline,mta --jobs 2 --root runs/train [train flags]
 */
interface ExperimentArgs { seeds: number[]; models: string[]; jobs: number; root: string; pass: string[] }

function parse(argv: readonly string[]): ExperimentArgs {
  const a: ExperimentArgs = { seeds: [1, 2, 3], models: ['baseline', 'mta'], jobs: 2, root: 'runs/train', pass: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag}: missing value`);
      return v;
    };
    if (flag === '--seeds') a.seeds = value().split(',').map(Number);
    else if (flag === '--models') a.models = value().split(',');
    else if (flag === '--jobs') a.jobs = Number(value());
    else if (flag === '--root') a.root = value();
    else a.pass.push(flag);
  }
  if (a.seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds: expected comma-separated integers, got ${a.seeds.join(',')}`);
  if (!Number.isInteger(a.jobs) || a.jobs < 1) throw new Error(`--jobs: expected a positive integer, got ${a.jobs}`);
  return a;
}

function runOne(args: readonly string[], logPrefix: string): Promise<void> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
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

const args = parse(process.argv.slice(2));
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

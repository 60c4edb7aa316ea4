import { trainMlp } from '../mlp/train-mlp';
import { CliError, parseCommandArgs, type Command } from './command';

const help = `usage: pnpm mta mlp [--seed S] [--steps N]

Trains a two-layer MLP on y = sin(3 x0) x1 with Adam and prints the loss every 50 steps (seeded, deterministic).`;

export const mlpCommand: Command = {
  summary: 'train a two-layer MLP with Adam (the smallest end-to-end example)',
  help,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { seed: { type: 'string', default: '0' }, steps: { type: 'string', default: '300' } }, help);
    const seed = Number(values.seed);
    const steps = Number(values.steps);
    if (!Number.isInteger(seed) || !Number.isInteger(steps) || steps < 1) throw new CliError(`--seed and --steps must be integers (steps >= 1)\n\n${help}`);
    const losses = trainMlp({ seed, steps });
    losses.forEach((l, i) => { if (i % 50 === 0 || i === losses.length - 1) console.log(`step ${String(i).padStart(5)}  loss ${l.toFixed(6)}`); });
    return 0;
  },
};

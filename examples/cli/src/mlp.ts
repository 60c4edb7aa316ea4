import { integer, parseFlags } from '@mta/args';
import { trainMlp } from '@mta/train';
import type { Command } from './command';

const help = `usage: pnpm mta mlp [--seed S] [--steps N]

Trains a two-layer MLP on y = sin(3 x0) x1 with Adam and prints the loss every 50 steps (seeded, deterministic).`;

export const mlpCommand: Command = {
  summary: 'train a two-layer MLP with Adam (the smallest end-to-end example)',
  help,
  async run(argv) {
    const { values: { seed, steps } } = parseFlags(argv, {
      seed: { value: integer(), default: 0, help: 'initialisation and data seed' },
      steps: { value: integer({ min: 1 }), default: 300, help: 'Adam steps' },
    });
    const losses = trainMlp({ seed, steps });
    losses.forEach((l, i) => { if (i % 50 === 0 || i === losses.length - 1) console.log(`step ${String(i).padStart(5)}  loss ${l.toFixed(6)}`); });
    return 0;
  },
};

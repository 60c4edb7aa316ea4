import { integer, parseFlags } from '@mta/args';
import { trainMlp } from '@mta/train';
import { EXIT_OK, type Command } from './command';

const help = `usage: pnpm mta mlp [--seed S] [--steps N] [--json]

Trains a two-layer MLP on y = sin(3 x0) x1 with Adam and prints the loss every 50 steps (seeded, deterministic).`;

export const mlpCommand: Command = {
  summary: 'train a two-layer MLP with Adam (the smallest end-to-end example)',
  help,
  async run(argv) {
    const { values: { seed, steps, json } } = parseFlags(argv, {
      seed: { value: integer(), default: 0, help: 'initialisation and data seed' },
      steps: { value: integer({ min: 1 }), default: 300, help: 'Adam steps' },
      json: { switch: true, help: 'print JSON (every step\'s loss)' },
    });
    const losses = trainMlp({ seed, steps });
    if (json) {
      console.log(JSON.stringify({ seed, steps, finalLoss: losses.at(-1), losses }));
      return EXIT_OK;
    }
    losses.forEach((l, i) => { if (i % 50 === 0 || i === losses.length - 1) console.log(`step ${String(i).padStart(5)}  loss ${l.toFixed(6)}`); });
    return EXIT_OK;
  },
};

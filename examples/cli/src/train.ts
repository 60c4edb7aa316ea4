import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '@mta/args';
import { DEFAULT_SETTINGS, parseTrainArgs, resolveSettings, runTraining, trainUsage } from '@mta/train';
import { EXIT_FAILURE, EXIT_OK, progressWanted, userPath, type Command } from './command';
import { sameFile } from './overwrite';

/** What a run writes into its output directory (see runTraining). */
const RUN_FILES = ['checkpoint.json', 'log.json', 'curves.svg', 'report.json'] as const;

/** This command's own switches, taken out before the trainer's parser (which knows only training flags). */
function takeSwitch(argv: string[], flag: string): boolean {
  const at = argv.indexOf(flag);
  if (at < 0) return false;
  argv.splice(at, 1);
  if (argv.includes(flag)) throw new UsageError(`${flag} given twice`);
  return true;
}

const help = `${trainUsage()}
  --force                 overwrite the files of an earlier run in the output directory
  --json                  print the run's report as JSON

Relative --out and --resume paths resolve against the directory you run from, as does the default
output directory. A directory holding an earlier run is kept unless --force is given or the run resumes
from that directory's own checkpoint. Progress is drawn on stderr only when it is a terminal.`;

export const trainCommand: Command = {
  summary: 'train the baseline or MTA transformer on the paper\'s toy task',
  help,
  async run(argv) {
    const rest = [...argv];
    const force = takeSwitch(rest, '--force');
    const json = takeSwitch(rest, '--json');
    const args = parseTrainArgs(rest);
    const resume = args.resume === undefined ? undefined : userPath(args.resume);
    // Without --out a resumed run keeps writing where it did; a fresh one gets the default, under the caller's directory.
    const out = args.out !== undefined ? userPath(args.out)
      : resume === undefined ? userPath(`runs/train/${args.model ?? 'model'}-seed${args.seed ?? DEFAULT_SETTINGS.seed}`) : undefined;
    if (resume === undefined) {
      // The settings' own checks (a missing --model, a dropout of 2) are mistakes on the command line: exit 2.
      try { resolveSettings({ ...args, ...(out !== undefined ? { out } : {}) }); } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    if (out !== undefined && !force) {
      const continuing = resume !== undefined && sameFile(dirname(resume), out);
      const earlier = RUN_FILES.map((f) => join(out, f)).filter((f) => existsSync(f));
      if (earlier.length > 0 && !continuing) {
        console.error(`error: ${out} holds an earlier run (${earlier.map((f) => f.slice(out.length + 1)).join(', ')}); ` +
          'pass --force to overwrite it, or --out another directory');
        return EXIT_FAILURE;
      }
    }
    const report = await runTraining({
      ...args, ...(out !== undefined ? { out } : {}), ...(resume !== undefined ? { resume } : {}),
      progress: args.progress !== false && progressWanted(),
    });
    if (json) {
      console.log(JSON.stringify({ ...report, history: undefined }, null, 2));
    } else {
      console.log(`test error (exact block match): ${(report.test.error * 100).toFixed(2)}%  ` +
        `(${report.model}, seed ${report.seed}, ${report.stepsPerSecond.toFixed(2)} steps/s, ${report.wallSeconds.toFixed(0)} s)`);
    }
    return EXIT_OK;
  },
};

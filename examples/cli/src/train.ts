import { parseTrainArgs, runTraining, trainUsage } from '@mta/train';
import type { Command } from './command';

export const trainCommand: Command = {
  summary: 'train the baseline or MTA transformer on the paper\'s toy task',
  help: trainUsage(),
  async run(argv) {
    const args = parseTrainArgs(argv);
    const report = await runTraining(args);
    console.log(`test error (exact block match): ${(report.test.error * 100).toFixed(2)}%  ` +
      `(${report.model}, seed ${report.seed}, ${report.stepsPerSecond.toFixed(2)} steps/s, ${report.wallSeconds.toFixed(0)} s)`);
    return 0;
  },
};

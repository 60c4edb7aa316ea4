import '@mta/ops-mta/register'; // registers cpu, npu and the MTA kernels
import { parseOrExit } from '@mta/args';
import { parseTrainArgs, trainUsage } from '../src/args';
import { runTraining } from '../src/trainer';

/**
 * One training run in its own process, ending with a JSON line: what tools/experiment.ts starts per model and
 * seed (`pnpm mta train` is the command for people).
 */
const args = parseOrExit(() => parseTrainArgs(process.argv.slice(2)), trainUsage());
if (args.help) {
  console.log(trainUsage());
} else {
  const report = await runTraining(args);
  console.log(JSON.stringify({ model: report.model, seed: report.seed, testError: report.test.error, stepsPerSecond: report.stepsPerSecond, wallSeconds: report.wallSeconds }));
}
process.exit(0);

import { parseTrainArgs, trainUsage } from './args';
import { runTraining } from './trainer';

/** Stand-alone entry until the `pnpm mta train` CLI wires parseTrainArgs and runTraining: `tsx src/train/main.ts --model mta`. */
const args = parseTrainArgs(process.argv.slice(2));
if (args.help) {
  console.log(trainUsage());
} else {
  const report = await runTraining(args);
  console.log(JSON.stringify({ model: report.model, seed: report.seed, testError: report.test.error, stepsPerSecond: report.stepsPerSecond, wallSeconds: report.wallSeconds }));
}
process.exit(0);

/**
 * `pnpm bench`: time post-softmax MTA on every registered backend, write results.json and the charts
 * into a fresh runs/bench/<time> (or --out DIR), print the table. Flags: see args.ts or `pnpm bench --help`.
 * Exit 0, 1 when a cell fails, results mismatch or the run fails, 2 on a usage error.
 */
import { relative } from 'node:path';
import '@mta/ops-mta/register'; // registers cpu, npu and the MTA kernels
import { UsageError } from '@mta/args';
import { parseBenchArgs, usage } from './args';
import { BENCH_BACKENDS, REFERENCE_BACKEND } from './backends/index';
import { checkOutDir, callerDir } from './out-dir';
import { buildReport, formatTable, mismatches, writeReport } from './results';
import { runBench } from './runner';

async function main(): Promise<void> {
  const { plan, outDir, force, help } = parseBenchArgs(process.argv.slice(2), BENCH_BACKENDS);
  if (help) {
    console.log(usage(BENCH_BACKENDS));
    return;
  }
  checkOutDir(outDir, force); // before the run, not after an hour of it
  const { B, C, K, padding } = plan.size;
  console.error(
    `MTA post-softmax benchmark: B=${B}, Cin=Cout=${C}, K=${K}, padding ${padding}, float32; ` +
      `L ${plan.Ls.join(',')}; ${plan.variants.join(',')}; ${plan.backends.map((b) => b.name).join(',')}; ` +
      `${plan.isolate ? 'one process per cell' : 'in-process'}`,
  );
  const run = await runBench(plan);
  const report = buildReport(run, plan, REFERENCE_BACKEND);
  const files = await writeReport(report, outDir);
  for (const b of report.backends) console.log(`${b.name}: ${b.runtime ?? b.summary}`);
  console.log(formatTable(report));
  // Relative to the caller's directory: transcripts of a run (bench/last-run.txt) carry no machine paths.
  const shown = (f: string): string => relative(callerDir(), f) || '.';
  console.log(`\nwrote ${shown(files.json)}\n      ${shown(files.timeSvg)}${files.ratioSvg ? `\n      ${shown(files.ratioSvg)}` : ''}`);
  if (report.failures.length > 0 || mismatches(report).length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? `error: ${error.message}\n\n${usage(BENCH_BACKENDS)}` : error instanceof Error ? `error: ${error.message}` : error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});

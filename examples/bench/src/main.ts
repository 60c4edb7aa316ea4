/**
 * `pnpm bench`: time post-softmax MTA on every registered backend, write bench/results.json and the
 * charts, print the table. Flags: see args.ts or `pnpm bench --help`.
 */
import '@mta/ops-mta/register'; // registers cpu, npu and the MTA kernels
import { UsageError } from '@mta/args';
import { parseBenchArgs, usage } from './args';
import { BENCH_BACKENDS, REFERENCE_BACKEND } from './backends/index';
import { buildReport, formatTable, mismatches, writeReport } from './results';
import { runBench } from './runner';

async function main(): Promise<void> {
  const { plan, outDir, help } = parseBenchArgs(process.argv.slice(2), BENCH_BACKENDS);
  if (help) {
    console.log(usage(BENCH_BACKENDS));
    return;
  }
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
  console.log(`\nwrote ${files.json}\n      ${files.timeSvg}\n      ${files.ratioSvg}`);
  if (report.failures.length > 0 || mismatches(report).length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? `error: ${error.message}\n\n${usage(BENCH_BACKENDS)}` : error instanceof Error ? error.message : error);
  process.exitCode = 2;
});

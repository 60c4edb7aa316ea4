#!/usr/bin/env tsx
/**
 * `pnpm mta <command>`: the project's one command-line entry.
 *   golden [manifest] [--device cpu|npu|ort-node|ort-web] [--ub 16KiB] [--impl fused|composite] [--json]
 *   check [--case <manifest>] [--backends cpu,npu,ort-node,ort-web] [--json]
 *   plan --L <n> --dtype float16|bfloat16|float32 [--ub 192KiB] [--planner default|liger-pr1122] [--json]
 *   train --model baseline|mta [--device cpu|npu] [--steps N] [--seed S] [--out dir]
 *   export --checkpoint <file> --out model.onnx
 *   mlp [--seed S] [--steps N]
 */
import { registerMta } from '@mta/ops-mta';
import { UsageError, wantsHelp } from '@mta/args';
import type { Command } from './command';
import { goldenCommand } from './golden';
import { checkCommand } from './check';
import { planCommand } from './plan';
import { trainCommand } from './train';
import { exportCommand } from './export';
import { mlpCommand } from './mlp';

const commands: Record<string, Command> = {
  golden: goldenCommand,
  check: checkCommand,
  plan: planCommand,
  train: trainCommand,
  export: exportCommand,
  mlp: mlpCommand,
};

function usage(): string {
  return ['usage: pnpm mta <command> [options]', '', 'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`), '',
    'Run `pnpm mta <command> --help` for its options.'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  // Registers cpu, npu and the MTA kernels. Called here rather than imported for its side effect, so that a
  // malformed MTA_CPU_THREADS is reported as `error: ...` with exit 1 like every other error, not a stack trace.
  registerMta();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // A usage error names the flag; the command's help follows so the right form is one glance away.
    if (err instanceof UsageError) throw new UsageError(`${err.message}\n\n${command.help}`);
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof UsageError) console.error(`error: ${err.message}`);
    else console.error(err instanceof Error ? (process.env.MTA_DEBUG ? err.stack : `error: ${err.message}`) : err);
    process.exitCode = 1;
  },
);

/** `pnpm mta`'s dispatcher (main.ts is its process entry): tests call runCli in-process. */
import { registerMta } from '@mta/ops-mta';
import { UsageError, wantsHelp } from '@mta/args';
import { releaseEvalBackends } from '@mta/conformance';
import { EXIT_FAILURE, EXIT_USAGE, type Command } from './command';
import { goldenCommand } from './golden';
import { checkCommand } from './check';
import { planCommand } from './plan';
import { lintNpuCommand } from './lint-npu';
import { trainCommand } from './train';
import { exportCommand } from './export';
import { mlpCommand } from './mlp';

const commands: Record<string, Command> = {
  golden: goldenCommand,
  check: checkCommand,
  plan: planCommand,
  'lint-npu': lintNpuCommand,
  train: trainCommand,
  export: exportCommand,
  mlp: mlpCommand,
};

function usage(): string {
  return ['usage: pnpm mta <command> [options]', '', 'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`), '',
    'Run `pnpm mta <command> --help` for its options.'].join('\n');
}

async function dispatch(argv: readonly string[]): Promise<number> {
  // Registers cpu, npu and the MTA kernels. Called here rather than imported for its side effect, so that a
  // malformed MTA_CPU_THREADS is reported as `error: ...` with exit 1 like every other error, not a stack trace.
  registerMta();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : EXIT_USAGE;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command '${name}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (wantsHelp(rest)) {
    console.log(command.help);
    return 0;
  }
  try {
    return await runCommand(command, rest);
  } finally {
    // A live Dawn device keeps Node running after the command.
    releaseEvalBackends();
  }
}

async function runCommand(command: Command, rest: readonly string[]): Promise<number> {
  try {
    return await command.run(rest);
  } catch (err) {
    // A usage error names the flag; the command's help follows so the right form is one glance away.
    if (err instanceof UsageError) throw new UsageError(`${err.message}\n\n${command.help}`);
    throw err;
  }
}

/** Runs one command line and returns its exit code; errors are printed here, never thrown. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      return EXIT_USAGE;
    }
    console.error(err instanceof Error ? (process.env.MTA_DEBUG ? err.stack : `error: ${err.message}`) : err);
    return EXIT_FAILURE;
  }
}

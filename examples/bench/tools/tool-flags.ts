import { formatFlagHelp, parseFlags, parseOrExit, wantsHelp, type FlagSpecs, type ParsedFlags } from '@mta/args';

/**
 * The flags of a bench tool run by hand (`node tool.mjs ...`): `--help` prints them and exits 0, a usage
 * error prints the message and them and exits 2, as the `mta` CLI does.
 */
export function toolFlags<S extends FlagSpecs>(argv: readonly string[], specs: S, usage: string): ParsedFlags<S> {
  const text = [`usage: ${usage}`, '', ...formatFlagHelp(specs)].join('\n');
  if (wantsHelp(argv)) {
    console.log(text);
    process.exit(0);
  }
  return parseOrExit(() => parseFlags(argv, specs), text);
}

import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';
import type { ValueType } from './value-types';

/**
 * The one command-line parser of every examples command (`pnpm mta <command>`, `pnpm bench`, the tools):
 * node:util's parseArgs in strict mode, plus typed values, defaults and required flags, and errors that
 * name the flag and the value it expects. `--flag value` and `--flag=value` both work.
 */

/** A flag that takes a value. */
export interface ValueFlag<T> {
  readonly value: ValueType<T>;
  readonly help: string;
  /** Shown after the flag in usage lines; default '<v>'. */
  readonly placeholder?: string;
  readonly default?: T;
  readonly required?: true;
}

/** A flag that is on when given (`--json`, `--no-check`). */
export interface SwitchFlag {
  readonly switch: true;
  readonly help: string;
  readonly short?: string;
}

export type FlagSpec = ValueFlag<unknown> | SwitchFlag;
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed values: switches are booleans; value flags are undefined when absent unless defaulted or required. */
export type FlagValues<S extends FlagSpecs> = {
  readonly [K in keyof S]: S[K] extends SwitchFlag
    ? boolean
    : S[K] extends { readonly value: ValueType<infer T> }
      ? S[K] extends { readonly default: unknown } | { readonly required: true } ? T : T | undefined
      : never;
};

export interface ParsedFlags<S extends FlagSpecs> {
  readonly values: FlagValues<S>;
  readonly positionals: readonly string[];
}

export interface ParseOptions {
  /** Accept arguments that are not flags (default false: they are usage errors). */
  readonly positionals?: boolean;
}

const isSwitch = (spec: FlagSpec): spec is SwitchFlag => 'switch' in spec;

/**
 * Whether the user asked for help. Checked before parsing, so that `--help` works next to flags that
 * would not parse; arguments after a bare `--` do not count.
 */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S, options: ParseOptions = {}): ParsedFlags<S> {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    config[name] = isSwitch(spec) ? { type: 'boolean', ...(spec.short ? { short: spec.short } : {}) } : { type: 'string' };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: options.positionals ?? false });
  } catch (error) {
    throw usageErrorOf(error, specs);
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = parsed.values[name];
    if (isSwitch(spec)) {
      values[name] = raw === true;
    } else if (typeof raw !== 'string') {
      if (spec.required) throw new UsageError(`--${name}: required (expected ${spec.value.expected})`);
      values[name] = spec.default;
    } else {
      const value = spec.value.parse(raw);
      if (value === undefined) throw new UsageError(`--${name}: expected ${spec.value.expected}, got '${raw}'`);
      values[name] = value;
    }
  }
  // Sound: every key of S was filled above by the rule FlagValues<S> describes.
  return { values: values as FlagValues<S>, positionals: parsed.positionals };
}

/** node:util's errors, reworded to name the flag and what it expects. */
function usageErrorOf(error: unknown, specs: FlagSpecs): Error {
  if (!(error instanceof Error)) return new UsageError(String(error));
  const code = (error as { code?: string }).code;
  const quoted = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? /'([^']*)'/.exec(error.message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UsageError(`unknown argument '${quoted}'; run with --help for the flags`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new UsageError(`unexpected argument '${quoted}': this command takes flags only; run with --help for them`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = quoted.replace(/^-+/, '');
    const spec = specs[name] ?? Object.entries(specs).find(([, s]) => isSwitch(s) && s.short === name)?.[1];
    if (spec !== undefined) {
      return isSwitch(spec) ? new UsageError(`--${name}: takes no value`) : new UsageError(`--${name}: missing value (expected ${spec.value.expected})`);
    }
  }
  return new UsageError(error.message);
}

/** One line per flag, `  --name <v>   help`, aligned: the flag list of a usage text. */
export function formatFlagHelp(specs: FlagSpecs): string[] {
  const label = (name: string, spec: FlagSpec) => (isSwitch(spec) ? `--${name}` : `--${name} ${spec.placeholder ?? '<v>'}`);
  const entries = Object.entries(specs);
  const width = Math.max(...entries.map(([name, spec]) => label(name, spec).length), '--help'.length) + 4;
  return [...entries.map(([name, spec]) => `  ${label(name, spec).padEnd(width)}${spec.help}`), `  ${'--help'.padEnd(width)}this text`];
}

/** For scripts (tools, probes): runs `parse`; on a usage error prints it and `usage` and exits with status 2. */
export function parseOrExit<T>(parse: () => T, usage: string): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
}

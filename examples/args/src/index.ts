export { UsageError } from './usage-error';
export { bytes, decimal, integer, listOf, oneOf, text, type ValueType } from './value-types';
export {
  formatFlagHelp, parseFlags, parseOrExit, wantsHelp,
  type FlagSpec, type FlagSpecs, type FlagValues, type ParsedFlags, type ParseOptions, type SwitchFlag, type ValueFlag,
} from './parse-flags';

/**
 * A mistake on the command line: the message names the flag and what it expects. Entry points print it as
 * one line (no stack) followed by their usage text.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

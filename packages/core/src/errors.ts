/**
 * The error every public entry point throws for bad input: it names the argument, what was expected,
 * what was given and what to do, and keeps those as fields so that tools (and tests) can read them.
 */
export class InvalidArgumentError extends Error {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
    readonly hint = '',
  ) {
    super(`${argument}: expected ${expected}, got ${actual}${hint ? `; ${hint}` : ''}`);
    this.name = 'InvalidArgumentError';
  }
}

/** A short, safe rendering of any value for messages (no huge arrays, no throwing getters). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return value.length > 8 ? `an array of ${value.length} values` : `[${value.map(describeValue).join(', ')}]`;
  if (typeof value === 'object') return `${value.constructor?.name ?? 'an object'}`;
  return typeof value;
}

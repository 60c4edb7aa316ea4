/**
 * A bad argument to multi-token attention, caught once, before any kernel runs. The fields name the
 * argument, what was expected, what was given and what to do, so callers (and tests) can branch on them
 * without parsing the message; the message says the same in one sentence.
 */
export class MtaArgumentError extends Error {
  override readonly name = 'MtaArgumentError';

  constructor(
    /** The function the caller called (e.g. 'multiTokenAttention', 'mtaGeometry'). */
    readonly where: string,
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
    readonly fix: string,
  ) {
    super(`${where}: ${argument}: expected ${expected}, got ${actual}; ${fix}`);
  }
}

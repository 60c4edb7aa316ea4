/** A checkpoint that cannot be loaded: the file, the field at fault (e.g. `parameters.head.weight.shape`), and why. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(readonly file: string, readonly field: string, reason: string) {
    super(`checkpoint '${file}': ${field} ${reason}`);
  }
}

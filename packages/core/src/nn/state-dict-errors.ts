/**
 * Why a state dict did not load, one class per cause, each naming the key(s) and what was expected and
 * found, as fields (for tools and tests) and in the message (for people). All extend StateDictError, so one
 * `instanceof` catches any of them.
 */
export class StateDictError extends Error {
  override name = 'StateDictError';
}

/** The file's keys are not the module's: some parameters have no tensor, or some tensors no parameter. */
export class StateDictKeyError extends StateDictError {
  override name = 'StateDictKeyError';

  constructor(readonly missing: readonly string[], readonly unexpected: readonly string[], readonly where: string) {
    super(`${where}: the keys do not match the module's parameters: ` +
      `missing [${missing.join(', ')}] (parameters with no tensor), unexpected [${unexpected.join(', ')}] (tensors with no parameter)` +
      (missing.length && unexpected.length ? '; if the file nests the module inside a bigger model, pass its key prefix' : ''));
  }
}

export class StateDictShapeError extends StateDictError {
  override name = 'StateDictShapeError';

  constructor(readonly key: string, readonly expected: readonly number[], readonly actual: readonly number[], readonly where: string) {
    super(`${where}: '${key}' has shape [${actual.join(', ')}] in the file, but the module expects [${expected.join(', ')}]`);
  }
}

export class StateDictDTypeError extends StateDictError {
  override name = 'StateDictDTypeError';

  constructor(readonly key: string, readonly expected: string, readonly actual: string, readonly where: string) {
    super(`${where}: '${key}' is ${actual} in the file, but the module's parameter is ${expected}; ` +
      `convert one side (e.g. state_dict values .float() in PyTorch, or build the module with that dtype)`);
  }
}

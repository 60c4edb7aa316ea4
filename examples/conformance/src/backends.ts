import { runOrtNode, runOrtWeb } from '@mta/ort';
import { deviceBackend } from './device-backend';
import type { EvalBackend } from './eval-backend';
import { ortBackend } from './ort-backend';

/**
 * Every backend the consistency check (`pnpm mta check`) and the golden command evaluate, in report
 * order: the framework's devices (forward and gradients) and ONNX Runtime (forward of the exported
 * graph). Adding a backend is one row: a device through `deviceBackend(name)`, any other ONNX runner
 * through `ortBackend(name, run)`, or an object of your own that implements `EvalBackend`.
 */
export const EVAL_BACKENDS = [
  deviceBackend('cpu'),
  deviceBackend('npu'),
  ortBackend('ort-node', runOrtNode),
  ortBackend('ort-web', runOrtWeb),
] as const satisfies readonly EvalBackend[];

export type BackendName = (typeof EVAL_BACKENDS)[number]['name'];
export const ALL_BACKENDS: readonly BackendName[] = EVAL_BACKENDS.map((b) => b.name);

/** Resolves backend names, failing with the reason when one is unknown or not available here. */
export function resolveBackends(names: readonly string[]): EvalBackend[] {
  return names.map((name) => {
    const backend = EVAL_BACKENDS.find((b) => b.name === name);
    if (!backend) throw new Error(`unknown backend '${name}': expected one of ${ALL_BACKENDS.join(', ')}`);
    const reason = backend.unavailable();
    if (reason !== undefined) throw new Error(`backend '${name}' is not available: ${reason}`);
    return backend;
  });
}

import type { MtaOptions } from '@mta/ops-mta';
import type { MtaProblem, Results } from './problem';
import type { TinyModelConfig } from './tiny-model';

/** One row of the consistency check's backend table (backends.ts). */
export interface EvalBackend {
  /** Used in --backends / --device and in reports. */
  readonly name: string;
  /** Whether results include gradients (the framework's devices) or the forward only (exported graphs). */
  readonly gradients: boolean;
  /** Why the backend cannot run here (not registered, no runtime), or undefined when it can. */
  unavailable(): string | undefined;
  /** One MTA problem: `out`, and the gradients when `gradients` is true. */
  runMta(problem: MtaProblem, impl?: MtaOptions['impl']): Promise<Results>;
  /** The tiny seeded MTA model: `probs`, and every parameter's gradient (`grad:<name>`) when `gradients` is true. */
  runTinyModel(config: TinyModelConfig): Promise<Results>;
}

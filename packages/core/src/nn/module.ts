import { formatShape, shapesEqual } from '../shape.js';
import { newStorageArray, writeElement } from '../dtype.js';
import { writeTensor, type Tensor } from '../tensor.js';

/**
 * A module owns named parameters and child modules. Parameters are leaves with requiresGrad, kept out
 * of tidy() scopes. state()/load() move values by name, so checkpoints survive refactors of the call code.
 */
export abstract class Module {
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();
  training = true;

  protected registerParameter(name: string, t: Tensor): Tensor {
    if (this.params.has(name) || this.children.has(name)) throw new Error(`module already has a member named '${name}'`);
    t.requiresGrad = true;
    t.name ??= name;
    t.keep();
    this.params.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    if (this.params.has(name) || this.children.has(name)) throw new Error(`module already has a member named '${name}'`);
    this.children.set(name, m);
    return m;
  }

  /** Every parameter with its dotted path, children after own parameters, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  train(flag = true): this {
    this.training = flag;
    for (const m of this.children.values()) m.train(flag);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Parameter values by name, as plain data (JSON-serialisable). */
  state(): Record<string, { shape: number[]; dtype: string; values: number[] }> {
    const out: Record<string, { shape: number[]; dtype: string; values: number[] }> = {};
    for (const [name, p] of this.namedParameters()) out[name] = { shape: [...p.shape], dtype: p.dtype, values: p.toNumbers() };
    return out;
  }

  /** state() through asynchronous reads, for devices that cannot read synchronously (webgpu). */
  async stateAsync(): Promise<Record<string, { shape: number[]; dtype: string; values: number[] }>> {
    const out: Record<string, { shape: number[]; dtype: string; values: number[] }> = {};
    for (const [name, p] of this.namedParameters()) out[name] = { shape: [...p.shape], dtype: p.dtype, values: await p.numbers() };
    return out;
  }

  /** Loads values saved by state(); names and shapes must match exactly. */
  load(state: Record<string, { shape: readonly number[]; values: readonly number[] }>): void {
    const own = new Map(this.namedParameters());
    const missing = [...own.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !own.has(k));
    if (missing.length || unexpected.length) {
      throw new Error(`load: parameter names differ: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`);
    }
    for (const [name, p] of own) {
      const s = state[name]!;
      if (!shapesEqual(s.shape, p.shape) || s.values.length !== p.size) {
        throw new Error(`load: '${name}' has shape ${formatShape(s.shape)} in the checkpoint but ${formatShape(p.shape)} in the module`);
      }
      const values = newStorageArray(p.dtype, p.size);
      for (let i = 0; i < p.size; i++) writeElement(p.dtype, values, i, s.values[i]!);
      writeTensor(p, values);
    }
  }
}

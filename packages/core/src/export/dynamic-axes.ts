import type { OnnxDim } from '../onnx/index.js';
import { ExportOptionError, type DynamicAxes } from './options.js';
import type { DimSource } from './runtime-dims.js';

/** One named dynamic axis: its size in the example inputs and the size the verifying trace uses. */
export interface DimSymbol {
  readonly name: string;
  readonly exampleSize: number;
  readonly probeSize: number;
  /** The first input axis that carries it: where the graph reads its run-time size. */
  readonly input: string;
  readonly axis: number;
}

/**
 * The dynamic axes of one export, resolved against the inputs' example shapes. Each symbol is probed at
 * a different size (example + 1, + 2, ...) so an output axis that moves with one symbol is attributed to
 * it, and a size baked into the graph shows as a difference between the two traces.
 */
export class ResolvedDynamicAxes {
  readonly symbols = new Map<string, DimSymbol>();
  private readonly inputAxes: ReadonlyMap<string, ReadonlyMap<number, string>>;
  private readonly inputNames: readonly string[];

  constructor(
    inputs: readonly { readonly name: string; readonly shape: readonly number[] }[],
    private readonly requested: Readonly<Record<string, DynamicAxes>>,
  ) {
    this.inputNames = inputs.map((i) => i.name);
    const inputAxes = new Map<string, Map<number, string>>();
    for (const input of inputs) {
      const axes = normaliseAxes(input.name, requested[input.name] ?? {}, input.shape.length);
      inputAxes.set(input.name, axes);
      for (const [axis, name] of axes) this.addSymbol(name, input.shape[axis]!, input.name, axis);
    }
    this.inputAxes = inputAxes;
  }

  /** Once the trace has named the outputs: every key of dynamicAxes must be an input or an output. */
  checkNames(outputNames: readonly string[]): void {
    for (const key of Object.keys(this.requested)) {
      if (!this.inputNames.includes(key) && !outputNames.includes(key)) {
        throw new ExportOptionError(`exportOnnx: dynamicAxes names '${key}', which is neither an input nor an output; ` +
          `inputs: ${this.inputNames.join(', ')}; outputs: ${outputNames.join(', ')}`);
      }
    }
  }

  get isDynamic(): boolean {
    return this.symbols.size > 0;
  }

  /** The input's ONNX dims: dim_param names on its dynamic axes. */
  inputDims(name: string, shape: readonly number[]): OnnxDim[] {
    const axes = this.inputAxes.get(name);
    return shape.map((d, i) => axes?.get(i) ?? d);
  }

  /** The input's shape in the verifying trace. */
  probeShape(name: string, shape: readonly number[]): number[] {
    const axes = this.inputAxes.get(name);
    return shape.map((d, i) => {
      const symbol = axes?.get(i);
      return symbol === undefined ? d : this.symbols.get(symbol)!.probeSize;
    });
  }

  /**
   * An output's ONNX dims from its shapes in the two traces: axes named in dynamicAxes keep their name;
   * an axis that moved exactly as one symbol did gets that symbol; any other moving axis (a product,
   * say) gets a name of its own; an axis that did not move stays a number.
   */
  outputDims(name: string, example: readonly number[], probe: readonly number[]): OnnxDim[] {
    // Output ranks are known only now, so negative axes are normalised here.
    const explicit = new Map(Object.entries(this.requested[name] ?? {}).map(([a, d]) => [Number(a) < 0 ? Number(a) + example.length : Number(a), d]));
    return example.map((size, axis) => {
      const named = explicit.get(axis);
      if (named !== undefined) return named;
      if (probe[axis] === size) return size;
      const moved = [...this.symbols.values()].find((s) => s.exampleSize === size && s.probeSize === probe[axis]);
      return moved?.name ?? `${name}_dim${axis}`;
    });
  }

  /** Every dynamic axis as a source of its run-time size, with its sizes in the example trace ('example') or the probe trace. */
  dimSources(trace: 'example' | 'probe'): DimSource[] {
    return [...this.symbols.values()].map((s) => ({
      input: s.input, axis: s.axis,
      here: trace === 'example' ? s.exampleSize : s.probeSize, there: trace === 'example' ? s.probeSize : s.exampleSize,
    }));
  }

  private addSymbol(name: string, size: number, input: string, axis: number): void {
    const where = `${input}[${axis}]`;
    const existing = this.symbols.get(name);
    if (existing) {
      if (existing.exampleSize !== size) {
        throw new ExportOptionError(`exportOnnx: dynamic axis '${name}' has size ${existing.exampleSize} in one place and ${size} at ${where} ` +
          'in the example inputs; axes that share a name must share a size (or give them different names)');
      }
      return;
    }
    // Probing larger sizes keeps every axis >= 2, so broadcasting from size 1 cannot hide in the probe.
    this.symbols.set(name, { name, exampleSize: size, probeSize: size + this.symbols.size + 1, input, axis });
  }
}

function normaliseAxes(input: string, axes: DynamicAxes, rank: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const [key, name] of Object.entries(axes)) {
    const axis = Number(key);
    const normalised = axis < 0 ? axis + rank : axis;
    if (!Number.isInteger(axis) || normalised < 0 || normalised >= rank) {
      throw new ExportOptionError(`exportOnnx: dynamicAxes.${input} names axis ${key}, but '${input}' has rank ${rank} (axes 0..${rank - 1} or -${rank}..-1)`);
    }
    out.set(normalised, name);
  }
  return out;
}

import { onnxAttr, type OnnxGraphBuilder } from '../onnx/index.js';

/** A graph input axis that carries a dynamic axis, with its size in this trace and in the other one. */
export interface DimSource {
  readonly input: string;
  readonly axis: number;
  readonly here: number;
  readonly there: number;
}

/**
 * The run-time size of an axis that moves with the dynamic axes, read off the graph inputs' shapes: an
 * axis whose sizes in the two traces are those of one dynamic axis (or of a product of two, e.g. B * L)
 * is Shape(input)[axis] (or a product of two). Each dynamic axis moves by its own step between the traces,
 * so the pair of sizes names it. Lowerings use this where their input's shape does not hold the size
 * (a reshape that splits B * L back into B and L); values are made once per graph.
 */
export class RuntimeDims {
  constructor(private readonly g: OnnxGraphBuilder, private readonly sources: readonly DimSource[]) {}

  /** An int64 [1] value with the size, or null when the axis is static or no source explains it. */
  sizeOf(here: number, there: number | undefined): string | null {
    if (there === undefined || here === there) return null;
    const single = this.sources.find((s) => s.here === here && s.there === there);
    if (single) return this.read(single);
    for (const a of this.sources) {
      for (const b of this.sources) {
        if (a.here * b.here === here && a.there * b.there === there) {
          return this.g.memo(`runtime-dim:${a.input}[${a.axis}]*${b.input}[${b.axis}]`, () =>
            this.g.scope('dims', () => this.g.op('Mul', [this.read(a), this.read(b)])));
        }
      }
    }
    return null;
  }

  private read(s: DimSource): string {
    return this.g.memo(`runtime-dim:${s.input}[${s.axis}]`, () =>
      this.g.scope('dims', () => this.g.op('Shape', [s.input], { start: onnxAttr.int(s.axis), end: onnxAttr.int(s.axis + 1) })));
  }
}

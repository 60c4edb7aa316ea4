import { assertValidOnnxModel } from '../onnx/index.js';
import { zeros } from '../ops/creation.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { ResolvedDynamicAxes } from './dynamic-axes.js';
import { firstGraphDifference } from './graph-diff.js';
import { ExportOptionError, validateExportOptions, type DynamicAxes, type ExportOptions } from './options.js';
import { declareOutputs, recordShapes, traceGraph, type Forward, type TraceInput, type TracedGraph, type TraceSettings } from './trace-graph.js';

export { onnxElemTypeOf } from './trace-graph.js';
export { ExportOptionError, type DynamicAxes, type ExportOptions, type ExportPrecision } from './options.js';

/**
 * Exports a computation to ONNX by tracing it: the function runs once on the example inputs (under
 * noGrad), every op it dispatches is lowered through the op's registered lowering, tensors the trace did
 * not produce become initializers (parameters under their module names). IR 8, opset 17.
 *
 * With dynamic axes, the function also runs at other sizes of those axes (on zeros): once to see which
 * axes of each op move (lowerings compute those from Shape), and once more to build the graph there,
 * which must equal the example's (else the export fails, naming the node or constant that bakes in a
 * size). Output axes that moved get their dim_param names.
 */
export interface ExportedModel {
  readonly bytes: Uint8Array;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly nodeCount: number;
  /** Op names met during the trace, with their counts. */
  readonly ops: ReadonlyMap<string, number>;
}

interface ModuleLike {
  /**
   * Called with the example inputs only, so trailing optional parameters that are not tensors (e.g.
   * MultiTokenAttention's `impl`) keep their defaults; typed as such so those modules are accepted.
   */
  forward(...inputs: readonly [Tensor, ...unknown[]]): Tensor | readonly Tensor[];
  namedParameters?(): [string, Tensor][];
  /** The module's default dynamic axes, one map per forward input (see ExportOptions.dynamicAxes). */
  readonly onnxDynamicAxes?: readonly DynamicAxes[];
}

export function exportOnnx(target: Forward | ModuleLike, exampleInputs: readonly Tensor[], options: ExportOptions = {}): ExportedModel {
  const opts = validateExportOptions(options);
  if (opts.file !== undefined) {
    // Writing files is Node's: this module must bundle for browsers, so it imports no node: module.
    throw new ExportOptionError("exportOnnx: option 'file' writes a file, which only @mta/core on Node does (its `node` export condition); here save the returned bytes yourself");
  }
  if ((opts.inputNames?.length ?? 0) > exampleInputs.length) {
    throw new ExportOptionError(`exportOnnx: option 'inputNames' names ${opts.inputNames!.length} inputs, but there are ${exampleInputs.length} example inputs`);
  }
  const forward: Forward = typeof target === 'function' ? target : (first, ...rest) => target.forward(first, ...rest);
  const params = new Map<Tensor, string>(opts.parameters instanceof Map
    ? opts.parameters
    : (opts.parameters as readonly (readonly [string, Tensor])[] | undefined ?? []).map(([n, t]) => [t, n] as const));
  if (typeof target !== 'function' && target.namedParameters) {
    for (const [n, t] of target.namedParameters()) if (!params.has(t)) params.set(t, n);
  }
  const inputNames = exampleInputs.map((t, i) => opts.inputNames?.[i] ?? t.name ?? `input_${i}`);
  const settings: TraceSettings = { graphName: opts.graphName ?? 'model', parameters: params, precision: opts.precision ?? 'float32' };

  const requested: Record<string, DynamicAxes> = {};
  if (opts.dynamicBatch) for (const name of inputNames) requested[name] = { 0: 'batch' };
  const moduleDefault = typeof target === 'function' ? undefined : target.onnxDynamicAxes;
  const explicit = opts.dynamicAxes ?? Object.fromEntries((moduleDefault ?? []).map((axes, i) => [inputNames[i], axes] as const).filter(([n]) => n !== undefined));
  for (const [name, axes] of Object.entries(explicit)) requested[name] = { ...requested[name], ...axes };

  const axes = new ResolvedDynamicAxes(exampleInputs.map((t, i) => ({ name: inputNames[i]!, shape: t.shape })), requested);
  const examples = exampleInputs.map((t, i) => ({ tensor: t, name: inputNames[i]!, dims: axes.inputDims(inputNames[i]!, t.shape) }));
  if (!axes.isDynamic) {
    const traced = traceGraph(forward, examples, settings);
    const outputNames = publicOutputNames(traced, opts.outputNames);
    axes.checkNames(outputNames);
    declareOutputs(traced, outputNames, traced.outputs.map((o) => o.shape), settings.precision);
    return finish(traced, inputNames, outputNames);
  }
  // Three passes: the shapes at the probe sizes (which axes move), the graph at the example sizes, and
  // the graph at the probe sizes, which must come out the same.
  const probeShapes = withProbeInputs(exampleInputs, inputNames, axes, (probeInputs) => recordShapes(forward, probeInputs.map((i) => i.tensor)));
  const traced = traceGraph(forward, examples, settings, { shapes: probeShapes, dims: axes.dimSources('example') });
  const outputNames = publicOutputNames(traced, opts.outputNames);
  axes.checkNames(outputNames);
  const probe = withProbeInputs(exampleInputs, inputNames, axes, (probeInputs) => traceGraph(forward, probeInputs, settings, { shapes: traced.shapes, dims: axes.dimSources('probe') }));
  const outputDims = traced.outputs.map((o, i) => axes.outputDims(outputNames[i]!, o.shape, probe.outputs[i]!.shape));
  declareOutputs(probe, outputNames, outputDims, settings.precision);
  declareOutputs(traced, outputNames, outputDims, settings.precision);
  const difference = firstGraphDifference(traced.g.toModelProto(), probe.g.toModelProto());
  if (difference !== null) {
    const sizes = [...axes.symbols.values()].map((s) => `${s.name}: ${s.exampleSize} then ${s.probeSize}`).join(', ');
    throw new Error(`exportOnnx: the graph depends on the example size of a dynamic axis (traced at ${sizes}): ${difference}. ` +
      'Compute that size from the inputs with ops (so it is traced; positions(x, axis) for position ids), or leave the axis static. ' +
      '(The second trace runs on zeros: a model whose ops depend on input values differs for that reason too.)');
  }
  return finish(traced, inputNames, outputNames);
}

function publicOutputNames(traced: TracedGraph, names: readonly string[] | undefined): string[] {
  if ((names?.length ?? 0) > traced.outputs.length) {
    throw new ExportOptionError(`exportOnnx: option 'outputNames' names ${names!.length} outputs, but the function returned ${traced.outputs.length}`);
  }
  return traced.outputs.map((_, i) => names?.[i] ?? `output_${i}`);
}

function finish(traced: TracedGraph, inputNames: readonly string[], outputNames: readonly string[]): ExportedModel {
  // Fail here, naming the rule, rather than when ONNX Runtime loads the file.
  assertValidOnnxModel(traced.g.toModelProto(), 'exportOnnx: the exported model');
  const bytes = traced.g.encode();
  return { bytes, inputNames, outputNames, nodeCount: traced.g.nodeCount, ops: traced.ops };
}

/** Runs `trace` on zero inputs with every dynamic axis at its probe size; a failure says which sizes. */
function withProbeInputs<T>(exampleInputs: readonly Tensor[], inputNames: readonly string[], axes: ResolvedDynamicAxes, trace: (inputs: TraceInput[]) => T): T {
  return tidy(() => {
    const probeInputs = exampleInputs.map((t, i) => ({
      tensor: zeros(axes.probeShape(inputNames[i]!, t.shape), { dtype: t.dtype, device: t.device }),
      name: inputNames[i]!,
      dims: axes.inputDims(inputNames[i]!, t.shape),
    }));
    try {
      return trace(probeInputs);
    } catch (error) {
      const sizes = [...axes.symbols.values()].map((s) => `${s.name} = ${s.probeSize}`).join(', ');
      throw new Error(`exportOnnx: tracing again at other sizes of the dynamic axes (${sizes}) failed, so they cannot be verified: ` +
        `${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });
}

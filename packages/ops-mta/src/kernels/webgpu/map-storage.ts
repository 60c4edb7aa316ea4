import { HALF_CODEC, halfBitsLoadFn } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';

/**
 * How a shader's (B, C, L, L) map binding is stored: f32, or float16 packed two to a u32 word (element e in
 * the low half of word e >> 1 when e is even, the high half when odd; @mta/device-webgpu's half-wgsl.ts).
 * float16 calls keep every tensor the caller sees in f16 (scores, probabilities, output, gradients) and
 * compute in f32: loads decode to f32, stores round once (to nearest even) when they pack.
 *
 * Race-free packed stores. Writers own elements (an invocation its outputs, a workgroup its row), but a
 * word holds two elements, so a word may have two writers where an owned run starts or ends mid-word:
 *   - with L even every row and every channel map starts at an even element (as does every slab binding,
 *     at a multiple of 256 bytes), so the shaders give each writer whole words only (`storeWord`: a row's
 *     words are spread over its workgroup's invocations, a convolution invocation computes two adjacent
 *     positions) and no word is ever shared: plain stores, no atomics;
 *   - with L odd rows and maps start mid-word, and the word that straddles two runs has two writers. Its
 *     halves are written with `storeHalf`: atomicAnd clears the writer's own 16 bits, then atomicOr sets
 *     them. The two writers' atomics touch disjoint bits of the word, so in any interleaving each half ends
 *     as its writer's value, whatever the word held before (no zero fill needed). A binding is atomic or not
 *     as a whole, so such an output is bound as array<atomic<u32>> and its whole words use atomicStore
 *     (a plain store on GPUs). Words a writer owns whole are still written whole, never as two halves.
 * A packed output is never read by the pass that writes it (in-place passes run on f32 maps only).
 */
export type MapStorage = 'f32' | 'f16';

/** The storage of a tensor of the call's dtype (the geometry's). */
export const storageOf = (g: MtaGeometry): MapStorage => (g.dtype === 'float16' ? 'f16' : 'f32');

/** Whether a packed output of this geometry has words with two writers (see above): L odd. */
export const sharesWords = (g: MtaGeometry): boolean => g.L % 2 === 1;

/** A read-only map binding: array<f32>, or the packed words. */
export function mapInput(binding: number, name: string, storage: MapStorage): string {
  return `@group(0) @binding(${binding}) var<storage, read> ${name}: array<${storage === 'f32' ? 'f32' : 'u32'}>;`;
}

/** A written map binding; a packed one is atomic when its words may have two writers. */
export function mapOutput(binding: number, name: string, storage: MapStorage, shared: boolean): string {
  const element = storage === 'f32' ? 'f32' : shared ? 'atomic<u32>' : 'u32';
  return `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<${element}>;`;
}

/**
 * Element `index` of a map as f32: `name[index]` for f32 (so the float32 shaders' text is what it always
 * was), the decoding `load_name(index)` for packed storage.
 */
export function mapLoad(name: string, storage: MapStorage, index: string): string {
  return storage === 'f32' ? `${name}[${index}]` : `load_${name}(${index})`;
}

/** The map a shader writes, as `packedHelpers` needs it. */
export interface WrittenMap {
  readonly name: string;
  readonly storage: MapStorage;
  /** Whether its words may have two writers (`sharesWords`). */
  readonly shared: boolean;
  /**
   * Test instrumentation, never set by the kernels: the binding of a write ledger, array<atomic<u32>> with a
   * word per output word, to which every store adds 1 for each half it writes (0x1 the low half, 0x10000
   * the high one). A race-free scheme leaves exactly 0x10001 in every word: each half written once, and a
   * whole-word store only where nobody else writes (webgpu-f16-packing.test.ts).
   */
  readonly ledger?: number;
}

/** The WGSL a shader needs for its packed bindings: the codec, a load function per packed input, the stores of a packed output. */
export function packedHelpers(inputs: readonly (readonly [name: string, storage: MapStorage])[], output?: WrittenMap): string {
  const loads = inputs.filter(([, s]) => s === 'f16').map(([name]) => `${halfBitsLoadFn(`bits_${name}`, name)}
fn load_${name}(e: u32) -> f32 { return halfToF32(bits_${name}(e)); }`);
  const stores = output?.storage === 'f16' ? [packedStoreFns(output)] : [];
  if (loads.length === 0 && stores.length === 0) return '';
  return [HALF_CODEC, ...loads, ...stores].join('\n');
}

/**
 * `storeWord_name(w, v)`: word w holds v.x (element 2w) and v.y (element 2w + 1), one writer owning both.
 * `storeHalf_name(e, v)` (shared words only): element e alone, the word's other half untouched.
 */
function packedStoreFns({ name, shared, ledger }: WrittenMap): string {
  const word = 'f32ToHalf(v.x) | (f32ToHalf(v.y) << 16u)';
  const count = (w: string, halves: string): string => (ledger === undefined ? '' : ` atomicAdd(&ledger[${w}], ${halves});`);
  const ledgerDecl = ledger === undefined ? '' : `@group(0) @binding(${ledger}) var<storage, read_write> ledger: array<atomic<u32>>;\n`;
  if (!shared) return `${ledgerDecl}fn storeWord_${name}(w: u32, v: vec2<f32>) { ${name}[w] = ${word};${count('w', '0x10001u')} }`;
  return `${ledgerDecl}fn storeWord_${name}(w: u32, v: vec2<f32>) { atomicStore(&${name}[w], ${word});${count('w', '0x10001u')} }
fn storeHalf_${name}(e: u32, v: f32) {
  let shift = (e & 1u) << 4u;
  atomicAnd(&${name}[e >> 1u], ~(0xffffu << shift));
  atomicOr(&${name}[e >> 1u], f32ToHalf(v) << shift);${count('e >> 1u', '1u << shift')}
}`;
}

/**
 * The store of a contiguous row written by one workgroup: elements base .. base + WIDTH - 1 of `name`, as
 * words spread over the invocations (word w by invocation w mod WG), from `fn rowValue(c: u32) -> f32`
 * (c < WIDTH). With WIDTH (L) even the row is whole words; with it odd the row's first or last word is
 * shared with the neighbouring row and only this row's half of it is stored.
 */
export function packedRowStore(name: string, shared: boolean): string {
  if (!shared) {
    return `for (var w = (base >> 1u) + lid; w < ((base + WIDTH) >> 1u); w += WG) {
    let c = 2u * w - base;
    storeWord_${name}(w, vec2<f32>(rowValue(c), rowValue(c + 1u)));
  }`;
  }
  return `for (var w = (base >> 1u) + lid; w <= ((base + WIDTH - 1u) >> 1u); w += WG) {
    let e = 2u * w;
    if (e < base) { storeHalf_${name}(e + 1u, rowValue(0u)); }
    else if (e + 1u == base + WIDTH) { storeHalf_${name}(e, rowValue(WIDTH - 1u)); }
    else { storeWord_${name}(w, vec2<f32>(rowValue(e - base), rowValue(e + 1u - base))); }
  }`;
}

/**
 * The store of two adjacent elements e, e + 1 of `name` computed by one invocation (`hasSecond`: e + 1 is
 * in the same map; false for the last position of a map of odd size). A whole word when e is even and both
 * exist; otherwise each element is the half of a word shared with the neighbouring invocation (L odd only).
 */
export function packedPairStore(name: string, shared: boolean, e: string, v0: string, v1: string, hasSecond: string): string {
  if (!shared) return `storeWord_${name}(${e} >> 1u, vec2<f32>(${v0}, ${v1}));`;
  return `if ((${e} & 1u) == 0u && ${hasSecond}) { storeWord_${name}(${e} >> 1u, vec2<f32>(${v0}, ${v1})); }
    else {
      storeHalf_${name}(${e}, ${v0});
      if (${hasSecond}) { storeHalf_${name}(${e} + 1u, ${v1}); }
    }`;
}

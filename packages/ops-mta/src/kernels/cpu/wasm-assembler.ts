/**
 * A minimal WebAssembly binary writer: just the instructions the SIMD row kernels use. The repository
 * has no wasm toolchain, so the kernels are written as instruction sequences here and validated by
 * the engine (WebAssembly.validate) when the module is built.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

const SIMD = 0xfd;

/** Instruction sequence of one function body. Memory offsets are byte immediates. */
export class Code {
  readonly bytes: number[] = [];

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  private simd(opcode: number, ...immediates: number[]): this {
    return this.op(SIMD, ...uleb(opcode), ...immediates);
  }

  get(local: number): this { return this.op(0x20, ...uleb(local)); }
  tee(local: number): this { return this.op(0x22, ...uleb(local)); }
  set(local: number): this { return this.op(0x21, ...uleb(local)); }
  i32(value: number): this { return this.op(0x41, ...sleb(value)); }
  i32Add(): this { return this.op(0x6a); }
  i32And(): this { return this.op(0x71); }
  i32Shl(): this { return this.op(0x74); }
  i32GeU(): this { return this.op(0x4f); }
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  if(): this { return this.op(0x04, 0x40); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, ...uleb(depth)); }
  call(functionIndex: number): this { return this.op(0x10, ...uleb(functionIndex)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb(depth)); }
  /** f64.load with alignment hint 8 bytes. */
  f64Load(offset: number): this { return this.op(0x2b, 3, ...uleb(offset)); }
  f64Store(offset: number): this { return this.op(0x39, 3, ...uleb(offset)); }
  f64Const(value: number): this {
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    return this.op(0x44, ...bytes);
  }
  f64Add(): this { return this.op(0xa0); }
  f64Sub(): this { return this.op(0xa1); }
  f64Mul(): this { return this.op(0xa2); }
  f64Div(): this { return this.op(0xa3); }
  f64Max(): this { return this.op(0xa5); }
  /** v128.load with alignment hint 8 bytes (rows are f64-aligned, not 16-aligned). */
  v128Load(offset: number): this { return this.simd(0x00, 3, ...uleb(offset)); }
  v128Store(offset: number): this { return this.simd(0x0b, 3, ...uleb(offset)); }
  f64x2Splat(): this { return this.simd(0x14); }
  f64x2ExtractLane(lane: number): this { return this.simd(0x21, lane); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Sub(): this { return this.simd(0xf1); }
  f64x2Mul(): this { return this.simd(0xf2); }
  f64x2Max(): this { return this.simd(0xf5); }
  f64x2Ge(): this { return this.simd(0x4c); }
  v128And(): this { return this.simd(0x4e); }
  i64x2Shl(): this { return this.simd(0xcb); }
  i64x2Add(): this { return this.simd(0xce); }
  i64x2Sub(): this { return this.simd(0xd1); }
}

export interface FunctionDef {
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results?: readonly ValType[];
  /** Extra locals after the parameters, in order. */
  readonly locals: readonly ValType[];
  readonly body: Code;
}

/** A module importing its memory as env.memory and exporting the given functions. */
export function assembleModule(functions: readonly FunctionDef[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector((f.results ?? []).map((t) => [t]))]);
  const imports = vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]);
  const functionSection = vector(functions.map((_, k) => uleb(k)));
  const exports = vector(functions.map((f, k) => [...name(f.name), 0x00, ...uleb(k)]));
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, imports),
    ...section(3, functionSection),
    ...section(7, exports),
    ...section(10, vector(bodies)),
  ]);
}

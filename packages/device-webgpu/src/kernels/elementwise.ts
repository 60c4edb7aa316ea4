import {
  BINARY_OPS, COMPARE_OPS, UNARY_OPS, Where, registerKernel,
  type BinaryAttrs, type BinaryKind, type CompareAttrs, type CompareKind, type KernelDef, type UnaryAttrs, type UnaryKind, type WhereAttrs,
} from '@mta/core';
import { WebgpuDtypeError } from '../errors.js';
import { runMapKernel } from './map-kernel.js';

/**
 * Binary (Add .. Minimum), comparison, unary and Where kernels: one invocation per output element,
 * inputs read in place through their strides (broadcasting and views need no copy). float32 and int32;
 * comparisons and Where also take bool. NaN is tested on the bits: WGSL lets a compiler assume that no
 * NaN occurs, so `v != v` may be folded away, and max/min need not propagate NaN as cpu does.
 */
const NAN_HELPERS = `
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn powF(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a < 0.0 && floor(b) == b) {
    // WGSL's pow is undefined for a < 0; an integral exponent is defined (the sign from its parity).
    let m = pow(-a, b);
    return select(m, -m, (i32(b) & 1) == 1);
  }
  return pow(a, b);
}
fn powI(a: i32, b: i32) -> i32 {
  // a^b for b < 0 is a fraction that int32 truncates (as the cpu kernel's storage does): 0 unless |a| = 1.
  if (b < 0) { return select(0, select(1, select(-1, 1, (b & 1) == 0), a == -1), a == 1 || a == -1); }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`;

const FLOAT_BINARY: Record<BinaryKind, string> = {
  add: 'a + b', sub: 'a - b', mul: 'a * b', div: 'a / b', pow: 'powF(a, b)',
  maximum: 'select(max(a, b), fromBits(0x7fc00000u), isNan(a) || isNan(b))',
  minimum: 'select(min(a, b), fromBits(0x7fc00000u), isNan(a) || isNan(b))',
};
const INT_BINARY: Record<BinaryKind, string> = {
  add: 'a + b', sub: 'a - b', mul: 'a * b', div: 'a / b', pow: 'powI(a, b)', maximum: 'max(a, b)', minimum: 'min(a, b)',
};
const COMPARE: Record<CompareKind, string> = {
  equal: 'a == b', notEqual: 'a != b', less: 'a < b', lessEqual: 'a <= b', greater: 'a > b', greaterEqual: 'a >= b',
};
const FLOAT_UNARY: Record<UnaryKind, string> = {
  neg: '-v', exp: 'exp(v)', log: 'log(v)', sqrt: 'sqrt(v)', abs: 'abs(v)',
  // tanh(+-15) is +-1 in float32; some implementations compute tanh through exp(2v), which overflows to NaN.
  tanh: 'tanh(clamp(v, -15.0, 15.0))',
  sigmoid: '1.0 / (1.0 + exp(-v))',
  relu: 'select(0.0, v, v > 0.0 || isNan(v))',
  sign: 'select(sign(v), v, isNan(v))',
};
const INT_UNARY: Partial<Record<UnaryKind, string>> = { neg: '-v', abs: 'abs(v)', relu: 'max(v, 0)', sign: 'sign(v)' };

function binaryKernel(kind: BinaryKind): KernelDef<BinaryAttrs> {
  const name = BINARY_OPS[kind].name;
  return {
    stridedInputs: true,
    run: ({ inputs: [a, b], outputs: [y] }) => {
      if (a!.dtype !== 'float32' && a!.dtype !== 'int32') throw new WebgpuDtypeError(name, a!.dtype, ['float32', 'int32']);
      const expr = (a!.dtype === 'float32' ? FLOAT_BINARY : INT_BINARY)[kind];
      runMapKernel(name.toLowerCase(), [a!, b!], y!, `  let a = in0(i); let b = in1(i);\n  return ${expr};`, NAN_HELPERS);
    },
  };
}

function compareKernel(kind: CompareKind): KernelDef<CompareAttrs> {
  const name = COMPARE_OPS[kind].name;
  return {
    stridedInputs: true,
    run: ({ inputs: [a, b], outputs: [y] }) => {
      runMapKernel(name.toLowerCase(), [a!, b!], y!, `  let a = in0(i); let b = in1(i);\n  return ${COMPARE[kind]};`);
    },
  };
}

function unaryKernel(kind: UnaryKind): KernelDef<UnaryAttrs> {
  const name = UNARY_OPS[kind].name;
  return {
    stridedInputs: true,
    run: ({ inputs: [x], outputs: [y] }) => {
      const expr = x!.dtype === 'float32' ? FLOAT_UNARY[kind] : x!.dtype === 'int32' ? INT_UNARY[kind] : undefined;
      if (expr === undefined) throw new WebgpuDtypeError(name, x!.dtype, INT_UNARY[kind] ? ['float32', 'int32'] : ['float32']);
      runMapKernel(name.toLowerCase(), [x!], y!, `  let v = in0(i);\n  return ${expr};`, NAN_HELPERS);
    },
  };
}

/** where(c, a, b): a bool condition; a and b of any dtype the device stores (a bool output packs bytes). */
const whereKernel: KernelDef<WhereAttrs> = {
  stridedInputs: true,
  run: ({ inputs: [c, a, b], outputs: [y] }) => {
    const pick = y!.dtype === 'bool' ? 'select(in2(i), in1(i), in0(i) != 0u) != 0u' : 'select(in2(i), in1(i), in0(i) != 0u)';
    runMapKernel('where', [c!, a!, b!], y!, `  return ${pick};`);
  },
};

// Built once, so that registering twice hands the registry the same objects (a no-op, not an error).
const binaryKernels = (Object.keys(BINARY_OPS) as BinaryKind[]).map((k) => [BINARY_OPS[k], binaryKernel(k)] as const);
const compareKernels = (Object.keys(COMPARE_OPS) as CompareKind[]).map((k) => [COMPARE_OPS[k], compareKernel(k)] as const);
const unaryKernels = (Object.keys(UNARY_OPS) as UnaryKind[]).map((k) => [UNARY_OPS[k], unaryKernel(k)] as const);

export function registerElementwiseKernels(): () => void {
  const disposers = [
    ...binaryKernels.map(([op, k]) => registerKernel(op, 'webgpu', k)),
    ...compareKernels.map(([op, k]) => registerKernel(op, 'webgpu', k)),
    ...unaryKernels.map(([op, k]) => registerKernel(op, 'webgpu', k)),
    registerKernel(Where, 'webgpu', whereKernel),
  ];
  return () => disposers.forEach((d) => d());
}

import { AdamUpdate, registerKernel, type AdamUpdateAttrs, type KernelArgs, hostData } from '@mta/core';

/**
 * The Adam step, one pass per parameter. Every operation rounds to the parameter's dtype, constants
 * included, exactly as the elementwise formulation did (op by op in float32 storage), so training on cpu
 * gives the same numbers, bit for bit, as before the step was fused.
 */
function adamUpdateKernel({ inputs: [p, g, m, v], outputs: [pOut, mOut, vOut], attrs }: KernelArgs<AdamUpdateAttrs>): void {
  const r = p.dtype === 'float32' ? Math.fround : (x: number): number => x;
  const { lr, beta1, beta2, eps, correction1, correction2, weightDecay, decoupled } = attrs;
  const [b1, b2, oneMinusB1, oneMinusB2, c1, c2, e, rate, wd] =
    [beta1, beta2, 1 - beta1, 1 - beta2, correction1, correction2, eps, lr, weightDecay].map(r) as number[];
  const keep = r(1 - lr * weightDecay);
  const P = hostData(p), G = hostData(g), M = hostData(m), V = hostData(v);
  const PO = hostData(pOut), MO = hostData(mOut), VO = hostData(vOut);
  const [po, go, mo, vo] = [p.offset, g.offset, m.offset, v.offset];
  const l2 = weightDecay !== 0 && !decoupled, decay = weightDecay !== 0 && decoupled;
  for (let i = 0; i < pOut.size; i++) {
    const pi = P[po + i]!;
    const gi = l2 ? r(G[go + i]! + r(pi * wd!)) : G[go + i]!;
    const mi = r(r(M[mo + i]! * b1!) + r(gi * oneMinusB1!));
    const vi = r(r(V[vo + i]! * b2!) + r(r(gi * gi) * oneMinusB2!));
    const dir = r(r(mi / c1!) / r(r(Math.sqrt(r(vi / c2!))) + e!));
    PO[i] = r((decay ? r(pi * keep) : pi) - r(dir * rate!));
    MO[i] = mi;
    VO[i] = vi;
  }
}

export function registerOptimizerKernels(): (() => void)[] {
  return [registerKernel(AdamUpdate, 'cpu', adamUpdateKernel)];
}

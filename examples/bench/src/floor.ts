/**
 * The arithmetic floor the bench prints: the multiply-adds a cell needs over the causal triangle
 * divided by what the machine could retire at best with 4-lane SIMD on every core:
 *   floorMs = macs / (lanes x cores x clock)
 *   macs    = B * Cout * Cin * K^2 * L(L+1)/2 forward; backward twice that (grad_scores and grad_weight),
 *             so forward+backward is 3x forward. Exponentials, the softmax VJP and memory traffic are
 *             not counted (a few % of the multiply-adds at K = 3, C = 4), so this is a lower bound.
 *   lanes   = 4 (float32 in 128-bit wasm SIMD, what a wasm runtime can use);
 *   cores   = os.availableParallelism();
 *   clock   = the largest "cpu MHz" in /proc/cpuinfo (the clock the kernel reports now, not a turbo
 *             maximum), 3.0 GHz where that file is missing.
 * One multiply-add per lane per cycle: a core that issues two FMAs per cycle halves the true floor,
 * so "2x the floor" is a target a kernel without FMA dual issue can reach.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { ProblemSize } from './problem';
import type { Phase } from './types';

export interface FloorMachine {
  readonly lanes: number;
  readonly cores: number;
  readonly clockGHz: number;
  /** Where clockGHz came from. */
  readonly clockSource: string;
}

export const FLOOR_METHOD =
  'floorMs = causal multiply-adds / (4 float32 lanes x cores x clock); multiply-adds = B*Cout*Cin*K^2*L(L+1)/2 ' +
  'forward, 3x that for forward+backward (grad_scores and grad_weight each cost one forward); one multiply-add ' +
  'per lane per cycle; exponentials and memory traffic not counted.';

export function floorMachine(): FloorMachine {
  const cores = os.availableParallelism();
  try {
    const mhz = [...readFileSync('/proc/cpuinfo', 'utf8').matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1]));
    const best = Math.max(...mhz.filter((x) => Number.isFinite(x) && x > 0));
    if (Number.isFinite(best)) return { lanes: 4, cores, clockGHz: best / 1000, clockSource: '/proc/cpuinfo cpu MHz (largest)' };
  } catch {
    // not Linux: the default below
  }
  return { lanes: 4, cores, clockGHz: 3.0, clockSource: 'default 3.0 GHz (no /proc/cpuinfo)' };
}

export function causalMacs(size: ProblemSize, L: number, phase: Phase): number {
  const forward = size.B * size.C * size.C * size.K * size.K * ((L * (L + 1)) / 2);
  return phase === 'forward' ? forward : 3 * forward;
}

export function floorMs(size: ProblemSize, L: number, phase: Phase, machine: FloorMachine): number {
  return causalMacs(size, L, phase) / (machine.lanes * machine.cores * machine.clockGHz * 1e9) * 1e3;
}

/**
 * A single-thread CPU implementation of post-softmax MTA, written to be fast in plain JS (float32 arrays,
 * causal-aware bounds, the K taps of a kernel row fused into one loop, dP and dW fused in one pass, output
 * buffers allocated once and reused). It is the timing baseline for the simulator benchmark: the NPU kernels
 * do the same arithmetic, plus the simulation (UB staging, DMA accounting, checks).
 */
export interface CpuMtaProblem {
  readonly B: number;
  readonly C: number;
  readonly L: number;
  /** Square kernel size with symmetric padding K // 2, stride 1, dilation 1, one group. */
  readonly K: number;
}

export interface CpuMtaBuffers {
  readonly probs: Float32Array;
  readonly out: Float32Array;
  readonly gradScores: Float32Array;
  readonly gradWeight: Float64Array;
  readonly gradBias: Float64Array;
  readonly dp: Float32Array;
}

export function cpuMtaBuffers(p: CpuMtaProblem): CpuMtaBuffers {
  const n = p.B * p.C * p.L * p.L;
  return {
    probs: new Float32Array(n), out: new Float32Array(n), gradScores: new Float32Array(n),
    gradWeight: new Float64Array(p.C * p.C * p.K * p.K), gradBias: new Float64Array(p.C), dp: new Float32Array(p.L),
  };
}

/** probs and out (zeros above the diagonal, which this writes too). */
export function cpuMtaForward(p: CpuMtaProblem, scores: Float32Array, weight: Float32Array, bias: Float32Array, buf: CpuMtaBuffers): void {
  const { B, C, L, K } = p;
  const pad = K >> 1;
  const { probs, out } = buf;
  for (let m = 0; m < B * C; m++) {
    for (let i = 0; i < L; i++) {
      const o = (m * L + i) * L;
      let mx = -Infinity;
      for (let j = 0; j <= i; j++) mx = Math.max(mx, scores[o + j]!);
      let s = 0;
      for (let j = 0; j <= i; j++) {
        const e = Math.exp(scores[o + j]! - mx);
        probs[o + j] = e;
        s += e;
      }
      const inv = 1 / s;
      for (let j = 0; j <= i; j++) probs[o + j] *= inv;
      probs.fill(0, o + i + 1, o + L);
    }
  }
  for (let b = 0; b < B; b++) {
    for (let co = 0; co < C; co++) {
      for (let y = 0; y < L; y++) {
        const orow = ((b * C + co) * L + y) * L;
        out.fill(bias[co]!, orow, orow + y + 1);
        out.fill(0, orow + y + 1, orow + L);
        for (let ci = 0; ci < C; ci++) {
          for (let kh = 0; kh < K; kh++) {
            const iy = y - pad + kh;
            if (iy < 0 || iy >= L) continue;
            const prow = ((b * C + ci) * L + iy) * L;
            const w = ((co * C + ci) * K + kh) * K;
            if (K === 3) {
              const w0 = weight[w]!, w1 = weight[w + 1]!, w2 = weight[w + 2]!;
              // out[x] += w0 P[x-1] + w1 P[x] + w2 P[x+1] for x <= y (P rows are zero past their diagonal).
              out[orow] += w1 * probs[prow]! + (L > 1 ? w2 * probs[prow + 1]! : 0);
              const xEnd = Math.min(y, L - 2);
              for (let x = 1; x <= xEnd; x++) out[orow + x] += w0 * probs[prow + x - 1]! + w1 * probs[prow + x]! + w2 * probs[prow + x + 1]!;
              if (y === L - 1 && L > 1) out[orow + L - 1] += w0 * probs[prow + L - 2]! + w1 * probs[prow + L - 1]!;
            } else {
              for (let kw = 0; kw < K; kw++) {
                const wv = weight[w + kw]!;
                const shift = kw - pad;
                const x0 = Math.max(0, -shift);
                const x1 = Math.min(y, iy - shift, L - 1 - shift);
                for (let x = x0; x <= x1; x++) out[orow + x] += wv * probs[prow + x + shift]!;
              }
            }
          }
        }
      }
    }
  }
}

/** gradScores (zeros above the diagonal), gradWeight, gradBias. */
export function cpuMtaBackward(p: CpuMtaProblem, weight: Float32Array, gradOut: Float32Array, buf: CpuMtaBuffers): void {
  const { B, C, L, K } = p;
  const pad = K >> 1;
  const { probs, gradScores, gradWeight, gradBias, dp } = buf;
  gradWeight.fill(0);
  gradBias.fill(0);
  for (let b = 0; b < B; b++) {
    for (let co = 0; co < C; co++) {
      for (let y = 0; y < L; y++) {
        const g = ((b * C + co) * L + y) * L;
        let s = 0;
        for (let x = 0; x <= y; x++) s += gradOut[g + x]!;
        gradBias[co] += s;
      }
    }
    for (let ci = 0; ci < C; ci++) {
      for (let y = 0; y < L; y++) {
        dp.fill(0, 0, y + 1);
        const prow = ((b * C + ci) * L + y) * L;
        for (let co = 0; co < C; co++) {
          for (let kh = 0; kh < K; kh++) {
            const oy = y + pad - kh;
            if (oy < 0 || oy >= L) continue;
            const grow = ((b * C + co) * L + oy) * L;
            for (let kw = 0; kw < K; kw++) {
              const wi = ((co * C + ci) * K + kh) * K + kw;
              const w = weight[wi]!;
              const shift = pad - kw;
              const x0 = Math.max(0, -shift);
              const x1 = Math.min(y, oy - shift, L - 1 - shift); // dO is masked past its diagonal
              let dw = 0;
              for (let x = x0; x <= x1; x++) {
                const gv = gradOut[grow + x + shift]!;
                dp[x] += w * gv;
                dw += probs[prow + x]! * gv;
              }
              gradWeight[wi] += dw;
            }
          }
        }
        let dot = 0;
        for (let x = 0; x <= y; x++) dot += dp[x]! * probs[prow + x]!;
        for (let x = 0; x <= y; x++) gradScores[prow + x] = probs[prow + x]! * (dp[x]! - dot);
        gradScores.fill(0, prow + y + 1, prow + L);
      }
    }
  }
}

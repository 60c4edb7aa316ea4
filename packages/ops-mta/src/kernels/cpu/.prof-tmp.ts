import { allocateMtaArray } from './arrays';
import { mtaBackward, mtaForward } from './fused';
const L = 1024, B = 2, C = 4;
const shape = { B, Cin: C, Cout: C, L, kH: 3, kW: 3 };
const config = { mode: (process.argv[2] ?? 'post') as 'post' | 'pre', sparse: process.argv[3] === 'sparse', pads: [1, 1, 1, 1] as const, dilation: [1, 1] as const, groups: 1 };
const n = B * C * L * L;
const scores = allocateMtaArray('float32', n); for (let k = 0; k < n; k++) scores[k] = Math.sin(k);
const gradOut = allocateMtaArray('float32', n); for (let k = 0; k < n; k++) gradOut[k] = Math.cos(k);
const weight = new Float32Array(144).map((_, k) => Math.sin(k) * 0.3); const bias = new Float32Array(4);
const out = allocateMtaArray('float32', n), probs = allocateMtaArray('float32', n), gs = allocateMtaArray('float32', n);
for (let r = 0; r < 6; r++) {
  const c0 = process.cpuUsage();
  const f = mtaForward(scores, weight, bias, shape, config, { out, probs });
  const c1 = process.cpuUsage(c0);
  mtaBackward(gradOut, f.saved, scores, weight, shape, config, { gradScores: gs });
  const c2 = process.cpuUsage(c0);
  console.log('cpu fwd', ((c1.user + c1.system) / 1000).toFixed(0), 'fwd+bwd', ((c2.user + c2.system) / 1000).toFixed(0));
}

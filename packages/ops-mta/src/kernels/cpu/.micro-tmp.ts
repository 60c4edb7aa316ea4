import { softmaxInPlace, expNonPositive } from './softmax-exp';
import { instantiateSimdRowKernels } from './wasm-row-kernels';
const inst = instantiateSimdRowKernels(1 << 20)!;
const mem = new Float64Array(inst.memory.buffer);
let worst = 0;
for (let k = 0; k < 200000; k++) { const d = -Math.random() * 720; const e = expNonPositive(d), m = Math.exp(d); if (d >= -707) worst = Math.max(worst, Math.abs(e / m - 1)); }
for (let k = 0; k < 20000; k++) { const d = -Math.random() * 1; const e = expNonPositive(d), m = Math.exp(d); worst = Math.max(worst, Math.abs(e / m - 1)); }
console.log('exp max rel err vs Math.exp', worst);
let bad = 0;
for (const n of [1, 2, 3, 10, 33, 1000]) for (const scale of [1, 60, 400]) {
  const row = new Float64Array(n).map(() => (Math.random() - 0.5) * scale);
  const js = row.slice(); softmaxInPlace(js, 0, n);
  mem.set(row, 8); inst.kernels.softmax(64, n);
  for (let c = 0; c < n; c++) if (!Object.is(js[c], mem[8 + c])) bad++;
}
console.log('mismatches', bad);
const L = 1024; const src = new Float64Array(L).map(() => Math.random() * 4);
function cpu(f: () => void) { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return ((c.user + c.system) / 1000).toFixed(0); }
const wasmRun = () => { for (let rep = 0; rep < 8; rep++) for (let r = 0; r < L; r++) { mem.set(src.subarray(0, r + 1)); inst.kernels.softmax(0, r + 1); } };
for (let k = 0; k < 4; k++) console.log('wasm softmax 4.2M elements', cpu(wasmRun), 'ms');

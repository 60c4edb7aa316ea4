/**
 * Candidate WGSL kernels for the MTA passes (experiment; float32, groups = 1, L % 4 == 0), compared with
 * the production passes by gpu-kernels.ts on a GPU.
 */
import type { MtaGeometry } from '../../../../packages/ops-mta/src/geometry';

const head = (g: MtaGeometry, wg: number): string => `
const WG: u32 = ${wg}u;
const B: u32 = ${g.B}u;
const CIN: u32 = ${g.Cin}u;
const COUT: u32 = ${g.Cout}u;
const L: u32 = ${g.L}u;
const LL: u32 = ${g.L * g.L}u;
const QUADS: u32 = ${g.L / 4}u;
const IL: i32 = ${g.L};
fn linearGroup(wg: vec3<u32>, groups: vec3<u32>) -> u32 { return wg.y * groups.x + wg.x; }`;
const ENTRY = '@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32';

/** Window element offsets relative to the quad start j0 for a convolution reading columns j0 + p + off(k). */
interface Window { readonly first: number; readonly width: number }

/** Loads the window cols j0+first .. j0+first+width-1 of row r (masked: 0 <= col <= limit) into win0..; vec4 loads. */
function windowLoads(name: string, rowBase4: string, win: Window, limit: string): string[] {
  const lines: string[] = [];
  const dFirst = Math.floor(win.first / 4);
  const dLast = Math.floor((win.first + win.width - 1) / 4);
  for (let d = dFirst; d <= dLast; d++) {
    const qd = `q + ${d >= 0 ? `${d}u` : `${-d}u`}`;
    const idx = d >= 0 ? `q + ${d}u` : `q - ${-d}u`;
    const cond = d < 0 ? `q >= ${-d}u` : d > 0 ? `q + ${d}u < QUADS` : 'true';
    void qd;
    lines.push(`let v${d < 0 ? `m${-d}` : d} = select(vec4<f32>(0.0), ${name}[${rowBase4} + select(0u, ${idx}, ${cond})], ${cond});`);
  }
  for (let k = 0; k < win.width; k++) {
    const off = win.first + k;
    const d = Math.floor(off / 4);
    const lane = ((off % 4) + 4) % 4;
    lines.push(`let win${k} = select(0.0, v${d < 0 ? `m${-d}` : d}[${lane}], i32(j0) + ${off} <= ${limit});`);
  }
  return lines;
}

/** Forward convolution, one invocation per (b, row i, quad of 4 columns), all output channels; uniform weights. */
export function conv4Forward(g: MtaGeometry, wg: number): string {
  const taps = g.kH * g.kW;
  const win: Window = { first: -g.pl, width: 4 + (g.kW - 1) * g.dw };
  const body: string[] = [];
  for (let ci = 0; ci < g.Cin; ci++) {
    for (let kh = 0; kh < g.kH; kh++) {
      body.push(`  { let r = i32(i) - ${g.pt} + ${kh * g.dh}; if (r >= 0 && r < IL) { let rowBase4 = ((b * CIN + ${ci}u) * LL + u32(r) * L) / 4u;`);
      body.push(...windowLoads('x4', 'rowBase4', win, 'r').map((l) => `    ${l}`));
      for (let co = 0; co < g.Cout; co++) {
        for (let kw = 0; kw < g.kW; kw++) {
          const w = `wAt(${(co * g.Cin + ci) * taps + kh * g.kW + kw}u)`;
          for (let p = 0; p < 4; p++) body.push(`    a${co}_${p} += ${w} * win${p + kw * g.dw};`);
        }
      }
      body.push('  } }');
    }
  }
  const accs = [];
  for (let co = 0; co < g.Cout; co++) for (let p = 0; p < 4; p++) accs.push(`  var a${co}_${p} = bias[${co}u];`);
  const stores = [];
  for (let co = 0; co < g.Cout; co++) {
    const lanes = [0, 1, 2, 3].map((p) => `select(0.0, a${co}_${p}, j0 + ${p}u <= i)`).join(', ');
    stores.push(`  y4[((b * COUT + ${co}u) * LL + i * L) / 4u + q] = vec4<f32>(${lanes});`);
  }
  return `${head(g, wg)}
@group(0) @binding(0) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(1) var<uniform> w4: array<vec4<f32>, ${Math.ceil(g.wElems / 4)}>;
@group(0) @binding(2) var<storage, read_write> y4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
fn wAt(k: u32) -> f32 { return w4[k / 4u][k % 4u]; }
const COUNT: u32 = B * L * QUADS;
@compute @workgroup_size(${wg})
fn main(${ENTRY}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= COUNT) { return; }
  let q = e % QUADS;
  let i = (e / QUADS) % L;
  let b = e / (QUADS * L);
  let j0 = 4u * q;
  if (j0 > i) {
${Array.from({ length: g.Cout }, (_, co) => `    y4[((b * COUT + ${co}u) * LL + i * L) / 4u + q] = vec4<f32>(0.0);`).join('\n')}
    return;
  }
${accs.join('\n')}
${body.join('\n')}
${stores.join('\n')}
}`;
}

/** Transposed convolution, one invocation per (b, row r, quad of 4 columns), all input channels. */
export function conv4Transpose(g: MtaGeometry, wg: number): string {
  const taps = g.kH * g.kW;
  // dx[r, c] reads gy[r + pt - kh*dh, c + pl - kw*dw]: window from c0 + pl - (kW-1)*dw, width 4 + (kW-1)*dw.
  const win: Window = { first: g.pl - (g.kW - 1) * g.dw, width: 4 + (g.kW - 1) * g.dw };
  const body: string[] = [];
  for (let co = 0; co < g.Cout; co++) {
    for (let kh = 0; kh < g.kH; kh++) {
      body.push(`  { let gi = i32(i) + ${g.pt} - ${kh * g.dh}; if (gi >= 0 && gi < IL) { let rowBase4 = ((b * COUT + ${co}u) * LL + u32(gi) * L) / 4u;`);
      body.push(...windowLoads('g4', 'rowBase4', win, 'gi').map((l) => `    ${l}`));
      for (let ci = 0; ci < g.Cin; ci++) {
        for (let kw = 0; kw < g.kW; kw++) {
          const w = `wAt(${(co * g.Cin + ci) * taps + kh * g.kW + kw}u)`;
          // column c0 + p reads gy column c0 + p + pl - kw*dw = window index p + (kW-1-kw)*dw
          for (let p = 0; p < 4; p++) body.push(`    a${ci}_${p} += ${w} * win${p + (g.kW - 1 - kw) * g.dw};`);
        }
      }
      body.push('  } }');
    }
  }
  const accs = [];
  for (let ci = 0; ci < g.Cin; ci++) for (let p = 0; p < 4; p++) accs.push(`  var a${ci}_${p} = 0.0;`);
  const stores = [];
  for (let ci = 0; ci < g.Cin; ci++) {
    const lanes = [0, 1, 2, 3].map((p) => `select(0.0, a${ci}_${p}, j0 + ${p}u <= i)`).join(', ');
    stores.push(`  d4[((b * CIN + ${ci}u) * LL + i * L) / 4u + q] = vec4<f32>(${lanes});`);
  }
  return `${head(g, wg)}
@group(0) @binding(0) var<storage, read> g4: array<vec4<f32>>;
@group(0) @binding(1) var<uniform> w4: array<vec4<f32>, ${Math.ceil(g.wElems / 4)}>;
@group(0) @binding(2) var<storage, read_write> d4: array<vec4<f32>>;
fn wAt(k: u32) -> f32 { return w4[k / 4u][k % 4u]; }
const COUNT: u32 = B * L * QUADS;
@compute @workgroup_size(${wg})
fn main(${ENTRY}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= COUNT) { return; }
  let q = e % QUADS;
  let i = (e / QUADS) % L;
  let b = e / (QUADS * L);
  let j0 = 4u * q;
  if (j0 > i) {
${Array.from({ length: g.Cin }, (_, ci) => `    d4[((b * CIN + ${ci}u) * LL + i * L) / 4u + q] = vec4<f32>(0.0);`).join('\n')}
    return;
  }
${accs.join('\n')}
${body.join('\n')}
${stores.join('\n')}
}`;
}

/** Tree reduction helpers over workgroup memory. */
const tree = (arr: string, op: (a: string, b: string) => string): string => `
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { ${arr}[lid] = ${op(`${arr}[lid]`, `${arr}[lid + s]`)}; }
    workgroupBarrier();
  }`;

/** Softmax of causal rows held in registers: one workgroup per row, each row read once (vec4). */
export function softmaxRows4(g: MtaGeometry, channels: number, wg: number): string {
  const V = Math.ceil(g.L / 4 / wg);
  return `${head(g, wg)}
@group(0) @binding(0) var<storage, read> s4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> p4: array<vec4<f32>>;
const V: u32 = ${V}u;
const ROWS: u32 = B * ${channels}u * L;
var<workgroup> red4: array<vec4<f32>, ${wg}>;
var<workgroup> red: array<f32, ${wg}>;
fn fromBits(b: u32) -> f32 { return bitcast<f32>(b); }
@compute @workgroup_size(${wg})
fn main(${ENTRY}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let i = row % L;
  let base4 = row * QUADS;
  var v: array<vec4<f32>, ${V}>;
  var m = -3.0e38;
  var bad = 0.0;
  var negInf = 0.0;
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    if (q < QUADS && 4u * q <= i) {
      let raw = s4[base4 + q];
      v[k] = raw;
      for (var lane = 0u; lane < 4u; lane++) {
        if (4u * q + lane <= i) {
          let bits = bitcast<u32>(raw[lane]);
          if ((bits & 0x7fffffffu) > 0x7f800000u || bits == 0x7f800000u) { bad += 1.0; }
          if (bits == 0xff800000u) { negInf += 1.0; }
          m = max(m, raw[lane]);
        }
      }
    }
  }
  red4[lid] = vec4<f32>(m, bad, negInf, 0.0);
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { let a = red4[lid]; let c = red4[lid + s]; red4[lid] = vec4<f32>(max(a.x, c.x), a.y + c.y, a.z + c.z, 0.0); }
    workgroupBarrier();
  }
  let stats = workgroupUniformLoad(&red4[0]);
  if (stats.y > 0.0 || stats.z == f32(i + 1u)) {
    for (var k = 0u; k < V; k++) {
      let q = lid + k * WG;
      if (q < QUADS) {
        var o = vec4<f32>(0.0);
        for (var lane = 0u; lane < 4u; lane++) { if (4u * q + lane <= i) { o[lane] = fromBits(0x7fc00000u); } }
        p4[base4 + q] = o;
      }
    }
    return;
  }
  let mx = stats.x;
  var total = 0.0;
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    var ex = vec4<f32>(0.0);
    if (q < QUADS && 4u * q <= i) {
      for (var lane = 0u; lane < 4u; lane++) { if (4u * q + lane <= i) { ex[lane] = exp(v[k][lane] - mx); } }
    }
    v[k] = ex;
    total += ex.x + ex.y + ex.z + ex.w;
  }
  red[lid] = total;
  ${tree('red', (a, b) => `${a} + ${b}`)}
  let inv = 1.0 / red[0];
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    if (q < QUADS) { p4[base4 + q] = v[k] * inv; }
  }
}`;
}

/** Softmax VJP in place (gx: dP in, dS out), rows in registers. */
export function softmaxVjp4(g: MtaGeometry, channels: number, wg: number): string {
  const V = Math.ceil(g.L / 4 / wg);
  return `${head(g, wg)}
@group(0) @binding(0) var<storage, read> p4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> gx4: array<vec4<f32>>;
const V: u32 = ${V}u;
const ROWS: u32 = B * ${channels}u * L;
var<workgroup> red: array<f32, ${wg}>;
@compute @workgroup_size(${wg})
fn main(${ENTRY}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let i = row % L;
  let base4 = row * QUADS;
  var pv: array<vec4<f32>, ${V}>;
  var gv: array<vec4<f32>, ${V}>;
  var dot = 0.0;
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    if (q < QUADS && 4u * q <= i) {
      var pp = p4[base4 + q];
      var gg = gx4[base4 + q];
      for (var lane = 0u; lane < 4u; lane++) { if (4u * q + lane > i) { pp[lane] = 0.0; gg[lane] = 0.0; } }
      pv[k] = pp;
      gv[k] = gg;
      dot += pp.x * gg.x + pp.y * gg.y + pp.z * gg.z + pp.w * gg.w;
    } else {
      pv[k] = vec4<f32>(0.0);
      gv[k] = vec4<f32>(0.0);
    }
  }
  red[lid] = dot;
  ${tree('red', (a, b) => `${a} + ${b}`)}
  let d = red[0];
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    if (q < QUADS) { gx4[base4 + q] = pv[k] * (gv[k] - vec4<f32>(d)); }
  }
}`;
}

/**
 * Weight-gradient partials, one invocation per (column stride, input channel ci): per position it loads the
 * four output-channel gradients and ci's window, and keeps COUT * TAPS sums (+ the bias of co = ci).
 * `fold`: plain f32 sums within a row, folded into the compensated sums at the row's end.
 * Partials: [chunk][slot], slot = ((co * CIN + ci) * TAPS + tap), then W_ELEMS + co for the bias.
 */
export function weightGradCi(g: MtaGeometry, wg: number, chunks: number, fold: boolean): { wgsl: string; rowsPerChunk: number; slots: number } {
  const taps = g.kH * g.kW;
  const rows = g.B * g.L;
  const rowsPerChunk = Math.ceil(rows / chunks);
  const slots = g.wElems + g.Cout;
  const cols = wg / g.Cin;
  const names: string[] = [];
  for (let co = 0; co < g.Cout; co++) for (let t = 0; t < taps; t++) names.push(`${co}_${t}`);
  names.push('bias');
  const kahan = (n: string, value: string) => `{ let v = ${value} - c_${n}; let s = s_${n} + v; c_${n} = (s - s_${n}) - v; s_${n} = s; }`;
  const add = (n: string, value: string) => (fold ? `a_${n} += ${value};` : kahan(n, value));
  const tap: string[] = [];
  for (let co = 0; co < g.Cout; co++) tap.push(`      let g${co} = gy[(b * COUT + ${co}u) * LL + i * L + j];`);
  tap.push(`      let gb = gy[(b * COUT + ci) * LL + i * L + j];`);
  for (let kh = 0; kh < g.kH; kh++) {
    tap.push(`      { let r = i32(i) - ${g.pt} + ${kh * g.dh}; if (r >= 0 && r < IL) { let xRow = (b * CIN + ci) * LL + u32(r) * L;`);
    for (let kw = 0; kw < g.kW; kw++) {
      const t = kh * g.kW + kw;
      tap.push(`        { let c = i32(j) - ${g.pl} + ${kw * g.dw}; if (c >= 0 && c <= r) { let xv = x[xRow + u32(c)]; ${Array.from({ length: g.Cout }, (_, co) => add(`${co}_${t}`, `g${co} * xv`)).join(' ')} } }`);
    }
    tap.push('      } }');
  }
  tap.push(`      ${add('bias', 'gb')}`);
  const decl = names.map((n) => `  var s_${n} = 0.0; var c_${n} = 0.0;${fold ? ` var a_${n} = 0.0;` : ''}`).join('\n');
  const folds = fold ? names.map((n) => `    ${kahan(n, `a_${n}`)} a_${n} = 0.0;`).join('\n') : '';
  const atOnce = 16;
  const red: string[] = [];
  for (let first = 0; first < names.length; first += atOnce) {
    const batch = names.slice(first, first + atOnce);
    red.push(...batch.map((n, k) => `  red[${k}u * WG + lid] = s_${n} - c_${n};`), '  workgroupBarrier();',
      '  for (var s = COLS / 2u; s > 0u; s = s >> 1u) {', '    if (jl < s) {',
      ...batch.map((_, k) => `      red[${k}u * WG + lid] += red[${k}u * WG + lid + s];`), '    }', '    workgroupBarrier();', '  }',
      '  if (jl == 0u) {',
      ...batch.map((n, k) => {
        const slot = n === 'bias' ? `W_ELEMS + ci` : `(${n.split('_')[0]}u * CIN + ci) * TAPS + ${n.split('_')[1]}u`;
        return `    partials[chunk * SLOTS + ${slot}] = red[${k}u * WG + lid];`;
      }), '  }', '  workgroupBarrier();');
  }
  const wgsl = `${head(g, wg)}
@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
const TAPS: u32 = ${taps}u;
const W_ELEMS: u32 = ${g.wElems}u;
const SLOTS: u32 = ${slots}u;
const COLS: u32 = ${cols}u;
const CHUNKS: u32 = ${Math.ceil(rows / rowsPerChunk)}u;
const ROWS_PER_CHUNK: u32 = ${rowsPerChunk}u;
var<workgroup> red: array<f32, ${atOnce * wg}>;
@compute @workgroup_size(${wg})
fn main(${ENTRY}) {
  let chunk = linearGroup(wg, groups);
  if (chunk >= CHUNKS) { return; }
  let ci = lid / COLS;
  let jl = lid % COLS;
${decl}
  let firstRow = chunk * ROWS_PER_CHUNK;
  let lastRow = min(firstRow + ROWS_PER_CHUNK, B * L);
  for (var rowIndex = firstRow; rowIndex < lastRow; rowIndex++) {
    let b = rowIndex / L;
    let i = rowIndex % L;
    for (var j = jl; j <= i; j += COLS) {
${tap.join('\n')}
    }
${folds}
  }
${red.join('\n')}
}`;
  return { wgsl, rowsPerChunk, slots };
}

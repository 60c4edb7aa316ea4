import '@mta/ops-mta/register';
import * as core from '@mta/core';
import * as ops from '@mta/ops-mta';

/**
 * The computation the packaging test runs twice: in a separate project against the packed tarballs,
 * and here against the workspace sources. One text, so both sides run exactly the same code: the
 * body of an async function of (core, ops), plain JavaScript, returning JSON-able data.
 *
 * MTA forward and backward on cpu at a size where the fused kernel's worker pool joins (so the
 * packaged worker entry is exercised too), in both modes and with both activations' paths covered; then the
 * same on the npu device with its simulator's thread pool (the packaged npu worker entry runs the band kernels).
 */
export const PROBE_BODY = `
  const { tensor, tidy } = core;
  const { multiTokenAttention, startMtaCpuThreads, startMtaNpuThreads } = ops;
  const pool = await startMtaCpuThreads();
  const npuPool = await startMtaNpuThreads();
  const fill = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));
  const weighted = (t, f) => { const a = t.toArray(); let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * f(i); return s; };
  const probe = (i) => Math.cos(i * 0.013) + 0.5;
  const B = 2, C = 4, L = 160, K = 3;
  const values = [];
  for (const [device, options] of [['cpu', { mode: 'post', padding: 'causal' }], ['cpu', { mode: 'pre', sparse: true, padding: 1 }], ['npu', { mode: 'post', padding: 1 }]]) {
    tidy(() => {
      const leaf = (data, shape) => tensor(data, shape).to(device).setRequiresGrad();
      const scores = leaf(fill(B * C * L * L, (i) => Math.sin(i * 0.37) * 2), [B, C, L, L]);
      const weight = leaf(fill(C * C * K * K, (i) => Math.cos(i * 0.91) * 0.3), [C, C, K, K]);
      const bias = leaf(fill(C, (i) => 0.1 * i - 0.15), [C]);
      const out = multiTokenAttention(scores, weight, bias, options);
      out.backward(tensor(fill(out.size, (i) => Math.sin(i * 1.3)), out.shape).to(device));
      values.push(weighted(out, probe), weighted(scores.grad, probe), weighted(weight.grad, probe), weighted(bias.grad, probe));
    });
  }
  return { threads: pool ? pool.threads : 1, npuThreads: npuPool ? npuPool.threads : 1, values };
`;

export interface ProbeResult {
  readonly threads: number;
  readonly npuThreads: number;
  readonly values: readonly number[];
}

/** The consumer's entry point: imports the published packages by name and prints the probe's JSON. */
export const PROBE_SCRIPT = `import '@mta/ops-mta/register';
import * as core from '@mta/core';
import * as ops from '@mta/ops-mta';
const probe = async (core, ops) => {${PROBE_BODY}};
console.log(JSON.stringify(await probe(core, ops)));
`;

/** The same probe against the workspace sources. */
export async function runProbeInRepo(): Promise<ProbeResult> {
  // new Function on purpose: this runs the very text the consumer runs.
  const probe = new Function('core', 'ops', `return (async () => {${PROBE_BODY}})();`) as (c: typeof core, o: typeof ops) => Promise<ProbeResult>;
  return probe(core, ops);
}

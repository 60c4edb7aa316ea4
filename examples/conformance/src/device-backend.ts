import { getDevice, initDevice, listDevices, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention } from '@mta/ops-mta';
import type { EvalBackend } from './eval-backend';
import { mtaOptionsOf } from './export-problem';
import { runTinyModelOnDevice } from './tiny-model';

/** A device of the framework as a check backend: forward and backward run on it, every gradient is compared. */
export function deviceBackend<const N extends string>(name: N): EvalBackend & { readonly name: N } {
  return {
    name,
    gradients: true,
    unavailable() {
      if (!listDevices().some((d) => d.name === name)) {
        return `it is not registered: import '@mta/device-${name}' (and '@mta/ops-mta' for its MTA kernels)`;
      }
      const a = getDevice(name).availability();
      return a.available ? undefined : a.reason;
    },
    async runMta(p, impl) {
      await initDevice(name);
      return tidy(() => {
        const s = p.shape;
        const scores = tensor(p.scores, [s.B, s.Cin, s.L, s.L], { device: name, requiresGrad: true });
        const weight = tensor(p.weight, [s.Cout, s.Cin / p.config.groups, s.kH, s.kW], { device: name, requiresGrad: true });
        const bias = p.bias ? tensor(p.bias, [s.Cout], { device: name, requiresGrad: true }) : null;
        const out = multiTokenAttention(scores, weight, bias, mtaOptionsOf(p, impl));
        out.backward(tensor(p.gradOut, out.shape, { device: name }));
        const host = (t: Tensor | null) => (t ? (t.toArray() as Float32Array) : null);
        const results = { out: host(out), grad_scores: host(scores.grad), grad_weight: host(weight.grad), grad_bias: host(bias?.grad ?? null) };
        for (const t of [scores, weight, bias]) t?.grad?.dispose();
        return results;
      });
    },
    runTinyModel: (config) => runTinyModelOnDevice(name, config),
  };
}

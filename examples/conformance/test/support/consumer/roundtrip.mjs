// Plain JavaScript run by a consumer project against the installed tarballs, once under Node (node.mjs)
// and once bundled into a browser page (page.mjs): MTA forward and backward on every device given, an
// ONNX export of the MTA layer, and that export run in ONNX Runtime (onnxruntime-node or -web) at two
// sequence lengths. It returns numbers only; the test decides what is close enough.

const B = 2, C = 2, K = 3;

/** Max |a - b| over two equally long arrays (Infinity when the lengths differ). */
function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** @param {{ core: any, ops: any, ort: any, devices: string[] }} env */
export async function roundTrip({ core, ops, ort, devices }) {
  const { Rng, exportOnnx, mul, randNormal, sum, tensor } = core;
  const { MultiTokenAttention, multiTokenAttention } = ops;
  const L = 24;
  const options = { mode: 'pre', sparse: true, padding: 'causal' };

  // Forward and backward on each device from the same host values.
  const host = {
    scores: randNormal(new Rng(1), [B, C, L, L]).toArray(),
    weight: randNormal(new Rng(2), [C, C, K, K], 0, 0.3).toArray(),
    bias: randNormal(new Rng(3), [C], 0, 0.1).toArray(),
    probe: randNormal(new Rng(4), [B, C, L, L]).toArray(),
  };
  const perDevice = {};
  for (const device of devices) {
    const scores = tensor(host.scores, [B, C, L, L], { device, requiresGrad: true });
    const weight = tensor(host.weight, [C, C, K, K], { device, requiresGrad: true });
    const bias = tensor(host.bias, [C], { device, requiresGrad: true });
    const out = multiTokenAttention(scores, weight, bias, options);
    sum(mul(out, tensor(host.probe, [B, C, L, L], { device }))).backward();
    perDevice[device] = {
      device: out.device.name,
      out: Array.from(await out.data()),
      gradScores: Array.from(await scores.grad.data()),
      gradWeight: Array.from(await weight.grad.data()),
      gradBias: Array.from(await bias.grad.data()),
    };
  }
  const [first, ...rest] = devices;
  const deviceDiff = {};
  for (const device of rest) {
    deviceDiff[device] = Math.max(...['out', 'gradScores', 'gradWeight', 'gradBias']
      .map((k) => maxAbsDiff(perDevice[first][k], perDevice[device][k])));
  }

  // Export once at L, run in ONNX Runtime at L and at another length (dynamic sequence axis).
  const layer = new MultiTokenAttention(C, C, new Rng(5), { padding: 'causal' });
  const model = exportOnnx(layer, [randNormal(new Rng(6), [B, C, L, L])]);
  const session = await ort.InferenceSession.create(model.bytes);
  const onnx = [];
  for (const length of [L, 40]) {
    const x = randNormal(new Rng(length), [1, C, length, length]);
    const expected = layer.forward(x).toArray();
    const feeds = { [model.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.toArray()), [1, C, length, length]) };
    const results = await session.run(feeds);
    onnx.push({ length, maxAbsDiff: maxAbsDiff(results[model.outputNames[0]].data, expected) });
  }
  await session.release?.();
  return {
    devices: Object.fromEntries(devices.map((d) => [d, perDevice[d].device])),
    finite: devices.every((d) => perDevice[d].out.every(Number.isFinite) && perDevice[d].gradScores.every(Number.isFinite)),
    deviceDiff,
    onnxBytes: model.bytes.length,
    onnx,
  };
}

#!/usr/bin/env python3
"""Generates the public golden cases of multi-token attention (format mta-golden/1).

    python3 golden/generate.py [--out DIR]          # needs PyTorch; writes DIR/public.json, DIR/public.bin
    python3 golden/generate.py --compare A B        # numpy only: max differences between two sets

Everything is derived from the case table below: the inputs from each case's seed with PyTorch's CPU
generator (float32, as stored), the expected results with PyTorch autograd in float64. Run it with the
default --out (this directory) to rewrite the committed files; the semantics, tolerance and the gradient
floor are in README.md beside this script. Not run by CI: the repository's tests only read its output.
"""
import argparse
import json
import math
import os
import sys

FORMAT = 'mta-golden/1'

SEMANTICS = (
    'Golden reference data for multi-token attention (MTA), computed with PyTorch autograd in float64.\n\n'
    'Semantics (post-softmax "liger" mode):\n'
    '  S~ = S with j>i set to -1e9; P = softmax(S~) or sparsemax(S~) over keys;\n'
    '  Y = conv2d(pad(P, [top,bottom,left,right]), W, b, stride=1, dilation, groups); O = Y with j>i set to 0.\n'
    'Pre-softmax "pre" mode (the MTA paper\'s key-query convolution before the softmax):\n'
    '  S0 = S with j>i set to 0; C = conv2d(pad(S0, pads), W, b, dilation, groups); C~ = C with j>i set to -1e9;\n'
    '  O = softmax(C~) or sparsemax(C~).'
)

# name, B, Cin, Cout, L, kernel (kH, kW), pads (top, bottom, left, right), dilation (dh, dw), groups,
# bias, sparse, mode, scale, seed, nanAbove. The order is the manifest's and the binary's.
CASES = [
    # Liger-Kernel's test shapes: symmetric padding 1, softmax and sparsemax, with and without bias.
    ('liger-a', 2, 4, 4, 8, (3, 3), (1, 1, 1, 1), (1, 1), 1, True, False, 'post', 1.0, 1, False),
    ('liger-a-sparse', 2, 4, 4, 8, (3, 3), (1, 1, 1, 1), (1, 1), 1, True, True, 'post', 1.0, 2, False),
    ('liger-b', 1, 2, 2, 5, (1, 1), (0, 0, 0, 0), (1, 1), 1, False, False, 'post', 1.0, 3, False),
    ('liger-b-sparse', 1, 2, 2, 5, (1, 1), (0, 0, 0, 0), (1, 1), 1, False, True, 'post', 1.0, 4, False),
    ('liger-c', 3, 6, 6, 6, (3, 3), (1, 1, 1, 1), (1, 1), 1, True, False, 'post', 1.0, 5, False),
    ('liger-c-sparse', 3, 6, 6, 6, (3, 3), (1, 1, 1, 1), (1, 1), 1, False, True, 'post', 1.0, 6, False),
    # Convolution geometry: groups, depthwise with a rectangular kernel, dilation with Cout > Cin, key axis only.
    ('groups2', 2, 4, 4, 16, (3, 3), (1, 1, 1, 1), (1, 1), 2, True, False, 'post', 1.0, 7, False),
    ('depthwise-rect', 1, 4, 4, 33, (3, 5), (1, 1, 2, 2), (1, 1), 4, True, False, 'post', 1.0, 8, False),
    ('dilated-widen', 1, 2, 4, 24, (3, 3), (2, 2, 2, 2), (2, 2), 1, True, False, 'post', 1.0, 9, False),
    ('key-only', 2, 3, 3, 12, (1, 5), (0, 0, 2, 2), (1, 1), 3, True, True, 'post', 1.0, 10, False),
    # Causal padding (only past queries) in both modes.
    ('causal-post', 1, 2, 2, 20, (2, 3), (1, 0, 1, 1), (1, 1), 2, True, False, 'post', 1.0, 11, False),
    ('causal-post-sparse', 2, 2, 2, 20, (3, 3), (2, 0, 1, 1), (1, 1), 2, True, True, 'post', 1.0, 12, False),
    ('pre-toy', 2, 2, 2, 20, (2, 9), (1, 0, 4, 4), (1, 1), 2, False, False, 'pre', 1.0, 13, False),
    ('pre-sparse', 1, 2, 2, 16, (3, 3), (2, 0, 1, 1), (1, 1), 2, True, True, 'pre', 1.0, 14, False),
    # Lengths that are not multiples of any tile or vector width.
    ('long-130', 1, 4, 4, 130, (3, 3), (1, 1, 1, 1), (1, 1), 1, True, False, 'post', 1.0, 15, False),
    ('long-97-sparse', 1, 2, 2, 97, (3, 3), (1, 1, 1, 1), (1, 1), 1, True, True, 'post', 1.0, 16, False),
    # Numerics: a saturated softmax, and NaN in every masked score (it must never reach a result).
    ('saturated', 1, 2, 2, 16, (3, 3), (1, 1, 1, 1), (1, 1), 1, True, False, 'post', 60.0, 17, False),
    ('nan-above-diagonal', 1, 2, 2, 10, (3, 3), (1, 1, 1, 1), (1, 1), 1, True, False, 'post', 1.0, 18, True),
    ('nan-above-diagonal-sparse', 1, 2, 2, 10, (3, 3), (1, 1, 1, 1), (1, 1), 1, True, True, 'post', 1.0, 19, True),
]
FIELDS = ('name', 'B', 'Cin', 'Cout', 'L', 'kernel', 'pads', 'dilation', 'groups',
          'bias', 'sparse', 'mode', 'scale', 'seed', 'nanAbove')

MASK_FILL = -1e9  # what masked scores become before softmax/sparsemax (Liger-Kernel's value)


def sparsemax(z, dim=-1):
    """Sparsemax (Martins & Astudillo 2016) written with differentiable ops, so autograd gives its exact
    Jacobian: p = max(z - tau, 0), where tau is fixed by the sorted support."""
    import torch
    zs, _ = torch.sort(z, dim=dim, descending=True)
    k = torch.arange(1, z.shape[dim] + 1, dtype=z.dtype, device=z.device)
    k = k.view([-1 if d == (dim % z.dim()) else 1 for d in range(z.dim())])
    cs = zs.cumsum(dim)
    support = (1 + k * zs) > cs
    size = support.sum(dim=dim, keepdim=True)
    tau = (cs.gather(dim, size - 1) - 1) / size.to(z.dtype)
    return torch.clamp(z - tau, min=0)


def mta(S, W, b, pads, dilation, groups, sparse, mode):
    """The op in float64, exactly as SEMANTICS says; the mask is j > i (a key after the query)."""
    import torch
    import torch.nn.functional as F
    L = S.shape[-1]
    masked = torch.ones(L, L, dtype=torch.float64, device=S.device).triu(1).bool()
    top, bottom, left, right = pads
    normalise = sparsemax if sparse else (lambda x: torch.softmax(x, dim=-1))

    def conv(x):
        # F.pad takes the last axis first: (left, right) on keys, then (top, bottom) on queries.
        return F.conv2d(F.pad(x, (left, right, top, bottom)), W, b, stride=1, dilation=dilation, groups=groups)

    # masked_fill, not arithmetic: a NaN score in a masked place is replaced and gets a zero gradient.
    if mode == 'post':
        return conv(normalise(S.masked_fill(masked, MASK_FILL))).masked_fill(masked, 0.0)
    return normalise(conv(S.masked_fill(masked, 0.0)).masked_fill(masked, MASK_FILL))


def make_case(spec):
    """Inputs (float32, from the seed) and expected results (float64) of one case, in file order."""
    import torch
    c = dict(zip(FIELDS, spec))
    B, Cin, Cout, L, (kH, kW) = c['B'], c['Cin'], c['Cout'], c['L'], c['kernel']
    torch.manual_seed(c['seed'])
    # Draw order matters for reproducibility: scores, weight, bias (when present), grad_out.
    scores = torch.randn(B, Cin, L, L, dtype=torch.float32) * c['scale']
    # PyTorch's Conv2d initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    bound = 1.0 / math.sqrt(Cin // c['groups'] * kH * kW)
    weight = torch.empty(Cout, Cin // c['groups'], kH, kW, dtype=torch.float32).uniform_(-bound, bound)
    bias = torch.empty(Cout, dtype=torch.float32).uniform_(-bound, bound) if c['bias'] else None
    grad_out = torch.randn(B, Cout, L, L, dtype=torch.float32)
    if c['nanAbove']:
        scores[..., torch.ones(L, L).triu(1).bool()] = float('nan')

    S = scores.double().requires_grad_()
    W = weight.double().requires_grad_()
    b = bias.double().requires_grad_() if bias is not None else None
    out = mta(S, W, b, c['pads'], c['dilation'], c['groups'], c['sparse'], c['mode'])
    (out * grad_out.double()).sum().backward()

    tensors = [('scores', scores), ('weight', weight), ('grad_out', grad_out),
               ('out', out.detach()), ('grad_scores', S.grad), ('grad_weight', W.grad)]
    if bias is not None:
        tensors += [('bias', bias), ('grad_bias', b.grad)]
    for name, t in tensors:
        if name != 'scores' and not bool(torch.isfinite(t).all()):
            raise RuntimeError(f"{c['name']}: {name} is not finite")
    return c, tensors


def generate(out_dir):
    try:
        import torch
    except ImportError:
        raise SystemExit('generate.py needs PyTorch (pip install torch); --compare needs only numpy')
    torch.use_deterministic_algorithms(True)
    manifest_cases = []
    blob = bytearray()
    for spec in CASES:
        c, tensors = make_case(spec)
        entry = {k: (list(v) if isinstance(v, tuple) else v) for k, v in c.items()}
        entry['tensors'] = {}
        for name, t in tensors:
            blob += b'\0' * (-len(blob) % 8)  # every tensor starts 8-byte aligned
            data = t.detach().cpu().contiguous().numpy().astype('<f4' if t.dtype == torch.float32 else '<f8').tobytes()
            entry['tensors'][name] = {'dtype': 'float32' if t.dtype == torch.float32 else 'float64',
                                      'shape': list(t.shape), 'offset': len(blob), 'byteLength': len(data)}
            blob += data
        manifest_cases.append(entry)
    manifest = {'format': FORMAT, 'semantics': SEMANTICS, 'cases': manifest_cases}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'public.json'), 'w') as f:
        f.write(json.dumps(manifest, indent=1))
    with open(os.path.join(out_dir, 'public.bin'), 'wb') as f:
        f.write(bytes(blob))
    print(f'wrote {len(CASES)} cases to {out_dir} ({len(blob)} bytes)')


def compare(dir_a, dir_b):
    """Per tensor: equal bits, or the largest |a - b| / max|b| (relative to the tensor's scale). Inputs
    should be bit-identical; results differ only by float64 round-off. Returns the worst ratio."""
    import numpy as np

    def load(d):
        with open(os.path.join(d, 'public.json')) as f:
            m = json.load(f)
        with open(os.path.join(d, 'public.bin'), 'rb') as f:
            return m, f.read()

    (ma, ba), (mb, bb) = load(dir_a), load(dir_b)
    names_a, names_b = [c['name'] for c in ma['cases']], [c['name'] for c in mb['cases']]
    if names_a != names_b:
        raise SystemExit(f'different cases: {names_a} vs {names_b}')
    same_meta = {k: v for k, v in ma.items() if k != 'cases'} == {k: v for k, v in mb.items() if k != 'cases'}
    worst = 0.0
    for ca, cb in zip(ma['cases'], mb['cases']):
        if {k: v for k, v in ca.items() if k != 'tensors'} != {k: v for k, v in cb.items() if k != 'tensors'}:
            raise SystemExit(f"{ca['name']}: case parameters differ")
        line = []
        for name, ta in ca['tensors'].items():
            tb = cb['tensors'][name]
            dt = '<f4' if ta['dtype'] == 'float32' else '<f8'
            a = np.frombuffer(ba, dt, ta['byteLength'] // np.dtype(dt).itemsize, ta['offset']).astype(np.float64)
            b = np.frombuffer(bb, dt, tb['byteLength'] // np.dtype(dt).itemsize, tb['offset']).astype(np.float64)
            if ta['shape'] != tb['shape'] or ta['dtype'] != tb['dtype']:
                raise SystemExit(f"{ca['name']}.{name}: shape or dtype differs")
            if np.array_equal(a, b, equal_nan=True):
                line.append(f'{name} =')
                continue
            ok = np.isfinite(b)
            scale = np.abs(b[ok]).max() if ok.any() else 0.0
            rel = np.abs(a[ok] - b[ok]).max() / scale if scale > 0 else float(np.abs(a[ok] - b[ok]).max())
            worst = max(worst, rel)
            line.append(f'{name} {rel:.1e}')
        print(f"{ca['name']:28s} " + ', '.join(line))
    print(f"manifest header {'identical' if same_meta else 'DIFFERS'}; largest relative difference {worst:.2e}")
    return worst


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=here, help='directory for public.json and public.bin (default: beside this script)')
    p.add_argument('--compare', nargs=2, metavar=('A', 'B'), help='compare two generated directories instead')
    args = p.parse_args()
    if args.compare:
        compare(*args.compare)
    else:
        generate(args.out)


if __name__ == '__main__':
    sys.exit(main())

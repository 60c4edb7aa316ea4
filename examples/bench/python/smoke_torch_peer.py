"""Smoke test of torch_peer.py on a machine with PyTorch (Debian: apt-get install python3-torch, then run it with /usr/bin/python3):
    python3 examples/bench/python/smoke_torch_peer.py
Drives the peer through its line protocol at L = 64 and compares its forward with a float64 numpy reference."""
import json, os, subprocess, sys, tempfile
import numpy as np
d = tempfile.mkdtemp()
B, C, L, K = 2, 4, 64, 3
rng = np.random.default_rng(0)
for name, shape in [('scores.f32', (B, C, L, L)), ('weight.f32', (C, C, K, K)), ('bias.f32', (C,)), ('grad_out.f32', (B, C, L, L))]:
    rng.standard_normal(shape).astype(np.float32).tofile(os.path.join(d, name))
p = subprocess.Popen([sys.executable, 'examples/bench/python/torch_peer.py', '2'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
def call(c):
    p.stdin.write(json.dumps(c) + '\n'); p.stdin.flush(); return json.loads(p.stdout.readline())
print(call({'cmd': 'info'}))
print(call({'cmd': 'prepare', 'dir': d, 'B': B, 'C': C, 'L': L, 'K': K, 'padding': 1, 'bias': True}))
print(call({'cmd': 'forward'}), call({'cmd': 'forward_backward'}))
print(call({'cmd': 'results', 'phase': 'forward+backward', 'dir': d}))
print(call({'cmd': 'memory'}))
out = np.fromfile(os.path.join(d, 'out.f32'), dtype=np.float32).reshape(B, C, L, L)
gs = np.fromfile(os.path.join(d, 'grad_scores.f32'), dtype=np.float32)
gw = np.fromfile(os.path.join(d, 'grad_weight.f32'), dtype=np.float32)
print('out upper-triangle max', np.abs(np.triu(out, 1)).max(), 'grad shapes', gs.shape, gw.shape, 'finite', np.isfinite(out).all())
# reference forward in numpy float64
s = np.fromfile(os.path.join(d, 'scores.f32'), dtype=np.float32).reshape(B, C, L, L).astype(np.float64)
w = np.fromfile(os.path.join(d, 'weight.f32'), dtype=np.float32).reshape(C, C, K, K).astype(np.float64)
b = np.fromfile(os.path.join(d, 'bias.f32'), dtype=np.float32).astype(np.float64)
m = np.tril(np.ones((L, L), bool))
s = np.where(m, s, -np.inf); e = np.exp(s - s.max(-1, keepdims=True)); P = e / e.sum(-1, keepdims=True)
Pp = np.pad(P, ((0, 0), (0, 0), (1, 1), (1, 1)))
O = np.zeros((B, C, L, L)) + b[None, :, None, None]
for co in range(C):
    for ci in range(C):
        for kh in range(K):
            for kw in range(K):
                O[:, co] += w[co, ci, kh, kw] * Pp[:, ci, kh:kh + L, kw:kw + L]
O = np.where(m, O, 0)
print('relFro vs numpy', np.linalg.norm(out - O) / np.linalg.norm(O))

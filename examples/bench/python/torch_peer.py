"""PyTorch CPU peer of `pnpm bench` (backends/torch.ts drives it; not meant to be run by hand).

Reads one JSON command per line on stdin, answers one JSON line on stdout. Timing and the memory formula
stay in the Node harness (harness.ts), as for every backend: this process only runs the op when told and
reports its own memory (rss, getrusage maxRSS) when asked, so PyTorch is measured exactly like the others.

Commands:
  {"cmd": "info"}                                  -> {"runtime", "threads", "simd"}
  {"cmd": "prepare", "dir", "B", "C", "L", "K", "padding", "bias"}  (float32 raw files in dir:
      scores.f32 (B,C,L,L), weight.f32 (C,C,K,K), bias.f32 (C), grad_out.f32 (B,C,L,L))
  {"cmd": "forward"} / {"cmd": "forward_backward"}  -> {"ok": true}
  {"cmd": "results", "phase", "dir"}               -> writes out.f32 (+ grad_scores.f32, grad_weight.f32,
                                                      grad_bias.f32) into dir
  {"cmd": "memory"}                                -> {"rss", "maxRss"} in bytes
Post-softmax MTA: O = mask0(conv2d(softmax(mask_-inf(S)), W, b, padding)), gradients of sum(O * dO).
"""
import json
import os
import resource
import sys

import numpy as np
import torch


def rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def cpu_capability():
    """The SIMD level PyTorch's CPU kernels use: torch.backends.cpu.get_cpu_capability() from PyTorch 2.0,
    else the 'CPU capability usage' line of the build configuration (Debian's python3-torch is 1.13)."""
    get = getattr(getattr(torch.backends, 'cpu', None), 'get_cpu_capability', None)
    if get is not None:
        return get()
    for line in torch.__config__.show().splitlines():
        if 'CPU capability usage:' in line:
            return line.split(':', 1)[1].strip()
    return 'unknown'


class Peer:
    def __init__(self, threads):
        torch.set_num_threads(threads)
        self.state = None

    def info(self):
        capability = cpu_capability()
        return {
            'runtime': f'PyTorch {torch.__version__} CPU eager (python {sys.version.split()[0]})',
            'threads': torch.get_num_threads(),
            'simd': f'native ({capability}; oneDNN convolutions)',
        }

    def prepare(self, c):
        B, C, L, K = c['B'], c['C'], c['L'], c['K']
        load = lambda name, shape: torch.from_numpy(np.fromfile(os.path.join(c['dir'], name), dtype=np.float32).reshape(shape))
        scores = load('scores.f32', (B, C, L, L))
        weight = load('weight.f32', (C, C, K, K))
        bias = load('bias.f32', (C,)) if c['bias'] else None
        grad_out = load('grad_out.f32', (B, C, L, L))
        keep = torch.ones(L, L, dtype=torch.bool).tril()
        self.state = dict(scores=scores, weight=weight, bias=bias, grad_out=grad_out, keep=keep, padding=c['padding'], last=None)

    def _forward(self, s, w, b):
        st = self.state
        p = torch.softmax(s.masked_fill(~st['keep'], float('-inf')), dim=-1)
        return torch.nn.functional.conv2d(p, w, b, padding=st['padding']).masked_fill(~st['keep'], 0.0)

    def forward(self):
        st = self.state
        with torch.no_grad():
            st['last'] = (self._forward(st['scores'], st['weight'], st['bias']),)

    def forward_backward(self):
        st = self.state
        s = st['scores'].detach().requires_grad_(True)
        w = st['weight'].detach().requires_grad_(True)
        b = st['bias'].detach().requires_grad_(True) if st['bias'] is not None else None
        out = self._forward(s, w, b)
        out.backward(st['grad_out'])
        st['last'] = (out.detach(), s.grad, w.grad, b.grad if b is not None else None)

    def results(self, c):
        if c['phase'] == 'forward':
            self.forward()
        else:
            self.forward_backward()
        names = ['out.f32', 'grad_scores.f32', 'grad_weight.f32', 'grad_bias.f32']
        for name, t in zip(names, self.state['last']):
            if t is not None:
                t.contiguous().numpy().astype(np.float32).tofile(os.path.join(c['dir'], name))


def main():
    peer = Peer(int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count())
    for line in sys.stdin:
        c = json.loads(line)
        try:
            cmd = c['cmd']
            if cmd == 'info':
                answer = peer.info()
            elif cmd == 'prepare':
                peer.prepare(c)
                answer = {'ok': True}
            elif cmd == 'forward':
                peer.forward()
                answer = {'ok': True}
            elif cmd == 'forward_backward':
                peer.forward_backward()
                answer = {'ok': True}
            elif cmd == 'results':
                peer.results(c)
                answer = {'ok': True}
            elif cmd == 'memory':
                answer = {'rss': rss_bytes(), 'maxRss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
            else:
                answer = {'error': f'unknown command {cmd}'}
        except Exception as error:  # reported to the Node side, which fails the cell with it
            answer = {'error': f'{type(error).__name__}: {error}'}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()

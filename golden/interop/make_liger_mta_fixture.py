#!/usr/bin/env python3
"""Makes the PyTorch-interop fixtures: state dicts laid out as Liger-Kernel's MultiTokenAttention saves them.

    python3 golden/interop/make_liger_mta_fixture.py [OUT_DIR]   # needs PyTorch (and safetensors, optional)

Source read (linkedin/Liger-Kernel at commit ead96b618e5c67bddc6a6e9bcb99bfe6b5ab661c):
  src/liger_kernel/transformers/multi_token_attention.py  LigerMultiTokenAttention: parameters `weight`
      [out_channels, in_channels // groups, kh, kw] (a Conv2d weight) and `bias` [out_channels] (or None,
      then absent from the state dict); kaiming_uniform_(a=sqrt 5), zero bias.
  src/liger_kernel/ops/multi_token_attention.py  the forward: mask j > i to -1e9, softmax (or sparsemax
      when sparse=True) over keys, F.conv2d(probs, weight, bias, stride, padding, dilation, groups), mask
      j > i to 0.
  test/transformers/test_multi_token_attention.py  TorchMultiTokenAttention and
      TorchSparseMultiTokenAttention, the pure-PyTorch references (padding K // 2), replicated below.
liger_kernel itself is not imported (its ops need Triton on a GPU): the module below has the same
state_dict layout and runs Liger's own pure-PyTorch reference forward, on the CPU, so the numbers do not
depend on the GPU's TF32 or kernel choice.

For each case it writes two files to OUT_DIR (default: this script's directory):
  liger_mta_<case>.safetensors     module.state_dict() by safetensors.torch.save_file (the library PyTorch
                                   users call), the config in the header's __metadata__ (JSON, key "config");
  liger_mta_<case>.io.safetensors  scores (float32 input), out (float32 forward), out_f64 (the same module
                                   and scores in float64), by the hand-written writer below, so the
                                   TypeScript reader is tested against two independent writers.
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

LIGER = 'linkedin/Liger-Kernel@ead96b618e5c67bddc6a6e9bcb99bfe6b5ab661c'

# name, B, Cin, Cout, L, K, groups, bias, sparse, seed. Small (a few KiB) but not symmetric: groups, Cout != Cin.
CASES = [
    ('softmax', 2, 4, 6, 7, 3, 2, True, False, 12),
    ('sparsemax', 1, 3, 3, 6, 3, 1, False, True, 13),
]


class LigerMultiTokenAttention(torch.nn.Module):
    """LigerMultiTokenAttention's parameters (same names, shapes, init) with its reference forward."""

    def __init__(self, cin, cout, k, padding, groups, bias, sparse):
        super().__init__()
        self.padding, self.groups, self.sparse = padding, groups, sparse
        self.weight = torch.nn.Parameter(torch.empty(cout, cin // groups, k, k))
        if bias:
            self.bias = torch.nn.Parameter(torch.empty(cout))
        else:
            self.register_parameter('bias', None)
        torch.nn.init.kaiming_uniform_(self.weight, a=5 ** 0.5)
        if self.bias is not None:
            # Liger starts the bias at zero; a trained one is not, and a zero bias would hide a bias mix-up.
            torch.nn.init.uniform_(self.bias, -0.5, 0.5)

    def forward(self, scores):
        L = scores.shape[-1]
        mask = torch.tril(torch.ones(L, L, dtype=torch.bool)).view(1, 1, L, L)
        s = scores.masked_fill(~mask, -1e9)
        probs = sparsemax(s, L) if self.sparse else F.softmax(s, dim=-1)
        # stride 1 (the default), as in Liger's reference.
        out = F.conv2d(probs, self.weight, self.bias, padding=self.padding, groups=self.groups)
        return out.masked_fill(~mask, 0.0)


def sparsemax(z, L):
    """TorchSparseMultiTokenAttention's sparsemax over the last axis, as in Liger's test."""
    z_sorted, _ = torch.sort(z, dim=-1, descending=True)
    cum_sum = torch.cumsum(z_sorted, dim=-1)
    k = torch.arange(1, L + 1, dtype=z.dtype).view(1, 1, 1, L)
    condition = (1 + k * z_sorted > cum_sum) & (z_sorted > -1e8)
    k_sparsemax = torch.sum(condition, dim=-1, keepdim=True)
    k_safe = torch.max(k_sparsemax, torch.ones_like(k_sparsemax))
    tau = (torch.gather(cum_sum, -1, k_safe.long() - 1) - 1) / k_safe.to(z.dtype)
    tau = torch.where(k_sparsemax == 0, torch.full_like(tau, float('inf')), tau)
    return torch.clamp(z - tau, min=0)


def write_safetensors(tensors, path, metadata):
    """The format by hand (save_file's signature): 8-byte little-endian header length, JSON header, raw little-endian data."""
    header, data = {'__metadata__': metadata}, b''
    for name, t in tensors.items():
        blob = t.numpy().astype('<f%d' % t.element_size()).tobytes()
        header[name] = {'dtype': 'F%d' % (8 * t.element_size()), 'shape': list(t.shape), 'data_offsets': [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)  # the data starts 8-byte aligned, as safetensors writes it
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + data)


try:
    from safetensors.torch import save_file
except ImportError:  # the same format, by hand
    save_file = write_safetensors


def main(out_dir):
    for name, B, cin, cout, L, K, groups, bias, sparse, seed in CASES:
        torch.manual_seed(seed)
        m = LigerMultiTokenAttention(cin, cout, K, K // 2, groups, bias, sparse)
        scores = torch.randn(B, cin, L, L)
        with torch.no_grad():
            io = {'scores': scores, 'out': m(scores), 'out_f64': m.double()(scores.double())}
        state = m.float().state_dict()
        config = dict(in_channels=cin, out_channels=cout, kernel_size=K, padding=K // 2, groups=groups,
                      bias=bias, sparse=sparse, source=LIGER, torch=torch.__version__)
        meta = {'config': json.dumps(config)}
        base = os.path.join(out_dir, 'liger_mta_' + name)
        save_file(state, base + '.safetensors', {**meta, 'writer': save_file.__module__})
        write_safetensors(io, base + '.io.safetensors', meta)
        print(name, (io['out'] - io['out_f64']).abs().max().item())


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))

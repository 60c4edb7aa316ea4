#!/usr/bin/env python3
"""PyTorch CUDA peer of `pnpm bench`: post-softmax MTA as PyTorch eager composes it (mask, softmax, conv2d, mask),
float32 with TF32 off, device-resident, forward and forward+backward, per L.

Writes the bench's JSON row format (examples/bench/src/types.ts BenchResult: backend, variant, phase, L, medianMs,
minMs, samplesMs, firstCallMs, peakExtraBytes, ratioToPeer, peer, checkRelErr, checkAgainst, extra) plus the
fingerprints of its results (examples/bench/src/cross-check.ts) so that examples/bench/tools/merge-peers.ts can
cross-check it against the webgpu rows and compute the ratios. The inputs are the bench's own (problem.ts:
mulberry32 + Box-Muller, seeded by seed * 7919 + L), regenerated bit for bit on the GPU.

  python3 pytorch_cuda.py --L 512,1024 [--benchmark] --out peer.json

--benchmark sets torch.backends.cudnn.benchmark (cuDNN autotunes each new shape on its first call): run it as a
separate process so that each mode's first calls are its own. The CUDA context and cuDNN are started on a tiny
convolution before anything is timed (the webgpu rows likewise start their device in setup), so a first call is
what a new L costs: algorithm choice, autotuning, allocations.
"""
import argparse
import json
import math
import platform
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F

B, C, K, PAD = 2, 4, 3, 1
MASK32 = 0xFFFFFFFF


# ---- the bench's inputs (examples/bench/src/problem.ts), bit for bit ------------------------------------------

def _imul(a, b):
    # Math.imul: the low 32 bits of the product; int64 products wrap modulo 2**64, which keeps them exact.
    return (a * b) & MASK32


def _uniforms(seed_state, first_call, count, device):
    """Calls first_call .. first_call + count - 1 (1-based) of mulberry32 started at seed_state, as float64."""
    k = torch.arange(first_call, first_call + count, dtype=torch.int64, device=device)
    t = (seed_state + k * 0x6D2B79F5) & MASK32
    t = _imul(t ^ (t >> 15), t | 1)
    t = t ^ ((t + _imul(t ^ (t >> 7), t | 61)) & MASK32)
    return ((t ^ (t >> 14)) & MASK32).to(torch.float64) / 4294967296.0


def _normals(seed_state, first_call, count, scale, device, chunk=1 << 26):
    """normals() of problem.ts: returns (float32 tensor, calls consumed)."""
    pairs = (count + 1) // 2
    out = torch.empty(pairs * 2, dtype=torch.float32, device=device)
    for p0 in range(0, pairs, chunk):
        n = min(chunk, pairs - p0)
        u = _uniforms(seed_state, first_call + 2 * p0, 2 * n, device).view(n, 2)
        radius = scale * torch.sqrt(-2.0 * torch.log(1.0 - u[:, 0]))
        angle = 2.0 * math.pi * u[:, 1]
        out[2 * p0: 2 * (p0 + n)] = torch.stack((radius * torch.cos(angle), radius * torch.sin(angle)), dim=1).reshape(-1).float()
    return out[:count], 2 * pairs


def make_inputs(L, seed, device):
    state = (seed * 7919 + L) & MASK32
    call = 1
    scores, used = _normals(state, call, B * C * L * L, 1.0, device); call += used
    fan_in = C * K * K
    weight, used = _normals(state, call, C * C * K * K, 1.0 / math.sqrt(fan_in), device); call += used
    bias, used = _normals(state, call, C, 0.1, device); call += used
    grad_out, used = _normals(state, call, B * C * L * L, 1.0, device); call += used
    return scores.view(B, C, L, L), weight.view(C, C, K, K), bias, grad_out.view(B, C, L, L)


# ---- the bench's fingerprint (examples/bench/src/cross-check.ts) ------------------------------------------------

def _sample_positions(length, count=512):
    if length <= count:
        return list(range(length))
    # JS: (length * 2654435761) >>> 0, the product a double (rounded above 2**53), then ToUint32.
    state = int(float(length) * 2654435761.0) % (1 << 32)
    positions = []
    for _ in range(count):
        state = (state * 1664525 + 1013904223) % (1 << 32)
        positions.append(state % length)
    return positions


def fingerprint(tensors):
    out = {}
    for name, t in tensors.items():
        flat = t.detach().reshape(-1)
        pos = torch.tensor(_sample_positions(flat.numel()), dtype=torch.int64, device=flat.device)
        out[name] = {
            'length': flat.numel(),
            'norm': float(flat.double().pow(2).sum().sqrt()),
            'samples': [float(v) for v in flat[pos].cpu().tolist()],
        }
    return out


# ---- the op -----------------------------------------------------------------------------------------------------

def mta(scores, weight, bias, upper):
    """mask (above the diagonal -> -inf), softmax over keys, conv2d (padding 1, bias), mask (above the diagonal -> 0)."""
    p = torch.softmax(scores.masked_fill(upper, float('-inf')), dim=-1)
    return F.conv2d(p, weight, bias, padding=PAD).masked_fill(upper, 0.0)


def timed(fn):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1e3


def measure(fn, warmup, repeats, min_time_ms, warmup_min_ms=0.0):
    # Warm-up runs continue until they add up to warmup_min_ms: the GPU leaves its idle clock only after being busy a while.
    warm = [timed(fn) for _ in range(warmup)]
    while sum(warm) < warmup_min_ms and len(warm) < 10000:
        warm.append(timed(fn))
    samples = []
    while len(samples) < repeats or (sum(samples) < min_time_ms and len(samples) < 50):
        samples.append(timed(fn))
    return warm, samples


def gpu_description():
    name = torch.cuda.get_device_name(0)
    try:
        smi = subprocess.run(['nvidia-smi', '--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        smi = f'nvidia-smi failed: {error}'
    return name, smi


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--L', default='512,1024,2048,4096,8192')
    ap.add_argument('--benchmark', action='store_true', help='torch.backends.cudnn.benchmark = True')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--out', required=True)
    ap.add_argument('--warmup-ms', type=float, default=0.0,
                    help='untimed runs until they add up to this many ms (as gpu-bench.ts --warmup-ms)')
    ap.add_argument('--max-first-call-L', type=int, default=1 << 30,
                    help='skip L above this (autotuning at L = 8192 took ~2 minutes in issue 15)')
    args = ap.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = args.benchmark
    dev = torch.device('cuda')
    name = 'pytorch-cuda-autotuned' if args.benchmark else 'pytorch-cuda'
    # CUDA context, cuBLAS/cuDNN handles: started on a tiny problem before any timing.
    x = torch.randn(1, C, 8, 8, device=dev, requires_grad=True)
    F.conv2d(x, torch.randn(C, C, K, K, device=dev, requires_grad=True), padding=PAD).sum().backward()
    torch.cuda.synchronize()

    gpu_name, smi = gpu_description()
    runtime = (f'PyTorch {torch.__version__} eager, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, '
               f'{gpu_name}; TF32 off; cudnn.benchmark {args.benchmark}; device-resident; '
               'composite: masked_fill(-inf), softmax, conv2d, masked_fill(0)')
    results, fingerprints, failures = [], [], []
    for L in [int(v) for v in args.L.split(',')]:
        if L > args.max_first_call_L:
            failures.append({'backend': name, 'variant': 'softmax', 'phase': 'forward', 'L': L,
                             'message': f'not run: L > --max-first-call-L {args.max_first_call_L}'})
            continue
        scores, weight, bias, grad_out = make_inputs(L, args.seed, dev)
        upper = torch.ones(L, L, dtype=torch.bool, device=dev).triu(1)
        few = L >= 4096
        warmup, repeats, min_time = (1, 4, 0) if few else (2, 10, 300)
        for phase in ('forward', 'forward+backward'):
            s = scores.clone().requires_grad_(phase != 'forward')
            w = weight.clone().requires_grad_(phase != 'forward')
            b = bias.clone().requires_grad_(phase != 'forward')

            def forward():
                with torch.no_grad():
                    mta(s, w, b, upper)

            def forward_backward():
                mta(s, w, b, upper).backward(grad_out)
                s.grad = w.grad = b.grad = None

            fn = forward if phase == 'forward' else forward_backward
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            try:
                warm, samples = measure(fn, warmup, repeats, min_time, args.warmup_ms)
            except torch.cuda.OutOfMemoryError as error:
                failures.append({'backend': name, 'variant': 'softmax', 'phase': phase, 'L': L, 'message': f'CUDA out of memory: {error}'})
                torch.cuda.empty_cache()
                continue
            peak = torch.cuda.max_memory_allocated()
            row = {
                'backend': name, 'variant': 'softmax', 'phase': phase, 'L': L,
                'medianMs': statistics.median(samples), 'minMs': min(samples), 'samplesMs': samples,
                'firstCallMs': warm[0] if warm else None,
                # Device memory, not host: the peak of allocated CUDA memory during the runs (inputs included)
                # and above what was allocated before them.
                'peakExtraBytes': peak - base,
                'ratioToPeer': None, 'peer': None, 'checkRelErr': None, 'checkAgainst': None,
                'extra': {'gpuPeakBytes': peak, 'gpuPeakAboveInputsBytes': peak - base,
                          'gpuReservedBytes': torch.cuda.memory_reserved()},
            }
            results.append(row)
            print(f"{name} {phase} L={L}: median {row['medianMs']:.2f} ms, first {row['firstCallMs']:.1f} ms, "
                  f"peak {peak / 2**30:.2f} GiB", flush=True)
        # The cross-check, as the bench does it: forward+backward once more, its results fingerprinted.
        s = scores.clone().requires_grad_(True)
        w = weight.clone().requires_grad_(True)
        b = bias.clone().requires_grad_(True)
        out = mta(s, w, b, upper)
        out.backward(grad_out)
        fingerprints.append({'backend': name, 'variant': 'softmax', 'L': L, 'phase': 'forward+backward',
                             'fingerprint': fingerprint({'out': out, 'gradScores': s.grad, 'gradWeight': w.grad, 'gradBias': b.grad})})
        del s, w, b, out, scores, weight, bias, grad_out, upper
        torch.cuda.empty_cache()

    doc = {
        'format': 'mta-bench-peer/1',
        'backends': [{'name': name, 'kind': 'peer', 'runtime': runtime,
                      'summary': f"PyTorch CUDA eager composite (mask, softmax, conv2d, mask), TF32 off, cudnn.benchmark {args.benchmark}"}],
        'environment': {'python': platform.python_version(), 'torch': torch.__version__, 'cuda': torch.version.cuda,
                        'cudnn': torch.backends.cudnn.version(), 'gpu': gpu_name, 'nvidiaSmi': smi},
        'results': results, 'fingerprints': fingerprints, 'failures': failures,
    }
    with open(args.out, 'w') as f:
        json.dump(doc, f, indent=1)


if __name__ == '__main__':
    main()

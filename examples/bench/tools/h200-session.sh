#!/usr/bin/env bash
# One device session of bench/h200/README.md's table, in its order, with an SM-clock trace beside it.
# On the GPU machine, from the repository root, with .gpu (shared/tools/gpu-bundle.sh) and
# .gpu-build/gpu-bench.mjs (examples/bench/tools/bundle-gpu-bench.sh) carried:
#   bash examples/bench/tools/h200-session.sh "$OUT" [pytorch|webgpu|autotuned ...]
# Each part writes its own files, so a part cut short by a time limit leaves the others whole. About 1 min for
# pytorch, 3-4 for webgpu (ORT's WebGPU EP and host-to-host rows take most), 3 for autotuned (cuDNN's search
# at L = 8192 alone took ~2 minutes). Then, here: merge-peers.ts (see README).
set -euo pipefail
out=${1:?usage: h200-session.sh OUTDIR [pytorch|webgpu|autotuned ...]}
shift
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(pytorch webgpu autotuned)
mkdir -p "$out"
repo=$PWD
# run.sh unpacks the bundle once and runs its command in the bundle's folder, whose node_modules the bench needs.
bundle=$(bash .gpu/run.sh pwd)
cp "$repo/.gpu-build/gpu-bench.mjs" "$bundle/"
nvidia-smi > "$out/nvidia-smi.txt"
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,utilization.gpu --format=csv -lms 100 > "$out/smi.csv" &
smi=$!
trap 'kill $smi 2>/dev/null || true' EXIT
for part in "${parts[@]}"; do
  case $part in
    pytorch) python3 bench/peers/pytorch_cuda.py --warmup-ms 1000 --out "$out/pytorch-cuda.json" >> "$out/pytorch.log" 2>&1 ;;
    webgpu) bash .gpu/run.sh node gpu-bench.mjs --warmup-ms 1000 --out "$out/gb" > "$out/gpu-bench.log" 2>&1 ;;
    autotuned) python3 bench/peers/pytorch_cuda.py --benchmark --warmup-ms 1000 --out "$out/pytorch-cuda-autotuned.json" >> "$out/pytorch.log" 2>&1 ;;
    *) echo "unknown part '$part' (pytorch, webgpu, autotuned)" >&2; exit 2 ;;
  esac
done

#!/usr/bin/env bash
# Bundles tools/gpu-bench.ts (or the tool given second, e.g. tools/gpu-profile.ts) into one .mjs for a GPU machine without node_modules (see bench/h200/README.md).
# The native packages (webgpu, i.e. Dawn, and onnxruntime-node) stay external: the GPU machine's bundle
# (see bench/h200/README.md) carries them.
# Usage, from the repository root: bash examples/bench/tools/bundle-gpu-bench.sh OUT.mjs [examples/bench/tools/TOOL.ts]
set -euo pipefail
out=${1:?usage: bundle-gpu-bench.sh OUT.mjs [TOOL.ts]}
here=$(cd "$(dirname "$0")" && pwd)
entry=${2:-$here/gpu-bench.ts}
"$here/../node_modules/.bin/esbuild" "$entry" --bundle --platform=node --format=esm --target=node20 \
  --conditions=node --outfile="$out" --log-level=warning \
  --external:onnxruntime-node --external:onnxruntime-web --external:webgpu \
  --banner:js="import { createRequire as __mtaCreateRequire } from 'node:module'; const require = __mtaCreateRequire(import.meta.url);"

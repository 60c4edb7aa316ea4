#!/usr/bin/env tsx
/**
 * `pnpm mta <command>`: the project's one command-line entry.
 *   golden [manifest] [--device cpu|npu|webgpu|ort-node|ort-web|ort-webgpu] [--ub 16KiB] [--soc 910B4] [--impl fused|composite] [--json]
 *   check [--case <manifest>] [--backends cpu,npu,webgpu,ort-node,ort-web,ort-webgpu] [--json]
 *   plan --L <n> --dtype float16|bfloat16|float32 [--soc 910B4] [--ub 192KiB] [--planner default|liger-pr1122|liger-ascend] [--json]
 *   plan --soc list [--json]
 *   lint-npu [--planner ...] [--soc ...] [--ub ...] [--dtype ...] [--L ...] [--json]
 *   train --model baseline|mta [--device cpu|npu|webgpu] [--steps N] [--seed S] [--out dir] [--force] [--json]
 *   export --checkpoint <file> --out model.onnx [--force] [--json]
 *   mlp [--seed S] [--steps N] [--json]
 *
 * Conventions of every command: exit 0 on success, 1 when a check fails, a plan overflows or the work
 * fails, 2 on a usage error; `--json` prints one JSON document on stdout; relative paths resolve against
 * the directory pnpm was run from; no file is overwritten without `--force`; progress goes to stderr,
 * and only when stderr is a terminal.
 */
import { runCli } from './cli';

runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });

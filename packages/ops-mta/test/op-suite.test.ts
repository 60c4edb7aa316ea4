/**
 * Core's shared op suite with ops-mta loaded (issue 13 item 14): run in device-cpu alone, its gradient guard
 * ("every differentiable forward op in listOps() has a gradient case") never saw MultiTokenAttention or
 * Sparsemax, since nothing there imports this package. Here they are registered, and their gradcheck cases
 * go in through extraGradCases, so a new ops-mta op without a gradient case fails this file.
 */
import '@mta/ops-mta/register';
import { describe, expect, it } from 'vitest';
import { runOpSuite, setFallback, type GradCase } from '@mta/core';
import { MultiTokenAttentionOp, SparsemaxOp, multiTokenAttention, sparsemax } from '@mta/ops-mta';

setFallback({ strict: true });

const MTA_GRAD_CASES: readonly GradCase[] = [
  {
    op: MultiTokenAttentionOp, name: 'fused, post softmax, causal, bias',
    inputs: (make) => [make.float([1, 2, 5, 5]), make.float([2, 2, 3, 3]), make.float([2])],
    fn: (s, w, b) => multiTokenAttention(s!, w!, b, { padding: 'causal', impl: 'fused' }),
  },
  {
    op: MultiTokenAttentionOp, name: 'fused, pre sparsemax, padding 1',
    inputs: (make) => [make.float([1, 2, 4, 4]), make.float([2, 1, 3, 3])],
    fn: (s, w) => multiTokenAttention(s!, w!, null, { mode: 'pre', sparse: true, padding: 1, groups: 2, impl: 'fused' }),
  },
  {
    op: SparsemaxOp, name: 'last axis',
    inputs: (make) => [make.float([3, 5])],
    fn: (x) => sparsemax(x!, -1),
  },
];

runOpSuite('cpu', { describe, it, expect }, { extraGradCases: MTA_GRAD_CASES });

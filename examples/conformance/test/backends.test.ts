import '@mta/ops-mta/register';
import { describe, expect, it } from 'vitest';
import { ALL_BACKENDS, EVAL_BACKENDS, resolveBackends, TINY_MODEL, checkResults, GOLDEN_TOLERANCE } from '../src/index';

/** The check's backend table: one row per backend, looked up by name, the reason given when one cannot run. */
describe('the consistency check backend table', () => {
  it('has unique names, devices with gradients and exported graphs without', () => {
    expect(new Set(ALL_BACKENDS).size).toBe(EVAL_BACKENDS.length);
    expect(ALL_BACKENDS).toEqual(['cpu', 'npu', 'webgpu', 'ort-node', 'ort-web', 'ort-webgpu']);
    expect(EVAL_BACKENDS.filter((b) => b.gradients).map((b) => b.name)).toEqual(['cpu', 'npu', 'webgpu']);
    // The backends that need an adapter find out by asking for one; the others know without starting anything.
    expect(EVAL_BACKENDS.filter((b) => b.probe !== undefined).map((b) => b.name)).toEqual(['webgpu', 'ort-webgpu']);
  });

  it('resolves names in the order given and names the choices for an unknown one', () => {
    expect(resolveBackends(['ort-node', 'cpu']).map((b) => b.name)).toEqual(['ort-node', 'cpu']);
    expect(() => resolveBackends(['gpu'])).toThrow("unknown backend 'gpu': expected one of cpu, npu, webgpu, ort-node, ort-web, ort-webgpu");
  });

  it('runs the tiny MTA model on cpu and in onnxruntime-node with the same probabilities', async () => {
    const [cpu, ortNode] = resolveBackends(['cpu', 'ort-node']);
    const reference = await cpu!.runTinyModel(TINY_MODEL);
    expect(Object.keys(reference).filter((k) => k.startsWith('grad:')).length).toBeGreaterThan(0);
    const exported = await ortNode!.runTinyModel(TINY_MODEL);
    const checks = checkResults(exported, reference, ['probs'], GOLDEN_TOLERANCE);
    expect(checks.map((c) => c.pass)).toEqual([true]);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exportOnnx, noGrad, tensor, tidy } from '@mta/core';
import { loadCheckpoint, modelFromCheckpoint, runTraining, type TaskConfig } from '../src/index';
import { compareTensors } from '@mta/ort';

const silentStream = new Writable({ write: (_c, _e, done) => done() });
const task: TaskConfig = { blockSize: 2, numBlocks: 2, numQueries: 2, alphabetSize: 6 };

/** Runs an exported model with int32 token input on onnxruntime-node or -web, letting ORT allocate outputs. */
async function runTokens(backend: 'node' | 'web', model: Uint8Array, tokens: Int32Array, dims: number[]): Promise<Float32Array> {
  const ort = backend === 'node' ? await import('onnxruntime-node') : await import('onnxruntime-web');
  if (backend === 'web') (ort.env as { wasm: { numThreads: number } }).wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(model, { executionProviders: [backend === 'node' ? 'cpu' : 'wasm'] });
  try {
    const out = await session.run({ tokens: new ort.Tensor('int32', tokens, dims) });
    return out.logits!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('a trained toy-task model exported to ONNX', () => {
  it('gives the cpu device\'s logits in onnxruntime-node and onnxruntime-web (both models)', async () => {
    for (const kind of ['baseline', 'mta'] as const) {
      const out = join(mkdtempSync(join(tmpdir(), 'mta-export-trained-')), kind);
      const report = await runTraining({
        model: kind, task, layers: 1, width: 16, heads: 2, ffDim: 32, batchSize: 8, lr: 1e-2, warmupSteps: 0,
        steps: 6, seed: 5, logEvery: 1, evalEvery: 0, valSize: 10, testSize: 10, checkpointEvery: 0, progressStream: silentStream, out,
      });
      const model = modelFromCheckpoint(loadCheckpoint(report.files.checkpoint), 'cpu');
      const length = model.config.maxLength;
      const tokens = Int32Array.from({ length: 2 * length }, (_, i) => (i * 7 + 3) % model.config.vocabSize);
      const { bytes, cpuLogits } = tidy(() => noGrad(() => {
        const input = tensor(tokens, [2, length], { dtype: 'int32' });
        const exported = exportOnnx(model, [input], { inputNames: ['tokens'], outputNames: ['logits'] });
        return { bytes: exported.bytes, cpuLogits: model.forward(input).toArray() as Float32Array };
      }));
      for (const backend of ['node', 'web'] as const) {
        const logits = await runTokens(backend, bytes, tokens, [2, length]);
        const c = compareTensors(logits, cpuLogits);
        expect(c.allFinite, `${kind} on ort-${backend}`).toBe(true);
        expect(c.relFro, `${kind} on ort-${backend}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });
});

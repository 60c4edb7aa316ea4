import { writeFileSync } from 'node:fs';
import { exportOnnx, noGrad, tensor, tidy } from '@mta/core';
import { parseFlags, text } from '@mta/args';
import { loadCheckpoint, modelFromCheckpoint } from '@mta/train';
import { userPath, type Command } from './command';

const help = `usage: pnpm mta export --checkpoint <file> --out model.onnx

Exports a trained toy-task model (a checkpoint written by \`pnpm mta train\`) to ONNX (IR 8, opset 17,
float32): input 'tokens' (1, maxLength) int32, output 'logits'. examples/train/test/export-trained.test.ts
checks such exports against the cpu device's logits in onnxruntime-node and onnxruntime-web.`;

export const exportCommand: Command = {
  summary: 'export a trained checkpoint to ONNX',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, {
      checkpoint: { value: text('a checkpoint path'), required: true, help: 'checkpoint written by pnpm mta train' },
      out: { value: text('an .onnx path'), required: true, help: 'where the model goes' },
    });
    const checkpoint = loadCheckpoint(userPath(values.checkpoint));
    const started = performance.now();
    const model = modelFromCheckpoint(checkpoint, 'cpu');
    const length = model.config.maxLength;
    const exported = tidy(() => {
      const tokens = tensor(new Int32Array(length), [1, length], { dtype: 'int32' });
      return noGrad(() => exportOnnx(model, [tokens], { inputNames: ['tokens'], outputNames: ['logits'] }));
    });
    const out = userPath(values.out);
    writeFileSync(out, exported.bytes);
    console.log(`wrote ${out}: ${exported.bytes.length} bytes, ${exported.nodeCount} nodes, ` +
      `ops ${[...exported.ops].map(([k, n]) => `${k}x${n}`).join(' ')} (${(performance.now() - started).toFixed(0)} ms)`);
    return 0;
  },
};

import { writeFileSync } from 'node:fs';
import { exportOnnx, noGrad, tensor, tidy } from '@mta/core';
import { loadCheckpoint, modelFromCheckpoint } from '../train/index';
import { CliError, parseCommandArgs, userPath, type Command } from './command';

const help = `usage: pnpm mta export --checkpoint <file> --out model.onnx

Exports a trained toy-task model (a checkpoint written by \`pnpm mta train\`) to ONNX (IR 8, opset 17,
float32): input 'tokens' (1, maxLength) int32, output 'logits'. examples/test/export-trained.test.ts
checks such exports against the cpu device's logits in onnxruntime-node and onnxruntime-web.`;

export const exportCommand: Command = {
  summary: 'export a trained checkpoint to ONNX',
  help,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { checkpoint: { type: 'string' }, out: { type: 'string' } }, help);
    if (!values.checkpoint || !values.out) throw new CliError(`--checkpoint and --out are required\n\n${help}`);
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

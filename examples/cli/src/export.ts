import { writeFileSync } from 'node:fs';
import { exportOnnx, noGrad, tensor, tidy } from '@mta/core';
import { parseFlags, text } from '@mta/args';
import { loadCheckpoint, modelFromCheckpoint } from '@mta/train';
import { EXIT_FAILURE, EXIT_OK, userPath, type Command } from './command';
import { OverwriteError, refuseOverwrite, sameFile } from './overwrite';

const help = `usage: pnpm mta export --checkpoint <file> --out model.onnx [--force] [--json]

Exports a trained toy-task model (a checkpoint written by \`pnpm mta train\`) to ONNX (IR 8, opset 17,
float32): input 'tokens' (1, maxLength) int32, output 'logits'. examples/train/test/export-trained.test.ts
checks such exports against the cpu device's logits in onnxruntime-node and onnxruntime-web.
An existing --out is kept unless --force is given; --out naming the checkpoint itself is always refused.`;

export const exportCommand: Command = {
  summary: 'export a trained checkpoint to ONNX',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, {
      checkpoint: { value: text('a checkpoint path'), required: true, help: 'checkpoint written by pnpm mta train' },
      out: { value: text('an .onnx path'), required: true, help: 'where the model goes' },
      force: { switch: true, help: 'overwrite --out if it exists' },
      json: { switch: true, help: 'print JSON' },
    });
    const source = userPath(values.checkpoint);
    const out = userPath(values.out);
    try {
      // Checked before any work: writing the model over its own checkpoint would destroy the training run.
      if (sameFile(source, out)) throw new OverwriteError(`--out ${out} is the checkpoint being exported; choose another path`);
      refuseOverwrite(out, values.force, '--out');
    } catch (error) {
      if (!(error instanceof OverwriteError)) throw error;
      console.error(`error: ${error.message}`);
      return EXIT_FAILURE;
    }
    const checkpoint = loadCheckpoint(source);
    const started = performance.now();
    const model = modelFromCheckpoint(checkpoint, 'cpu');
    const length = model.config.maxLength;
    const exported = tidy(() => {
      const tokens = tensor(new Int32Array(length), [1, length], { dtype: 'int32' });
      return noGrad(() => exportOnnx(model, [tokens], { inputNames: ['tokens'], outputNames: ['logits'] }));
    });
    writeFileSync(out, exported.bytes);
    const ms = performance.now() - started;
    if (values.json) {
      console.log(JSON.stringify({
        out, bytes: exported.bytes.length, nodes: exported.nodeCount, ops: Object.fromEntries(exported.ops),
        inputs: exported.inputNames, outputs: exported.outputNames, ms: Math.round(ms),
      }, null, 2));
    } else {
      console.log(`wrote ${out}: ${exported.bytes.length} bytes, ${exported.nodeCount} nodes, ` +
        `ops ${[...exported.ops].map(([k, n]) => `${k}x${n}`).join(' ')} (${ms.toFixed(0)} ms)`);
    }
    return EXIT_OK;
  },
};

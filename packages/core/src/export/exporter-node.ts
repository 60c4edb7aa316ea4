import { writeFileSync } from 'node:fs';
import { exportOnnx as exportPortable, type ExportedModel } from './exporter.js';
import { validateExportOptions, type ExportOptions } from './options.js';

/**
 * Node's `exportOnnx`: the platform-neutral exporter, then the `file` option, written with node:fs.
 * Kept apart so that a browser bundle of @mta/core has no node: import.
 */
export function exportOnnx(target: Parameters<typeof exportPortable>[0], exampleInputs: Parameters<typeof exportPortable>[1], options: ExportOptions = {}): ExportedModel {
  const { file, ...rest } = validateExportOptions(options);
  const model = exportPortable(target, exampleInputs, rest);
  if (file !== undefined) writeFileSync(file, model.bytes);
  return model;
}

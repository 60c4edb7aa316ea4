import { readFile } from 'node:fs/promises';
import { parseOnnxModel, type OnnxModelSummary } from './parse.js';

/* Node only (node:fs): exported from index.node.ts, never from the platform-neutral index. */

/** Reads and parses an ONNX file; missing files and parse failures both name the path. */
export async function readOnnxModelFile(path: string): Promise<{ bytes: Uint8Array; summary: OnnxModelSummary }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new Error(`model file ${path} could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { bytes, summary: parseOnnxModel(bytes, path) };
}

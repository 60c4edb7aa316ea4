// onnx-proto is CommonJS that assigns `$root.onnx`; a named ESM import works under vitest but not
// under node/tsx, so every module in this folder takes `onnx` from here (toolchain pitfall P9).
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { Onnx };

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Module } from './nn/module.js';
import { loadStateDict, saveStateDict, type SaveStateDictOptions, type StateDictOptions } from './nn/state-dict.js';

/**
 * loadStateDict/saveStateDict on files (Node only: the `node` entry exports these). The file is read whole:
 * state dicts of one module are small, and the reader checks every byte range against the file's size.
 */
export function loadStateDictFile(module: Module, file: string, options: StateDictOptions = {}): void {
  loadStateDict(module, readFileSync(file), options);
}

/** Writes then renames, so an interrupted save never leaves a truncated file under the name. */
export function saveStateDictFile(module: Module, file: string, options: SaveStateDictOptions = {}): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, saveStateDict(module, options));
  renameSync(partial, file);
}

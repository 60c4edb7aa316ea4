import type { WakeWords } from '../pool-workers.js';

/**
 * The control block shared by the caller and the pool's workers (an Int32Array over a
 * SharedArrayBuffer). Jobs reach idle workers through JOB_GENERATION and POOL_CLOSED (pool-workers.ts).
 * Work items are claimed with Atomics.add on NEXT_ITEM; each worker adds 1 to WORKERS_DONE when it runs
 * out of items and notifies; a failing worker writes its message. WORKER_ITEMS counts the items workers (not
 * the caller) ran, so tests can prove the workers did the work they check.
 */
export const NEXT_ITEM = 0;
export const WORKERS_DONE = 1;
export const WORKER_ITEMS = 2;
export const JOB_GENERATION = 3;
export const POOL_CLOSED = 4;
export const CPU_WAKE_WORDS: WakeWords = { generation: JOB_GENERATION, closed: POOL_CLOSED };
export const ERROR_LENGTH = 5;
export const ERROR_TEXT = 6;
export const ERROR_CAPACITY = 1000;
export const CONTROL_INTS = ERROR_TEXT + ERROR_CAPACITY;

/** Past any item index: makes every thread stop claiming work after a failure. */
export const STOP_ITEMS = 0x3fffffff;

export function writeControlError(control: Int32Array, message: string): void {
  const length = Math.min(message.length, ERROR_CAPACITY);
  for (let k = 0; k < length; k++) control[ERROR_TEXT + k] = message.charCodeAt(k);
  Atomics.store(control, ERROR_LENGTH, length);
}

export function readControlError(control: Int32Array): string | null {
  const length = Atomics.load(control, ERROR_LENGTH);
  if (length === 0) return null;
  let text = '';
  for (let k = 0; k < length; k++) text += String.fromCharCode(control[ERROR_TEXT + k]);
  return text;
}

/** Claims and runs items until none are left. Used by the caller and by every worker. */
export function drainItems(control: Int32Array, itemCount: number, runItem: (item: number) => void): void {
  for (;;) {
    const item = Atomics.add(control, NEXT_ITEM, 1);
    if (item >= itemCount) return;
    runItem(item);
  }
}

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { runJobItem, type MtaJob } from './job.js';
import { CPU_WAKE_WORDS, NEXT_ITEM, STOP_ITEMS, WORKERS_DONE, WORKER_ITEMS, drainItems, writeControlError } from './pool-protocol.js';
import { bindF32Thread } from './scratch-f32.js';
import type { WasmMemory } from './wasm-rows-f32.js';
import { serveJobs } from '../pool-workers.js';

/** A pool worker: runs the items of each posted job it can claim, then reports done (see pool.ts). */
const port = parentPort;
if (port === null) throw new Error('mta worker-entry: must run as a worker_threads Worker (no parentPort).');
const data = workerData as { control: Int32Array; memory: WasmMemory | null; index: number; port: MessagePort };
const control = data.control;
// The calling thread's cpu arena (never this thread's own): jobs place maps and scratch in it.
bindF32Thread(data.memory, data.index);

function runJob(job: MtaJob): void {
  try {
    drainItems(control, job.plan.items.length, (item) => {
      runJobItem(job, item);
      Atomics.add(control, WORKER_ITEMS, 1);
    });
  } catch (error) {
    Atomics.store(control, NEXT_ITEM, STOP_ITEMS);
    writeControlError(control, error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    Atomics.add(control, WORKERS_DONE, 1);
    Atomics.notify(control, WORKERS_DONE);
  }
}

port.postMessage('ready');
setImmediate(() => serveJobs(control, CPU_WAKE_WORDS, data.port, runJob));

import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { runJobItem, type MtaJob } from './job.js';
import {
  JOB_GENERATION, NEXT_ITEM, POOL_CLOSED, STOP_ITEMS, WORKERS_DONE, WORKER_ITEMS, drainItems, writeControlError,
} from './pool-protocol.js';
import { bindF32Thread } from './scratch-f32.js';
import type { WasmMemory } from './wasm-rows-f32.js';

/**
 * A pool worker: sleeps on the control block's job generation, takes the job the caller posted on its port
 * (synchronously, so no event-loop turn stands between the wake and the work), runs the items it can
 * claim, then reports done (see pool.ts and pool-protocol.ts).
 */
const port = parentPort;
if (port === null) throw new Error('mta worker-entry: must run as a worker_threads Worker (no parentPort).');
const data = workerData as { control: Int32Array; memory: WasmMemory | null; index: number; jobs: MessagePort };
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

/** One job per generation; the caller posts it before it bumps the generation, so it is on the port. */
function serve(): void {
  let seen = Atomics.load(control, JOB_GENERATION);
  for (;;) {
    Atomics.wait(control, JOB_GENERATION, seen);
    if (Atomics.load(control, POOL_CLOSED) !== 0) return;
    const generation = Atomics.load(control, JOB_GENERATION);
    if (generation === seen) continue;
    seen = generation;
    const received = receiveMessageOnPort(data.jobs);
    if (received === undefined) throw new Error(`mta worker-entry: job generation ${generation} has no job on the port.`);
    runJob(received.message as MtaJob);
  }
}

port.postMessage('ready');
// Leave module evaluation first (the loader awaits it), then block in the wait loop for good.
setImmediate(serve);

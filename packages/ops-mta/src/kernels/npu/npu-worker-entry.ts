import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type NpuCoreJob, type ParallelKernel, runCoreJob } from '@mta/device-npu';
import { BAND_FORWARD_BODY, bandForwardCore } from './band-forward.js';
import { BAND_TRANSPOSE_BODY, bandTransposeCore } from './band-transpose.js';
import { CORES, DONE, NEXT, NPU_WAKE_WORDS, type NpuWorkerReply, STOPPED, claimedCore } from './pool-protocol.js';
import { serveJobs } from '../pool-workers.js';

/**
 * A worker of the npu thread pool (pool.ts): runs the cores of each posted launch it can claim, with the
 * kernel bodies below (the ones whose launches name a parallel body), then replies and counts itself done.
 */
const port = parentPort;
if (port === null) throw new Error('mta npu-worker-entry: must run as a worker_threads Worker (no parentPort).');
const data = workerData as { control: Int32Array; port: MessagePort; index: number };
const control = data.control;
const kernels: Record<string, ParallelKernel> = {
  [BAND_FORWARD_BODY]: bandForwardCore as ParallelKernel,
  [BAND_TRANSPOSE_BODY]: bandTransposeCore as ParallelKernel,
};
const claim = (): number => {
  const k = Atomics.add(control, NEXT, 1);
  return claimedCore(k, Atomics.load(control, CORES));
};

function runLaunch(job: NpuCoreJob): void {
  let reply: NpuWorkerReply;
  try {
    reply = { results: runCoreJob(job, kernels, claim, data.index), error: null };
  } catch (error) {
    // Stop the other threads: the simulator runs the launch again sequentially for the real error.
    Atomics.store(control, NEXT, STOPPED);
    reply = { results: [], error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  data.port.postMessage(reply);
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);
}

port.postMessage('ready');
setImmediate(() => serveJobs(control, NPU_WAKE_WORDS, data.port, runLaunch));

/**
 * The browser build of the npu simulator runs every launch on the calling thread: the Node pool blocks the
 * caller in Atomics.wait, which a browser's main thread may not do. Kept with Node's signature so that code
 * written for both platforms calls it unchanged; it resolves to null (no pool).
 */
export function startMtaNpuThreads(_threads?: number): Promise<null> {
  return Promise.resolve(null);
}

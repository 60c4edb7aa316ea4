/**
 * Memoised WGSL generators. Kernels that bake a call's sizes into the source would build the same
 * kilobytes of text again on every call, and the device's pipeline cache (WebgpuContext.pipeline), keyed by
 * that text, would hash each fresh string to find the pipeline it already has. A memoised generator hands
 * back the string it built the first time (V8 keeps its hash; the cached key is the same object), so a call
 * of a shape seen before builds no WGSL. Part of the JavaScript per call that bounds small calls: on the
 * H200's host an L = 512 forward took 0.17 ms wall with 0.13 ms of it JavaScript, against a 0.02 ms submit
 * round trip (bench/h200/2026-12-03-afternoon/probes/gpu-probe.json, measured with this and the single compute pass together).
 *
 * Arguments must be JSON data (numbers, strings, booleans, plain objects and arrays): the key is their JSON.
 * A generator must be a function of its arguments alone (no environment, no clock).
 */
export function memoizeShaderSource<A extends readonly unknown[]>(build: (...args: A) => string, capacity = 256): (...args: A) => string {
  const cache = new Map<string, string>();
  return (...args: A): string => {
    const key = JSON.stringify(args);
    let wgsl = cache.get(key);
    if (wgsl === undefined) {
      wgsl = build(...args);
      // Oldest first out: a long run over many shapes keeps the recent ones.
      if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
    } else {
      cache.delete(key);
    }
    cache.set(key, wgsl);
    return wgsl;
  };
}

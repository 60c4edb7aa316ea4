/**
 * Memoised WGSL generators. Kernels that bake a call's sizes into the source build a fresh string per call,
 * and the device's pipeline cache (WebgpuContext.pipeline) is keyed by that text: each lookup then hashed
 * and compared tens of kilobytes of a just-concatenated string. That was most of the JavaScript time of a
 * small MTA call (SwiftShader host, L = 8: ~88% of the encode time in the cache lookup). A memoised generator
 * hands back the same string object for the same arguments, whose hash V8 keeps and whose comparison is by
 * identity, and builds nothing.
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

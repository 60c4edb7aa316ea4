/**
 * WebGPU's flag values (GPUBufferUsage, GPUMapMode), fixed by the specification. Browsers expose them as
 * globals; Dawn for Node only after `Object.assign(globalThis, globals)`. Spelling them out here keeps the
 * package free of that global side effect.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MapMode = { READ: 0x0001 } as const;

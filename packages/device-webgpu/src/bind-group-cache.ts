/**
 * Bind groups kept for reuse. A steady loop of calls of one shape binds the same pooled buffers at the same
 * offsets to the same pipelines every time, and `createBindGroup` was the largest JavaScript cost of a
 * dispatch after the pass itself (Dawn for Node converts the descriptor's entries object by object).
 * A bind group stays valid across encoders and submits; one whose buffer was destroyed (the pool evicted
 * it) is never asked for again, since a destroyed GPUBuffer object is never handed out again, and it ages
 * out of the cache (least recently used first).
 */
export class BindGroupCache {
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(private readonly device: GPUDevice, private readonly capacity = 1024) {}

  get(pipeline: GPUComputePipeline, bindings: readonly GPUBufferBinding[]): GPUBindGroup {
    let key = String(this.idOf(pipeline));
    for (const b of bindings) key += `|${this.idOf(b.buffer)}:${b.offset ?? 0}:${b.size ?? -1}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = this.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: bindings.map((resource, binding) => ({ binding, resource })),
      });
      if (this.groups.size >= this.capacity) this.groups.delete(this.groups.keys().next().value as string);
    } else {
      this.groups.delete(key);
    }
    this.groups.set(key, group);
    return group;
  }

  private idOf(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.nextId++));
    return id;
  }
}

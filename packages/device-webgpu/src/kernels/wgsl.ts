/**
 * WGSL building blocks shared by the kernels. Sizes are baked into each kernel's source as constants: a
 * kernel variant is its source text, compiled once and cached (WebgpuContext.pipeline).
 */

/** The linear invocation index over a 2-D grid of workgroups (see WebgpuContext.grid). */
export function linearIndexPrelude(workgroupSize: number): string {
  return `
const WG: u32 = ${workgroupSize}u;
fn linearGroup(wg: vec3<u32>, groups: vec3<u32>) -> u32 { return wg.y * groups.x + wg.x; }`;
}

/** The entry-point header of a one-invocation-per-element kernel; the body sees `i`, the element index. */
export function elementwiseMain(workgroupSize: number, count: number, body: string): string {
  return `${linearIndexPrelude(workgroupSize)}
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linearGroup(wg, groups) * WG + lid;
  if (i >= ${count}u) { return; }
${body}
}`;
}

/**
 * A WGSL function `name(i: u32) -> u32`: the storage element that output element i (row-major over
 * `shape`) reads, given the input's strides (0 along broadcast axes) and offset.
 */
export function stridedOffsetFn(name: string, shape: readonly number[], strides: readonly number[], offset: number): string {
  const lines: string[] = [`fn ${name}(index: u32) -> u32 {`, '  var rest = index;', `  var at = ${offset}u;`];
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    lines.push(`  at += (rest % ${shape[d]}u) * ${strides[d]}u;`, `  rest = rest / ${shape[d]}u;`);
  }
  lines.push('  return at;', '}');
  return lines.join('\n');
}

/** The WGSL element type of a dtype kernels compute on. */
export function wgslType(dtype: string, what: string): 'f32' | 'i32' {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int32') return 'i32';
  throw new Error(`webgpu ${what}: dtype ${dtype} is not supported on webgpu (float32 and int32 are); cast on cpu first`);
}

export const workgroupsFor = (count: number, workgroupSize: number): number => Math.ceil(count / workgroupSize);

import type { MtaGeometry } from '../../geometry.js';

/**
 * The geometry as WGSL constants. Every MTA shader bakes the call's sizes in: a variant is its source
 * text, compiled once per distinct call shape and cached by the device (WebgpuContext.pipeline).
 */
export function geometryConstants(g: MtaGeometry, workgroupSize: number): string {
  return `
const WG: u32 = ${workgroupSize}u;
const B: u32 = ${g.B}u;
const CIN: u32 = ${g.Cin}u;
const COUT: u32 = ${g.Cout}u;
const L: u32 = ${g.L}u;
const LL: u32 = ${g.L * g.L}u;
const KH: u32 = ${g.kH}u;
const KW: u32 = ${g.kW}u;
const TAPS: u32 = ${g.kH * g.kW}u;
const CIG: u32 = ${g.cig}u;
const COG: u32 = ${g.cog}u;
const PT: i32 = ${g.pt};
const PL: i32 = ${g.pl};
const DH: i32 = ${g.dh};
const DW: i32 = ${g.dw};
const IL: i32 = ${g.L};
fn linearGroup(wg: vec3<u32>, groups: vec3<u32>) -> u32 { return wg.y * groups.x + wg.x; }`;
}

/** The entry point's parameters every MTA shader takes. */
export const ENTRY_PARAMS = '@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32';

/** A tree sum over `red` (WG entries) leaving the total in red[0]; every invocation must reach it. */
export const TREE_SUM = `
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }`;

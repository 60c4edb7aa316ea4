/**
 * Which execution provider ran each node of a session, read from ONNX Runtime's own profile. A session asked
 * for the WebGPU EP can still place nodes it has no kernel for on the CPU EP without failing, so "it ran"
 * does not prove "it ran on the GPU": the profile does (every node event carries `args.provider`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Provider name -> the op types of the nodes it ran (one entry per node run). */
export type EpPlacement = Readonly<Record<string, readonly string[]>>;

/** The provider names ONNX Runtime writes in its profile. */
export const WEBGPU_EP = 'WebGpuExecutionProvider';
export const CPU_EP = 'CPUExecutionProvider';

/**
 * Ops ORT assigns to the CPU on purpose next to a GPU EP: shape arithmetic on a few int64 values (its
 * warning "ORT explicitly assigns shape related ops to CPU"). Any other op on the CPU is real work off the GPU.
 */
export const SHAPE_OPS: ReadonlySet<string> = new Set([
  'Shape', 'Size', 'Squeeze', 'Unsqueeze', 'Reshape', 'Gather', 'Concat', 'Slice', 'Range', 'ConstantOfShape', 'Cast', 'Identity',
]);

interface ProfileEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly args?: { readonly provider?: string; readonly op_name?: string };
}

/** A fresh directory for a profile and the prefix to give ORT; `collect` reads the placement and removes the directory. */
export function profileTarget(): { readonly prefix: string; collect(): EpPlacement } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mta-ort-profile-'));
  return {
    prefix: path.join(dir, 'profile'),
    collect() {
      try {
        const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
        if (files.length !== 1) throw new Error(`expected one ONNX Runtime profile in ${dir}, found ${files.length} (was the session released?)`);
        return placementOf(JSON.parse(readFileSync(path.join(dir, files[0]!), 'utf8')) as unknown);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The placement in a parsed profile (an array of trace events). */
export function placementOf(profile: unknown): EpPlacement {
  if (!Array.isArray(profile)) throw new Error('an ONNX Runtime profile is a JSON array of events');
  const placement: Record<string, string[]> = {};
  for (const event of profile as ProfileEvent[]) {
    const provider = event.args?.provider;
    const op = event.args?.op_name;
    // Each node appears as a '..._kernel_time' event (and fence events without a provider).
    if (event.cat !== 'Node' || provider === undefined || op === undefined || !event.name?.endsWith('_kernel_time')) continue;
    (placement[provider] ??= []).push(op);
  }
  return placement;
}

/** Why the placement is not a WebGPU run (nodes of real work on another provider, or none on WebGPU), or undefined. */
export function notOnWebgpu(placement: EpPlacement): string | undefined {
  const gpu = placement[WEBGPU_EP] ?? [];
  const off = Object.entries(placement).flatMap(([provider, ops]) => (provider === WEBGPU_EP ? [] : ops.filter((op) => !SHAPE_OPS.has(op)).map((op) => `${op} on ${provider}`)));
  if (gpu.length === 0) return `no node ran on ${WEBGPU_EP} (placement: ${formatPlacement(placement)})`;
  if (off.length > 0) return `nodes ran off the GPU: ${[...new Set(off)].join(', ')} (placement: ${formatPlacement(placement)})`;
  return undefined;
}

/** "WebGpuExecutionProvider: Conv, Softmax, Where x3; CPUExecutionProvider: Squeeze" */
export function formatPlacement(placement: EpPlacement): string {
  return Object.entries(placement).map(([provider, ops]) => {
    const counts = new Map<string, number>();
    for (const op of ops) counts.set(op, (counts.get(op) ?? 0) + 1);
    return `${provider}: ${[...counts].map(([op, n]) => (n > 1 ? `${op} x${n}` : op)).join(', ')}`;
  }).join('; ') || 'no nodes';
}

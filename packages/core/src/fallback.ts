import type { Device } from './device.js';

/**
 * The cpu fallback for ops a device has no kernel for. Each device states its policy (`fallback: 'cpu'`
 * or `'error'`, see DeviceOptions); `setFallback` can override it for every device, and strict mode (which
 * tests use) refuses fallback whatever the policy, so a missing kernel can never hide behind a silent copy.
 * Every fallback is counted per `op@device`, and the first of each is announced once.
 */
export interface FallbackSettings {
  /** true / false: allow / refuse fallback on every device; 'device': follow each device's policy (the default). */
  readonly enabled?: boolean | 'device';
  /** Refuse fallback whatever the policy or `enabled` say. */
  readonly strict?: boolean;
  /** Called once per `op@device` the first time it falls back (default: a console warning); null for silence. */
  readonly onFirstFallback?: ((op: string, device: string) => void) | null;
}

const announce = (op: string, device: string): void => {
  console.warn(`note: op '${op}' has no kernel on device '${device}' and runs on cpu (inputs copied there and back); ` +
    `fallbackStats() counts these, setFallback({ strict: true }) forbids them`);
};

let enabled: boolean | 'device' = 'device';
let strict = false;
let onFirstFallback: ((op: string, device: string) => void) | null = announce;
const counts = new Map<string, number>();

/** Changes the given settings; returns the previous ones, so a caller can put them back. */
export function setFallback(settings: FallbackSettings): Required<FallbackSettings> {
  const previous = { enabled, strict, onFirstFallback };
  if (settings.enabled !== undefined) enabled = settings.enabled;
  if (settings.strict !== undefined) strict = settings.strict;
  if (settings.onFirstFallback !== undefined) onFirstFallback = settings.onFirstFallback;
  return previous;
}

/**
 * Whether an op without a kernel on `device` may run on cpu instead. Never on a device that cannot read its
 * memory synchronously (webgpu), whatever `enabled` says: the fallback's copies are synchronous, so allowing
 * it there would turn a MissingKernelError into a raw failure of the copy.
 */
export function fallbackAllowed(device: Device): boolean {
  if (strict || device.name === 'cpu' || !device.memory.readSync) return false;
  return enabled === 'device' ? device.fallback === 'cpu' : enabled;
}

/** Why fallback is refused on a device, and how to allow it (for error messages). */
export function fallbackAdvice(device: Device): string {
  if (strict) return 'cpu fallback is off in strict mode (setFallback({ strict: false }) lifts it)';
  // Only when the settings would otherwise allow it: then the asynchronous reads are the reason.
  if (!device.memory.readSync && (enabled === true || (enabled === 'device' && device.fallback === 'cpu'))) {
    return `device '${device.name}' reads its memory asynchronously, so it cannot fall back to cpu: move the inputs with \`await tensor.toAsync('cpu')\``;
  }
  if (enabled === false) return 'cpu fallback was turned off with setFallback({ enabled: false })';
  return `device '${device.name}' does not fall back to cpu (its policy is '${device.fallback}'): allow it with setFallback({ enabled: true })`;
}

export function countFallback(opName: string, device: string): void {
  const key = `${opName}@${device}`;
  const n = counts.get(key) ?? 0;
  counts.set(key, n + 1);
  if (n === 0) onFirstFallback?.(opName, device);
}

/** How many times each `op@device` ran on cpu instead. */
export function fallbackStats(): ReadonlyMap<string, number> {
  return new Map(counts);
}

/** The fallbacks so far as lines `op@device: count`, most frequent first (for explain() and run summaries). */
export function formatFallbacks(stats: ReadonlyMap<string, number> = counts): string[] {
  return [...stats].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key}: ${n}`);
}

export function resetFallbackStats(): void {
  counts.clear();
}

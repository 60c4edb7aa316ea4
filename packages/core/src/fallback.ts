/**
 * Opt-in cpu fallback for ops a device has no kernel for. Off by default; strict mode (which tests use)
 * refuses it even when enabled, so a missing kernel can never hide behind a silent copy.
 */
let enabled = false;
let strict = false;
const counts = new Map<string, number>();

export function setFallback(options: { enabled?: boolean; strict?: boolean }): void {
  if (options.enabled !== undefined) enabled = options.enabled;
  if (options.strict !== undefined) strict = options.strict;
}

export function fallbackAllowed(): boolean {
  return enabled && !strict;
}

export function countFallback(opName: string, device: string): void {
  const key = `${opName}@${device}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** How many times each `op@device` ran on cpu instead. */
export function fallbackStats(): ReadonlyMap<string, number> {
  return new Map(counts);
}

export function resetFallbackStats(): void {
  counts.clear();
}

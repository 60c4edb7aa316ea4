import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The public golden manifest: $MTA_GOLDEN_DIR/public.json when set, else ../shared/golden/public.json
 * next to the workspace root (where the project and CI keep it).
 */
export function defaultGoldenManifestPath(): string {
  const dir = process.env['MTA_GOLDEN_DIR'] ?? fileURLToPath(new URL('../../../../../shared/golden/', import.meta.url));
  return join(dir, 'public.json');
}

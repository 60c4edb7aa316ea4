import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The public golden manifest: $MTA_GOLDEN_DIR/public.json when set, else `golden/public.json` at the
 * repository root, committed with the repo so that a fresh clone needs nothing beside it. The same
 * relative climb holds from `src/golden/` and from a built `dist/golden/`.
 */
export function defaultGoldenManifestPath(): string {
  const dir = process.env['MTA_GOLDEN_DIR'] ?? fileURLToPath(new URL('../../../../golden/', import.meta.url));
  return join(dir, 'public.json');
}

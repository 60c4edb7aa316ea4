import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));
const roots = [...readdirSync(`${here}packages`).map((d) => `packages/${d}`), 'examples', 'tools'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Inline projects inherit this config; the explicit include keeps tsc output under dist/ out.
    projects: roots.map((root) => ({
      extends: true,
      test: { name: root.split('/').pop(), root, include: ['test/**/*.test.ts'], environment: 'node' },
    })),
  },
});

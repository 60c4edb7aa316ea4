import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));
// Every package of the workspace, libraries and examples alike, is one test project named after its folder.
const roots = ['packages', 'examples']
  .flatMap((dir) => readdirSync(`${here}${dir}`).map((d) => `${dir}/${d}`))
  .filter((root) => existsSync(`${here}${root}/package.json`))
  .concat('tools'); // the repository's own checks (import graph)

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

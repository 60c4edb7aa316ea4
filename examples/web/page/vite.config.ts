import { defineConfig } from 'vite';

// The page that runs an exported model with onnxruntime-web in a real browser (see server.ts).
export default defineConfig({
  root: import.meta.dirname, // not __dirname: vite 8 warns about it
  base: './',
  logLevel: 'warn',
  // Pre-bundling would move ort's wasm loader away from the .wasm it resolves relative to itself.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
});

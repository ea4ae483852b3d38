// Build configuration for the browser app: root is web/, output web/dist, served by the API server at /
// (the chat app) and /ops (the operator console, web/dist/ops.html).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
// During `vite dev` the API runs separately; proxy it so the app can use same-origin paths as in production.
const apiTarget = process.env['DOMICILE_API'] ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Two pages: the chat app (index.html, at /) and the operator console (ops.html, served at /ops).
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        ops: fileURLToPath(new URL('ops.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      '/v1': { target: apiTarget, ws: true, changeOrigin: true },
      '/healthz': { target: apiTarget },
      '/.well-known': { target: apiTarget },
      '/log': { target: apiTarget },
    },
  },
});

/**
 * Vite build of the dashboard (`node dashboard/build.ts`). The page is static: the dashboard
 * server (`dashboard/server.ts`) serves `dist/` and `/config.json`.
 */
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
})

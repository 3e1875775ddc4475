// electron-vite builds the three Electron bundles: main (Node + Electron), preload (sandboxed, CommonJS)
// and the renderer (Vue; the same bundle the web host serves). Dependencies stay external in main.
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      // The job entries sit beside index.js, where the runners look for them: utility-entry for Electron's
      // utility processes (runInUtilityProcess), worker-entry for worker threads (runInWorker), and the analysis
      // pool's (pool-utility-entry in Electron, pool-worker-entry for worker threads), and the MD's kernel-team
      // workers (kernel-team-worker: src/core/jobs/kernel-team.ts looks beside its own chunk, then one folder up).
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          'utility-entry': resolve('src/main/electron/utility-entry.ts'),
          'worker-entry': resolve('src/core/jobs/worker-entry.ts'),
          'pool-utility-entry': resolve('src/main/electron/pool-utility-entry.ts'),
          'pool-worker-entry': resolve('src/core/jobs/pool-worker-entry.ts'),
          'kernel-team-worker': resolve('src/core/jobs/kernel-team-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot load ES modules or node_modules: bundle it as one CommonJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});

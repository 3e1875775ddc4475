// Lint zones keep the layers apart (see the project's architecture document): the engine never sees UI
// frameworks, the pure engine never sees Node, and the renderer never sees Node, SQLite or Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const uiFrameworks = ['electron', 'vue', 'pinia', 'pixi.js', 'echarts'].flatMap((name) => [
  { name, message: 'src/core stays free of UI frameworks and Electron.' },
]);
const uiPatterns = [{ group: ['electron/*', 'vue/*', 'pinia/*', 'pixi.js/*', 'echarts/*', '@vue/*'], message: 'src/core stays free of UI frameworks and Electron.' }];
const nodeModules = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'zlib', 'crypto', 'better-sqlite3', 'electron'];
/** The request validation (valibot declarations): the backend's; the renderer and the preload script take types only. */
const noValidation = ['\\#shared/api-params*', '\\#shared/api-validate*', '**/shared/api-params*', '**/shared/api-validate*', 'valibot'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'tests/fixtures/**', 'resources/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Browser tests run functions inside the page.
    files: ['tests/e2e/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: uiFrameworks, patterns: uiPatterns }] },
  },
  {
    // The pure engine: no Node either, so it runs in any worker or in the browser.
    files: ['src/core/box.ts', 'src/core/neighbors.ts', 'src/core/potentials.ts', 'src/core/analysis/**/*.ts', 'src/core/sim/**/*.ts', 'src/core/io/unwrap.ts', 'src/core/util/**/*.ts', 'src/core/linalg/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...uiFrameworks, ...nodeModules.map((name) => ({ name, message: 'pure engine code imports no Node module' }))],
        patterns: [...uiPatterns, { group: ['node:*'], message: 'pure engine code imports no Node module' }],
      }],
    },
  },
  {
    files: ['src/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: nodeModules.map((name) => ({ name, message: 'the renderer talks to the backend only through src/shared and its API client' })),
        patterns: [
          { group: ['node:*', '**/core/**', '**/main/**'], message: 'the renderer talks to the backend only through src/shared and its API client' },
          { group: noValidation, allowTypeImports: true, message: 'the renderer bundles no request validation: import the parameter types only (import type)' },
        ],
      }],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/core/**', 'better-sqlite3', 'node:*'], message: 'preload only bridges the typed API' },
          { group: noValidation, allowTypeImports: true, message: 'preload only bridges the typed API (the main process validates)' },
        ],
      }],
    },
  },
);

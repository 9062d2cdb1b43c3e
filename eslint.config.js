// Lint guards the one rule that breaks Temporal at runtime: workflow code must be deterministic,
// so `workflows/**` may import only @temporalio/workflow, its own files, and types from activities.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', '.bench/**', '.artifacts/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', document: 'readonly', window: 'readonly', EventSource: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The dashboard runs in the browser as plain ES modules: browser globals only, no Node ones.
    files: ['src/dashboard/assets/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly', window: 'readonly', location: 'readonly', localStorage: 'readonly', fetch: 'readonly',
        URLSearchParams: 'readonly', Node: 'readonly', Element: 'readonly', HTMLElement: 'readonly', HTMLButtonElement: 'readonly',
        HTMLInputElement: 'readonly', HTMLSelectElement: 'readonly', HTMLAnchorElement: 'readonly', SVGSVGElement: 'readonly', CSS: 'readonly', crypto: 'readonly',
        globalThis: 'readonly', performance: 'readonly', setTimeout: 'readonly', setInterval: 'readonly', Intl: 'readonly',
        process: 'off', Buffer: 'off', setImmediate: 'off',
      },
    },
    rules: {
      // Views own their state (made by factories); a module-level variable would be shared by all.
      'no-restricted-syntax': ['error',
        { selector: 'Program > VariableDeclaration[kind=/^(let|var)$/]', message: 'No mutable module-level state: keep it in the view that owns it.' },
        { selector: 'Program > ExportNamedDeclaration > VariableDeclaration[kind=/^(let|var)$/]', message: 'No mutable module-level state: keep it in the view that owns it.' },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
          { name: 'pg', message: 'Workflows never touch Postgres: call an activity.' },
          { name: 'hono', message: 'Workflows never serve HTTP.' },
        ],
        patterns: [
          { group: ['pg', 'pg/*', 'pg-*', 'hono', 'hono/*', '@hono/*'], message: 'Workflows do I/O only through activities.' },
          { group: ['**/src/**', '../src/*', '../../src/*'], message: 'Workflows may not import src/**: it is not deterministic code.' },
          { group: ['**/activities/**', '../activities/*'], allowTypeImports: true, message: 'Import activities with `import type` only.' },
          { group: ['@temporalio/*', '!@temporalio/workflow', '!@temporalio/common'], message: 'Workflows import only @temporalio/workflow.' },
        ],
      }],
    },
  },
);

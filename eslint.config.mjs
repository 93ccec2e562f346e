// The layers' rules, checked by `npm run lint` (part of `npm test`). docs/ARCHITECTURE.md
// explains each layer; a rule here is what keeps that page true.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Folders that run only in Node and must never see the editor API. */
const NO_VSCODE = ['src/**', 'webview/**', 'bench/**', 'scripts/**', 'test/unit/**', 'test/integration/**', 'test/e2e/**', 'test/helpers/**'];
const VSCODE_ALLOWED = ['src/extension/**', 'test/vscode/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mjs}'],
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'webview/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Declaration merging types the engine's EventEmitter events.
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      // A `require()` inside a getter is how activation and the CLI defer heavy modules (src/extension/lazy.ts, src/cli/main.ts);
      // no-cycle below follows those requires too.
      '@typescript-eslint/no-require-imports': 'off',
      'import-x/no-cycle': ['error', { ignoreExternal: true, commonjs: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/protocol',
              from: './src',
              except: ['./protocol'],
              message: 'The wire protocol is the bottom layer: it imports nothing else of the project.',
            },
            {
              target: './src/engine',
              from: './src',
              except: ['./engine', './protocol', './version.ts'],
              message: 'The engine imports only src/protocol and src/version (and never vscode): hosts depend on it, not the other way round.',
            },
            {
              target: './src/host',
              from: './src',
              except: ['./host', './engine', './protocol', './worker/ipc.ts', './version.ts'],
              message: 'Node-only host code (worker supervisor, dashboard MCP client) uses the engine, the protocol and the IPC contract, never the editor side.',
            },
            {
              target: './src/embed',
              from: './src',
              except: ['./embed', './engine', './protocol', './version.ts'],
              message: 'The embedding API (mcp-tunnel/embed) is a host of the engine: it uses the engine and the protocol only.',
            },
            {
              target: './src/worker',
              from: './src/extension',
              message: 'The worker and the extension host share only the IPC contract, src/worker/ipc.ts.',
            },
            {
              target: './src/extension',
              from: './src/worker',
              except: ['./ipc.ts'],
              message: 'The extension host and the worker share only the IPC contract, src/worker/ipc.ts.',
            },
            {
              target: './webview',
              from: './src',
              except: ['./engine/events.ts', './engine/eventChecks.ts', './protocol'],
              message: 'Browser code may use only the Node-free engine model (src/engine/events.ts, eventChecks.ts) and src/protocol.',
            },
          ],
        },
      ],
    },
  },
  {
    // Plain Node scripts: test fixtures and bench probes run as CommonJS.
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: NO_VSCODE,
    ignores: VSCODE_ALLOWED,
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/extension may use the editor API; keep this code runnable under plain node.' }] }],
    },
  },
  {
    // What browser code reads must stay free of Node, all the way down.
    files: ['webview/**', 'src/protocol/**', 'src/engine/events.ts', 'src/engine/eventChecks.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'import-x/no-nodejs-modules': 'error' },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      // Tests reach into shapes on purpose (malformed input, private fields).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);

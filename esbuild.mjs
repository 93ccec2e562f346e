// Bundles every entry point. Node entries are self-contained CommonJS files so
// the worker can be forked and the CLI run without node_modules at runtime.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
// --production: minified, no source maps (what the .vsix ships).
const production = process.argv.includes('--production');

const nodeOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  { ...nodeOptions, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...nodeOptions, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...nodeOptions, entryPoints: { worker: 'src/worker/main.ts', 'sample-server': 'src/sample/server.ts' }, outdir: 'dist' },
  // The dashboard runs in a webview (dashboard) and in the daemon's /ui (webui): browser code, one self-contained script and stylesheet each.
  {
    entryPoints: { dashboard: 'webview/dashboard/main.tsx', webui: 'webview/dashboard/webui.tsx' },
    outdir: 'dist/webview',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  },
];

// Codicons (font and stylesheet) load in the webview from their own folder, one of its localResourceRoots.
mkdirSync('dist/codicons', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf']) cpSync(`node_modules/@vscode/codicons/dist/${file}`, `dist/codicons/${file}`);

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

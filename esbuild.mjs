// Bundles every entry point. Node entries are self-contained CommonJS files so
// the worker can be forked and the CLI run without node_modules at runtime.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes('--watch');
// --production: minified, no source maps (what the .vsix ships).
const production = process.argv.includes('--production');
// --metafile: also writes dist/meta/<build>.json and prints what each Node bundle holds, by package.
const metafile = process.argv.includes('--metafile');
const option = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
// --outdir DIR: write there instead of dist/; --only extension: just the two extension files (the benchmark's probe).
const out = option('--outdir') ?? 'dist';
const only = option('--only');

const nodeOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  // Development builds keep their names (stack traces, profiles) but lose comments and
  // whitespace: a long-running tunnel holds its whole bundle's source text in memory
  // (twice its size while a comment carries a non-ASCII character). Source maps map it back.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

// The extension is two files. dist/extension.js holds what activation needs; every
// module the extension loads with a lazy `require()` (src/extension/lazy.ts, the
// admin client) lives in dist/extension-deferred.js, which Node reads the first
// time one of them is used. A module both files import is copied into each, so
// a deferred module must not import state the activation bundle owns (open
// panels, the tree): it is handed what it needs (see ProfileCommandDeps).
const DEFERRED_FILE = './extension-deferred.js';
// Packages that must never be in dist/extension.js: they are why it is split.
const DEFERRED_ONLY = ['undici', 'zod', 'yaml', 'fflate'];

/** The deferred modules, by path from the root without extension ("src/profiles/schema"). */
const deferred = new Set();

/** Turns the extension's lazy `require('./x')` of a project module into a read of the deferred file. */
const deferRequires = {
  name: 'defer-lazy-requires',
  setup(build) {
    build.onResolve({ filter: /^\./ }, async (args) => {
      if (args.namespace === 'deferred') return { path: DEFERRED_FILE, external: true };
      if (args.kind !== 'require-call' || !resolve(args.importer).startsWith(resolve(ROOT, 'src'))) return undefined;
      const found = await build.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, pluginData: 'defer' });
      if (found.errors.length > 0 || found.path.includes('node_modules')) return undefined;
      const key = relative(ROOT, found.path).replace(/\\/g, '/').replace(/\.tsx?$/, '');
      deferred.add(key);
      return { path: key, namespace: 'deferred' };
    });
    build.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(DEFERRED_FILE)})[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
  },
};

/** The deferred file: each module evaluated on first access, as a bundled lazy require would be. */
const deferredEntry = () => ({
  contents: [...deferred]
    .sort()
    .map((key) => `Object.defineProperty(exports, ${JSON.stringify(key)}, { enumerable: true, get: () => require(${JSON.stringify(`./${key}`)}) });`)
    .join('\n'),
  resolveDir: ROOT,
  sourcefile: 'extension-deferred.js',
  loader: 'js',
});

const extension = { ...nodeOptions, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: out, external: ['vscode'], plugins: [deferRequires] };
const extensionDeferred = () => ({ ...nodeOptions, stdin: deferredEntry(), outfile: `${out}/extension-deferred.js`, external: ['vscode'] });

const builds = [
  { ...nodeOptions, entryPoints: { cli: 'src/cli/main.ts' }, outdir: out, banner: { js: '#!/usr/bin/env node' } },
  // relay.js: `mcp-tunnel relay` alone, which the editor forks for a loopback tunnel (the .vsix ships it, not cli.js).
  { ...nodeOptions, entryPoints: { worker: 'src/worker/main.ts', relay: 'src/cli/relayMain.ts', 'sample-server': 'src/sample/server.ts' }, outdir: out },
  // mcp-tunnel/embed: the tunnel inside a Node MCP server's own process (package.json "exports").
  { ...nodeOptions, entryPoints: { embed: 'src/embed/index.ts' }, outdir: out },
  // The dashboard runs in a webview (dashboard) and in the daemon's /ui (webui): browser code, one self-contained script and stylesheet each.
  {
    entryPoints: { dashboard: 'webview/dashboard/main.tsx', webui: 'webview/dashboard/webui.tsx' },
    outdir: `${out}/webview`,
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

/** Fails the build when a package that belongs in the deferred file reached dist/extension.js. */
function checkActivationBundle(result) {
  const inputs = Object.values(result.metafile.outputs).find((output) => output.entryPoint === 'src/extension/extension.ts').inputs;
  const leaked = DEFERRED_ONLY.filter((pkg) => Object.keys(inputs).some((file) => file.includes(`node_modules/${pkg}/`)));
  if (leaked.length > 0) {
    throw new Error(`dist/extension.js now contains ${leaked.join(', ')}: a module activation imports statically reaches it; load that module with a lazy require() (src/extension/lazy.ts) instead`);
  }
}

/** One line per bundle, then its largest parts by package or source folder. */
function report(name, result) {
  mkdirSync(`${out}/meta`, { recursive: true });
  writeFileSync(`${out}/meta/${name}.json`, JSON.stringify(result.metafile));
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const parts = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const part = pkg ? pkg[1] : input.split('/').slice(0, input.startsWith('src/') ? 2 : 1).join('/');
      parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
    }
    const top = [...parts].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log(`${file}  ${(output.bytes / 1024).toFixed(0)} KiB: ${top.map(([part, bytes]) => `${part} ${(bytes / 1024).toFixed(0)}`).join(', ')}`);
  }
}

// Codicons (font and stylesheet) load in the webview from their own folder, one of its localResourceRoots.
if (only !== 'extension') {
  mkdirSync(`${out}/codicons`, { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) cpSync(`node_modules/@vscode/codicons/dist/${file}`, `${out}/codicons/${file}`);
}

if (watch) {
  // The deferred file's entry is what the first extension build found; a new lazy require() needs a restart.
  const core = await esbuild.context({ ...extension, metafile: true });
  await core.rebuild();
  for (const options of [...builds, extensionDeferred()]) await (await esbuild.context(options)).watch();
  await core.watch();
} else {
  const names = ['cli', 'worker', 'embed', 'webview'];
  if (names.length !== builds.length) throw new Error('esbuild.mjs: name every entry of builds, or it is not built');
  const named = only === 'extension' ? [] : builds.map((options, i) => [names[i], options]);
  const extensionBuilds = (async () => {
    const core = await esbuild.build({ ...extension, metafile: true });
    checkActivationBundle(core);
    const rest = await esbuild.build({ ...extensionDeferred(), metafile });
    return [['extension', core], ['extension-deferred', rest]];
  })();
  const results = [...(await Promise.all(named.map(async ([name, options]) => [name, await esbuild.build({ ...options, metafile })]))), ...(await extensionBuilds)];
  if (metafile) for (const [name, result] of results) report(name, result);
}

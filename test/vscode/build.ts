/**
 * Bundles the in-host suite with esbuild: mocha, the tests and what they
 * import from src/ (the relay) in one CommonJS file, `vscode` left to the
 * extension host. Two shapes: the suite alone (test-electron's
 * extensionTestsPath) and the test-only extension of the code-server run.
 */
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SUITE_DIR = path.join(__dirname, 'suite');

/** Manifest of the test-only extension; its `main` is what `bundleTestExtension` returns. */
export const TEST_EXTENSION_MANIFEST = {
  name: 'mcp-tunnel-inhost-tests',
  displayName: 'MCP Tunnel In-Host Tests',
  description: 'Runs the MCP Tunnel in-host test suite. For the project CI only; never shipped.',
  publisher: 'mcp-tunnel-tests',
  version: '0.0.1',
  license: 'Apache-2.0',
  private: true,
  engines: { vscode: '^1.100.0' },
  main: './extension.js',
  contributes: {
    commands: [{ command: 'mcpTunnelInHost.run', title: 'Run In-Host Tests', category: 'MCP Tunnel Tests' }],
  },
};

/** Resolves `inhost:tests` to a module that requires every suite/*.test.ts, in name order. */
const testsModule: esbuild.Plugin = {
  name: 'inhost-tests',
  setup(build) {
    build.onResolve({ filter: /^inhost:tests$/ }, () => ({ path: 'inhost:tests', namespace: 'inhost' }));
    build.onLoad({ filter: /.*/, namespace: 'inhost' }, () => {
      const files = readdirSync(SUITE_DIR).filter((f) => f.endsWith('.test.ts')).sort();
      if (files.length === 0) throw new Error(`no *.test.ts in ${SUITE_DIR}`);
      // require(), not import: esbuild then evaluates each file only when loadTests runs.
      const body = files.map((f) => `  require(${JSON.stringify(path.join(SUITE_DIR, f))});`).join('\n');
      return { contents: `export function loadTests() {\n${body}\n}\n`, loader: 'ts', resolveDir: SUITE_DIR, watchFiles: files.map((f) => path.join(SUITE_DIR, f)) };
    });
  },
};

async function bundle(entry: string, outFile?: string): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    keepNames: true,
    // The suite runs on this machine: it starts the repository's own build of the sample MCP server.
    define: { SAMPLE_SERVER: JSON.stringify(path.join(REPO_ROOT, 'dist', 'sample-server.js')) },
    plugins: [testsModule],
    // mocha's parallel mode requires files esbuild cannot bundle; the suite runs serially.
    logOverride: { 'require-resolve-not-external': 'silent' },
    logLevel: 'error',
    absWorkingDir: REPO_ROOT,
    write: outFile !== undefined,
    ...(outFile ? { outfile: outFile } : { outdir: 'out' }),
  });
  return outFile ?? result.outputFiles![0]!.text;
}

/** Writes the suite for @vscode/test-electron to `outFile`; returns that path. */
export function bundleSuite(outFile: string): Promise<string> {
  return bundle(path.join(SUITE_DIR, 'index.ts'), outFile);
}

/** The test-only extension's main file, as text. */
export function bundleTestExtension(): Promise<string> {
  return bundle(path.join(__dirname, 'host', 'extension.ts'));
}

/**
 * `npm run test:vscode`: the in-host suite in a desktop VS Code 1.100 that
 * @vscode/test-electron downloads, with MCP Tunnel loaded from this folder
 * (extensionDevelopmentPath). Needs a machine that can download VS Code, and
 * a display (xvfb-run on a headless Linux box). Where VS Code cannot be
 * downloaded, test/e2e/inhost.e2e.ts runs the same suite in code-server.
 */
import { runTests } from '@vscode/test-electron';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './build';
import { prepareInHostRun } from './prepare';

/** The editor the extension targets (engines.vscode ^1.100.0); VSCODE_TEST_VERSION picks another. */
const VSCODE_VERSION = process.env.VSCODE_TEST_VERSION ?? '1.100.3';

async function main(): Promise<void> {
  // dist/extension.js, dist/worker.js and dist/sample-server.js are what the editor loads and forks.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-vscode-test-'));
  try {
    const { suite, workspace } = await prepareInHostRun(path.join(temp, 'workspace'));
    await runTests({
      version: VSCODE_VERSION,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: suite,
      launchArgs: [
        workspace,
        // No other extension: only MCP Tunnel's commands, views and messages.
        '--disable-extensions',
        // A fresh profile every run: no settings or clipboard left from the last one.
        '--user-data-dir',
        path.join(temp, 'user-data'),
      ],
    });
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

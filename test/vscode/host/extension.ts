/**
 * The test-only extension of the code-server run: installed next to MCP
 * Tunnel (never inside its .vsix), it runs the in-host suite in the shared
 * extension host and writes the results as JSON where the env var says.
 */
import * as vscode from 'vscode';
import { writeFileSync, renameSync } from 'node:fs';
import { RESULTS_ENV, type InHostResults } from '../fixture';
import { runSuite } from '../suite/index';

export function activate(context: vscode.ExtensionContext): void {
  const file = process.env[RESULTS_ENV];
  context.subscriptions.push(
    vscode.commands.registerCommand('mcpTunnelInHost.run', async () => {
      let results: InHostResults;
      try {
        results = await runSuite();
      } catch (err) {
        results = { passed: 0, failed: 0, pending: 0, tests: [], error: (err as Error).stack ?? String(err), vscodeVersion: vscode.version };
      }
      if (!file) throw new Error(`${RESULTS_ENV} is not set: nowhere to write the in-host results`);
      // Written whole, then renamed: a reader never sees half a file.
      writeFileSync(`${file}.partial`, JSON.stringify(results, null, 2));
      renameSync(`${file}.partial`, file);
    }),
  );
}

export function deactivate(): void {}

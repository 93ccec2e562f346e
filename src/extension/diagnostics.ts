/**
 * Export Diagnostics…: the diagnostics bundle (a zip, see
 * engine/supportBundle.ts) a user can attach to a report, with the versions,
 * settings, profiles, tunnel states, recent trace metadata and logs, secrets
 * redacted and payloads left out.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import { redactValue } from '../engine/redact';
import { buildSupportBundle, DEFAULT_EXPORT_MINUTES } from '../engine/supportBundle';
import type { ProfileEntry } from './profiles';
import { exportFolder } from './exportLocation';
import { editorSettings } from './settings';
import type { TunnelManager } from './tunnels';

/** A file name in the export folder (outside every workspace folder, see exportLocation.ts). */
export function exportDefaultUri(fileName: string): vscode.Uri {
  const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const folder = exportFolder({ home: os.homedir(), tmp: os.tmpdir(), workspaceFolders, exists: existsSync });
  return vscode.Uri.joinPath(vscode.Uri.file(folder), fileName);
}

export async function exportDiagnostics(profiles: readonly ProfileEntry[], tunnels: TunnelManager): Promise<void> {
  const uri = await vscode.window.showSaveDialog({
    title: 'Export MCP Tunnel diagnostics',
    defaultUri: exportDefaultUri(`mcp-tunnel-diagnostics-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.zip`),
    filters: { 'Zip archive': ['zip'] },
  });
  if (!uri) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'MCP Tunnel: exporting diagnostics…' }, async () => {
    const status = {
      profiles: profiles.map((e) => ({ name: e.name, scope: e.scope, error: e.error, blocked: e.blockedReason })),
      tunnels: tunnels.runningNames().map((name) => {
        const view = tunnels.get(name)!;
        return {
          name,
          phase: view.phase,
          status: view.status,
          metrics: view.metrics,
          lastError: view.lastError,
          // Payloads never leave the machine in a diagnostics bundle.
          recentTrace: tunnels.traces(name).slice(-200).map(({ request: _r, response: _s, notificationPayloads: _n, ...rest }) => rest),
        };
      }),
    };
    const bundle = buildSupportBundle({
      host: 'editor',
      minutes: DEFAULT_EXPORT_MINUTES,
      logs: tunnels.recentLogs(),
      status,
      config: {
        argv: process.argv,
        env: process.env,
        profile: profiles.map((e) => ({ name: e.name, scope: e.scope, profile: redactValue(e.raw) })),
        settings: editorSettings(),
      },
      system: { vscode: vscode.version },
    });
    await writeFile(uri.fsPath, bundle.bytes, { mode: 0o600 });
  });
  const action = await vscode.window.showInformationMessage(`Diagnostics saved to ${uri.fsPath} (secrets and payloads left out).`, 'Reveal');
  if (action === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', uri);
}

/**
 * Activation: register views and commands and read settings. No engine work
 * happens here; tunnels run in forked workers.
 */
import * as vscode from 'vscode';
import type { ServerSource } from './addProfile';
import { lazy } from './lazy';
import { Controller, logLevelSetting } from './controller';
import { DashboardPanel, DashboardSerializer } from './dashboard/panel';
import { DoctorReports } from './doctorView';
import { DASHBOARD_VIEW_TYPE } from '../../webview/protocol';
import { editorSettings, SETTINGS_SECTION } from './settings';
import { ApiKeys } from './secrets';
import { TunnelAdmin } from './admin';
import { ConnectGuides } from './connect';
import { SettingsDiagnostics } from './settingsDiagnostics';
import { TunnelStatusBar } from './statusBar';
import { ReportDocuments, SCHEME } from './documents';
import { TunnelTree } from './tree';
import { TunnelManager } from './tunnels';
import type { ProfileEntry } from './profiles';

let controller: Controller | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('MCP Tunnel', { log: true });
  const tunnels = new TunnelManager(context.asAbsolutePath('dist/worker.js'), log, logLevelSetting());
  const keys = new ApiKeys(context.secrets);
  const docs = new DoctorReports(context.extensionUri);
  const documents = new ReportDocuments();
  const ctl = new Controller(context, tunnels, keys, log, docs, documents);
  controller = ctl;
  const tree = new TunnelTree(tunnels, () => ctl.profiles(), (name) => ctl.loopback(name));
  const statusBar = new TunnelStatusBar(tunnels, () => ctl.profiles());
  const view = vscode.window.createTreeView('mcpTunnel.profiles', { treeDataProvider: tree, showCollapseAll: false });
  const diagnostics = new SettingsDiagnostics(vscode.Uri.joinPath(context.globalStorageUri, '..', '..', 'settings.json'));

  const reloadProfiles = () => {
    const previous = ctl.lastRead();
    ctl.reload();
    tree.reload();
    statusBar.update();
    void diagnostics.update(ctl.profiles());
    return previous;
  };

  const command = (id: string, run: (...args: unknown[]) => unknown) =>
    vscode.commands.registerCommand(`mcpTunnel.${id}`, async (...args: unknown[]) => {
      try {
        await run(...args);
      } catch (err) {
        try {
          log.error(`command ${id} failed: ${(err as Error).message}`);
        } catch {
          // The window is closing (its output channel is gone): nobody is there to tell.
          return;
        }
        const action = await vscode.window.showErrorMessage(`MCP Tunnel: ${(err as Error).message}`, 'Show Logs');
        if (action) log.show();
      }
    });
  const admin = new TunnelAdmin(context.secrets, context.globalState, log);
  const guides = new ConnectGuides(tunnels, admin, context.globalState, () => ctl.profiles());
  const usedBy = (tunnelId: string) => ctl.profiles().filter((e) => e.profile?.controlPlane.tunnelId === tunnelId).map((e) => e.name);
  const add = (preset?: ServerSource) => lazy.addProfile().addProfile(keys, ctl.profiles(), preset, admin);
  const profileCommandDeps = {
    keys,
    tunnels,
    profiles: () => ctl.profiles(),
    reload: () => {
      reloadProfiles();
      return ctl.profiles();
    },
    pick: (arg: unknown, placeHolder: string) => ctl.pick(arg, placeHolder),
    stopName: (name: string) => ctl.stopName(name),
    runsOnLoopback: (name: string) => ctl.runsOnLoopback(name),
    startEntry: (entry: ProfileEntry, _override?: undefined, quiet?: boolean) => ctl.startEntry(entry, undefined, quiet),
    startLoopbackEntry: (entry: ProfileEntry, quiet?: boolean) => ctl.startLoopbackEntry(entry, quiet),
  };

  context.subscriptions.push(
    log,
    tunnels,
    docs,
    documents,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents),
    ctl,
    tree,
    statusBar,
    view,
    diagnostics,
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, new DashboardSerializer(ctl.dashboards)),
    { dispose: () => DashboardPanel.disposeAll() },
    command('start', (arg) => ctl.start(arg)),
    command('stop', (arg) => ctl.stop(arg)),
    command('restart', (arg) => ctl.restart(arg)),
    command('startAll', () => ctl.startAll()),
    command('stopAll', () => ctl.stopAll()),
    command('openDashboard', (arg) => ctl.dashboard(arg)),
    command('runDoctor', (arg) => ctl.doctor(arg)),
    command('addProfile', () => add()),
    command('importFromMcpJson', () => add('mcpJson')),
    command('importFromCodex', () => add('codex')),
    command('removeProfile', (arg) => lazy.profileCommands().removeProfile(profileCommandDeps, arg)),
    command('renameProfile', (arg) => lazy.profileCommands().renameProfile(profileCommandDeps, arg)),
    command('duplicateProfile', (arg) => lazy.profileCommands().duplicateProfile(profileCommandDeps, arg)),
    command('editProfiles', (arg, occurrence) => ctl.editProfiles(arg, typeof occurrence === 'number' ? occurrence : 1)),
    command('setApiKey', (arg) => ctl.setApiKey(arg)),
    guides,
    command('setAdminKey', () => admin.setKey()),
    command('clearAdminKey', () => admin.clearKey()),
    command('createTunnel', () => admin.createTunnel()),
    command('manageTunnels', () => admin.manageTunnels(usedBy)),
    command('connectGuide', async (arg) => {
      const entry = await ctl.pick(arg, 'Connect which profile to ChatGPT / Codex?');
      if (entry) await guides.show(entry.name, false);
    }),
    command('clearApiKey', (arg) => ctl.clearApiKey(arg)),
    command('copyTunnelId', (arg) => ctl.copyTunnelId(arg)),
    command('showLogs', () => log.show()),
    command('showServerOutput', async (arg) => {
      const entry = await ctl.pick(arg, 'Show the MCP server output of which profile?');
      if (entry) tunnels.serverOutput(entry.name).show();
    }),
    command('setLogLevel', () => ctl.setLogLevel()),
    command('startLoopback', (arg) => ctl.startLoopback(arg)),
    command('exportDiagnostics', () => ctl.exportDiagnostics()),
    command('statusMenu', () => ctl.statusMenu()),
    command('copyMcpUrl', (arg) => ctl.endpoints.copyUrl(arg)),
    command('copyToken', (arg) => ctl.endpoints.copyToken(arg)),
    command('copyCurl', (arg) => ctl.endpoints.copyCurl(arg)),
    command('addToVsCodeMcp', (arg) => ctl.endpoints.addToVsCode(arg)),
    command('removeFromVsCodeMcp', (arg) => ctl.endpoints.removeFromVsCode(arg)),
    command('addToCodex', (arg) => ctl.endpoints.addToCodex(arg)),
    command('removeFromCodex', (arg) => ctl.endpoints.removeFromCodex(arg)),
    ctl.onDidChangeEndpoint((name) => tree.refreshProfile(name, true)),
    command('refresh', () => reloadProfiles()),
    tunnels.onDidChange((c) => {
      if (c.kind === 'lifecycle') ctl.updateRunningContext();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SETTINGS_SECTION}.profiles`)) ctl.onProfilesChanged(reloadProfiles());
      if (e.affectsConfiguration(`${SETTINGS_SECTION}.logLevel`)) ctl.applyLogLevel();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => reloadProfiles()),
  );
  ctl.updateRunningContext();
  void admin.updateContext();

  // Reading and validating profiles loads the schema: done right after activation, not during it.
  setTimeout(() => {
    reloadProfiles();
    // What ran before a reload first (in its own mode: a loopback again on a relay), then autoStart's hosted rest.
    void ctl.restoreRunning().then(() => (editorSettings().autoStart ? ctl.startAll() : undefined));
  }, 0);
}

export async function deactivate(): Promise<void> {
  await controller?.tunnels.stopAll();
  controller = undefined;
}

/**
 * What the commands do. Long operations show progress and end in a
 * notification with a next step; every failure names what to do.
 */
import * as vscode from 'vscode';
import type { ChildProcess } from 'node:child_process';
import type { EngineConfig } from '../engine/config';
import { LOG_LEVELS, type LogLevel } from '../engine/log';
import { TUNNEL_ID_PATTERN } from '../protocol/wire';
import { startRelayProcess, type RelayProcess } from '../host/relayProcess';
import { DashboardPanel, type DashboardDeps } from './dashboard/panel';
import type { DoctorReports } from './doctorView';
import { pickProfile } from './pick';
import { readProfiles, type ProfileEntry } from './profiles';
import { editorSettings, updateEditorSetting } from './settings';
import { lazy } from './lazy';
import type { ApiKeys } from './secrets';
import { exportDiagnostics } from './diagnostics';
import type { ReportDocuments } from './documents';
import { EndpointActions } from './endpoint/actions';
import { authModeText, type LoopbackEndpoint } from './endpoint/endpoint';
import { RunningMemory, toRestore } from './restore';
import { presentState } from './tree';
import type { TunnelManager } from './tunnels';

const READY_WAIT_MS = 20_000;

interface Loopback {
  relay: ChildProcess;
  endpoint: LoopbackEndpoint;
  tunnelId: string;
  baseUrl: string;
  /** The key the relay accepts (for Doctor's checks). */
  apiKey: string;
}

export class Controller implements vscode.Disposable {
  private entries: ProfileEntry[] = [];
  private loaded = false;
  private readonly loopbacks = new Map<string, Loopback>();
  private readonly endpointChanges = new vscode.EventEmitter<string>();
  /** A loopback's front door became ready or went away (fires the profile's name). */
  readonly onDidChangeEndpoint = this.endpointChanges.event;
  /** Copy, Add to … and Remove from … of the running loopbacks' front doors. */
  readonly endpoints: EndpointActions;
  /** What dashboard panels need from here; also handed to the panel serializer. */
  readonly dashboards: DashboardDeps;
  private readonly running: RunningMemory;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly tunnels: TunnelManager,
    private readonly keys: ApiKeys,
    private readonly log: vscode.LogOutputChannel,
    private readonly docs: DoctorReports,
    documents: ReportDocuments,
  ) {
    this.endpoints = new EndpointActions(() => [...this.loopbacks.values()].map((l) => l.endpoint), log, documents);
    this.running = new RunningMemory(context.workspaceState);
    this.dashboards = { extensionUri: context.extensionUri, tunnels, profiles: () => this.profiles(), loopback: (name) => this.loopback(name), log };
  }

  /** The profiles as last read, without reading them (empty before the first read). */
  lastRead(): ProfileEntry[] {
    return this.entries;
  }

  /** Profiles from settings, validated on first use rather than during activation. */
  profiles(): ProfileEntry[] {
    return this.loaded ? this.entries : this.reload();
  }

  reload(): ProfileEntry[] {
    this.entries = readProfiles();
    this.loaded = true;
    this.updateRunningContext();
    return this.entries;
  }

  /**
   * The context keys menus and the palette read: how many profiles there
   * are and run, and whether any is left to start. An invalid or blocked
   * profile (Restricted Mode) counts as one: its Start says why it cannot run.
   */
  updateRunningContext(): void {
    const entries = this.entries;
    const startable = entries.filter((e) => !this.tunnels.isRunning(e.name));
    const set = (key: string, value: unknown) => void vscode.commands.executeCommand('setContext', `mcpTunnel.${key}`, value);
    set('profileCount', entries.length);
    set('hasProfiles', entries.length > 0);
    set('runningCount', this.tunnels.runningNames().length);
    set('allRunning', entries.length > 0 && startable.length === 0);
  }

  private settings() {
    const settings = editorSettings();
    return { capture: settings['trace.capturePayloads'], maxEntries: settings['trace.maxEntries'], logLevel: settings.logLevel };
  }

  pick(arg: unknown, placeHolder: string, filter?: (e: ProfileEntry) => boolean, noneFits?: string): Promise<ProfileEntry | undefined> {
    return pickProfile(arg, this.profiles(), this.tunnels, placeHolder, filter, noneFits);
  }

  // ── start / stop ─────────────────────────────────────────────────────────

  async start(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Start which tunnel?', (e) => !this.tunnels.isRunning(e.name), 'Every tunnel profile is running already.');
    if (entry) await this.startEntry(entry);
  }

  /**
   * Starts a profile; a loopback profile with a relay of its own.
   * `override` adjusts the resolved config; `apiKey` replaces the profile's key (a loopback needs none of its own).
   */
  async startEntry(entry: ProfileEntry, override?: (config: EngineConfig) => void, quiet = false, apiKey?: string): Promise<boolean> {
    if (this.tunnels.isRunning(entry.name)) return true;
    if (entry.loopback && !override && !entry.error) return this.startLoopbackEntry(entry, quiet);
    if (entry.error) {
      void this.offer(vscode.window.showErrorMessage(`Tunnel profile "${entry.name}" is invalid: ${entry.error}`, 'Edit Profiles'));
      return false;
    }
    if (entry.blockedReason) {
      void vscode.window.showWarningMessage(entry.blockedReason, 'Manage Workspace Trust').then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
      return false;
    }
    const { capture, maxEntries } = this.settings();
    return vscode.window.withProgress(
      { location: quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification, title: `MCP Tunnel: starting "${entry.name}"`, cancellable: true },
      async (progress, token) => {
        let config: EngineConfig;
        try {
          progress.report({ message: 'reading the profile and its key…' });
          const resolved = await lazy.resolveConfig().resolveForEditor(entry, this.keys, capture, maxEntries, apiKey);
          config = resolved.config;
          override?.(config);
          for (const w of resolved.warnings) this.log.warn(`[${entry.name}] ${w}`);
        } catch (err) {
          const message = (err as Error).message;
          this.log.error(`[${entry.name}] cannot start: ${message}`);
          const keyProblem = /api.?key|CONTROL_PLANE_API_KEY|secret/i.test(message);
          void this.offer(vscode.window.showErrorMessage(`Cannot start "${entry.name}": ${message}`, ...(keyProblem ? ['Set API Key…'] : []), 'Run Doctor', 'Show Logs'), entry.name);
          return false;
        }
        try {
          progress.report({ message: 'starting the tunnel worker…' });
          await this.tunnels.start(entry.name, config, token);
        } catch (err) {
          if (token.isCancellationRequested) return false;
          this.log.error(`[${entry.name}] worker failed to start: ${(err as Error).message}`);
          void this.offer(vscode.window.showErrorMessage(`Tunnel "${entry.name}" failed to start: ${(err as Error).message}`, 'Show Logs', 'Run Doctor'), entry.name);
          return false;
        } finally {
          this.updateRunningContext();
        }
        progress.report({ message: 'waiting for the control plane and the MCP server… (first runs through npx may take a while)' });
        const outcome = await this.waitReady(entry.name, token);
        if (outcome !== 'cancelled') void this.running.remember(entry.name, apiKey !== undefined);
        if (outcome === 'ready') {
          this.log.info(`[${entry.name}] tunnel ready`);
          return true;
        }
        const view = this.tunnels.get(entry.name);
        const reason = view?.status?.reason ?? view?.lastError ?? 'not ready yet';
        if (outcome === 'auth') {
          void this.offer(vscode.window.showErrorMessage(`Tunnel "${entry.name}": ${reason}`, 'Set API Key…', 'Run Doctor'), entry.name);
        } else if (outcome === 'timeout') {
          void this.offer(vscode.window.showWarningMessage(`Tunnel "${entry.name}" is running but not ready: ${reason}`, 'Show Logs', 'Run Doctor'), entry.name);
        }
        return outcome !== 'cancelled';
      },
    );
  }

  /** Waits for the first ready (or an auth error, or cancellation). */
  private waitReady(name: string, token: vscode.CancellationToken): Promise<'ready' | 'auth' | 'timeout' | 'cancelled'> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const view = this.tunnels.get(name);
        if (!view) return done('cancelled');
        if (view.status?.state === 'ready') return done('ready');
        if (view.status?.state === 'auth_error') return done('auth');
        if (view.phase === 'crashed') return done('timeout');
        return false;
      };
      const sub = this.tunnels.onDidChange((c) => c.name === name && c.kind !== 'metrics' && check());
      const cancel = token.onCancellationRequested(() => done('cancelled'));
      const timer = setTimeout(() => done('timeout'), READY_WAIT_MS);
      function done(result: 'ready' | 'auth' | 'timeout' | 'cancelled'): boolean {
        sub.dispose();
        cancel.dispose();
        clearTimeout(timer);
        resolve(result);
        return true;
      }
      check();
    });
  }

  async stop(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Stop which tunnel?', (e) => this.tunnels.isRunning(e.name), 'No tunnel is running.');
    if (!entry) return;
    await this.stopName(entry.name);
  }

  /** Stops a tunnel as the user asked: it will not come back after a reload. */
  async stopName(name: string): Promise<void> {
    void this.running.forget(name);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Stopping "${name}"` }, () => this.tunnels.stop(name));
    this.dropLoopback(name);
    this.updateRunningContext();
  }

  private loopbackControlPlane(name: string): { baseUrl: string; tunnelId: string } | undefined {
    const loop = this.loopbacks.get(name);
    return loop && { baseUrl: loop.baseUrl, tunnelId: loop.tunnelId };
  }

  /** Whether the profile runs against a relay the editor started for it. */
  runsOnLoopback(name: string): boolean {
    return this.loopbacks.has(name);
  }

  async restart(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Restart which tunnel?', (e) => this.tunnels.isRunning(e.name), 'No tunnel is running.');
    if (!entry) return;
    // A tunnel started with Start Loopback comes back on a relay again, not on its hosted control plane.
    const loopback = this.loopbacks.has(entry.name);
    await this.stopName(entry.name);
    const current = this.profiles().find((e) => e.name === entry.name) ?? entry;
    await (loopback ? this.startLoopbackEntry(current) : this.startEntry(current));
  }

  /**
   * Starts again what ran before the window reloaded, as
   * `mcpTunnel.restoreRunningTunnels` allows; quietly, as autoStart does.
   */
  async restoreRunning(): Promise<void> {
    const entries = this.profiles();
    const records = toRestore(this.running.list(), editorSettings().restoreRunningTunnels, new Set(entries.map((e) => e.name)));
    await Promise.all(
      records.map((r) => {
        const entry = entries.find((e) => e.name === r.name)!;
        if (this.tunnels.isRunning(entry.name)) return true;
        this.log.info(`[${entry.name}] restarting: it was running before the window reloaded`);
        return r.loopback ? this.startLoopbackEntry(entry, true) : this.startEntry(entry, undefined, true);
      }),
    );
  }

  async startAll(): Promise<void> {
    const startable = this.profiles().filter((e) => !e.error && !e.blockedReason && !this.tunnels.isRunning(e.name));
    await Promise.all(startable.map((e) => this.startEntry(e, undefined, true)));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.tunnels.runningNames().map((n) => this.stopName(n)));
  }

  /** Settings changed while tunnels run: offer a restart of those whose profile changed. */
  onProfilesChanged(previous: ProfileEntry[]): void {
    for (const entry of this.profiles()) {
      if (!this.tunnels.isRunning(entry.name)) continue;
      const before = previous.find((p) => p.name === entry.name);
      if (before && JSON.stringify(before.raw) !== JSON.stringify(entry.raw)) {
        void vscode.window.showInformationMessage(`Tunnel profile "${entry.name}" changed. Restart the tunnel to apply it?`, 'Restart').then((a) => {
          if (a) void this.restart(entry.name);
        });
      }
    }
  }

  // ── keys ─────────────────────────────────────────────────────────────────

  async setApiKey(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Set the API key of which profile?');
    if (!entry) return;
    const key = await vscode.window.showInputBox({
      title: `API key for "${entry.name}"`,
      prompt: 'A runtime API key with the Tunnels Read + Use permissions. It is kept in VS Code secret storage, never in settings.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => {
        if (!v.trim()) return 'Paste the key, or press Escape to cancel';
        if (/\s/.test(v.trim())) return 'A key has no spaces or line breaks';
        if (v.startsWith('sk-admin-')) return 'This is an admin key: create a runtime key with Tunnels Read + Use instead';
        return undefined;
      },
    });
    if (!key) return;
    await this.keys.set(entry.name, key.trim());
    this.log.info(`[${entry.name}] API key saved to secret storage`);
    const ref = (entry.raw.controlPlane as { apiKey?: string } | undefined)?.apiKey;
    const note = ref ? ` Note: the profile's apiKey "${ref.split(':')[0]}:…" reference takes precedence; remove it to use the stored key.` : '';
    if (this.tunnels.isRunning(entry.name)) {
      const a = await vscode.window.showInformationMessage(`API key for "${entry.name}" saved. Restart the tunnel to use it?${note}`, 'Restart');
      if (a) await this.restart(entry.name);
    } else {
      void vscode.window.showInformationMessage(`API key for "${entry.name}" saved to secret storage.${note}`);
    }
  }

  async clearApiKey(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Clear the API key of which profile?');
    if (!entry) return;
    const yes = await vscode.window.showWarningMessage(`Remove the stored API key of "${entry.name}"?`, { modal: true }, 'Remove');
    if (yes !== 'Remove') return;
    await this.keys.clear(entry.name);
    void vscode.window.showInformationMessage(`API key of "${entry.name}" removed from secret storage.`);
  }

  async copyTunnelId(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Copy the tunnel id of which profile?');
    if (!entry) return;
    const loop = this.loopbacks.get(entry.name);
    if (!loop && entry.loopback) {
      void vscode.window.showInformationMessage(`"${entry.name}" runs on this machine only: its tunnel id is the one of the relay the editor starts, so it has one only while it runs.`);
      return;
    }
    const id = loop?.tunnelId ?? entry.profile?.controlPlane.tunnelId ?? (entry.raw.controlPlane as { tunnelId?: string } | undefined)?.tunnelId;
    if (!id || !TUNNEL_ID_PATTERN.test(id)) {
      void vscode.window.showWarningMessage(`Profile "${entry.name}" has no valid tunnel id yet.`, 'Edit Profiles').then((a) => a && this.editProfiles());
      return;
    }
    await vscode.env.clipboard.writeText(id);
    void vscode.window.setStatusBarMessage(`Copied ${id}`, 3000);
  }

  // ── settings, logs ───────────────────────────────────────────────────────

  /** Opens the settings file that holds the profile, at the profile (its `occurrence`-th entry of that name). */
  async editProfiles(arg?: unknown, occurrence = 1): Promise<void> {
    const entry = typeof arg === 'string' || arg ? await this.pick(arg, 'Edit which profile?') : undefined;
    if (entry?.scope === 'workspace' || (!entry && this.profiles().some((e) => e.scope === 'workspace'))) {
      await vscode.commands.executeCommand('workbench.action.openWorkspaceSettingsFile', { revealSetting: { key: 'mcpTunnel.profiles', edit: true } });
    } else {
      await vscode.commands.executeCommand('workbench.action.openSettingsJson', { revealSetting: { key: 'mcpTunnel.profiles', edit: true } });
    }
    const editor = vscode.window.activeTextEditor;
    if (!entry || !editor) return;
    const text = editor.document.getText();
    const pattern = new RegExp(`"name"\\s*:\\s*${JSON.stringify(entry.name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'g');
    let match: RegExpExecArray | null = null;
    for (let n = 0; n < occurrence; n++) {
      const next = pattern.exec(text);
      if (!next) break;
      match = next;
    }
    if (!match) return;
    const start = editor.document.positionAt(match.index);
    const end = editor.document.positionAt(match.index + match[0].length);
    editor.selection = new vscode.Selection(start, end);
    editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  async setLogLevel(): Promise<void> {
    const current = logLevelSetting();
    const picked = await vscode.window.showQuickPick(
      LOG_LEVELS.map((l) => ({ label: l, description: l === current ? 'current' : undefined })),
      { placeHolder: 'Log level of running and future tunnels (applies at once, no restart)' },
    );
    if (!picked) return;
    await updateEditorSetting('logLevel', picked.label as LogLevel);
  }

  applyLogLevel(): void {
    const level = logLevelSetting();
    this.tunnels.setLogLevel(level);
    this.log.info(`log level set to ${level}`);
  }

  // ── doctor, dashboard, diagnostics ───────────────────────────────────────

  async doctor(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Check which profile?');
    if (!entry) return;
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MCP Tunnel: checking "${entry.name}"…` },
      async () => {
        // Doctor checks what would run: a server named from .vscode/mcp.json is checked as that entry.
        let profile: unknown = entry.raw;
        if (entry.profile) profile = await lazy.resolveConfig().expandMcpJsonReferences(entry.profile, this.keys).catch(() => entry.raw);
        // The health port the editor really uses: a free one unless the profile names one, and a running tunnel's own.
        const health = { listenAddr: lazy.resolveConfig().editorHealthListenAddr(entry), runningUrl: this.tunnels.get(entry.name)?.status?.healthUrl };
        if (!entry.loopback || !entry.profile) return lazy.doctor().runDoctor({ profile, env: process.env, secretStore: this.keys.asSecretStore(), health });
        // A loopback profile is checked against a relay of its own, as it would run: the one it runs on, else one started for the check.
        const running = this.loopbacks.get(entry.name);
        const relay = running ? undefined : await startRelayProcess(this.context.asAbsolutePath('dist/relay.js'), (text) => this.logSafely('warn', `[${entry.name}] relay: ${text}`));
        try {
          const controlPlane = relay ? { baseUrl: relay.controlPlaneBaseUrl, tunnelId: relay.tunnelId } : this.loopbackControlPlane(entry.name);
          const key = relay?.apiKey ?? running?.apiKey;
          const secretStore = { get: async (k: string) => (k === `profile:${entry.name}` ? key : this.keys.asSecretStore().get(k)) };
          return await lazy.doctor().runDoctor({ profile: { ...(profile as Record<string, unknown>), controlPlane }, env: process.env, secretStore, health });
        } finally {
          relay?.child.kill('SIGTERM');
        }
      },
    );
    this.docs.show(entry.name, report);
    const failed = report.counts.fail;
    if (failed > 0) void vscode.window.showWarningMessage(`Doctor found ${failed} problem${failed === 1 ? '' : 's'} in "${entry.name}"; each says what to do.`);
    else void vscode.window.showInformationMessage(`Doctor: "${entry.name}" looks good${report.counts.warn ? ` (${report.counts.warn} warning${report.counts.warn === 1 ? '' : 's'})` : ''}.`);
  }

  async dashboard(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Open the dashboard of which tunnel?');
    if (entry) DashboardPanel.createOrShow(this.dashboards, entry.name);
  }

  /** The loopback front door of a profile started with Start Loopback. */
  loopback(name: string): LoopbackEndpoint | undefined {
    return this.loopbacks.get(name)?.endpoint;
  }

  /** Stops the profile's relay, if it runs one, and says its front door is gone. */
  private dropLoopback(name: string): void {
    const loop = this.loopbacks.get(name);
    if (!loop) return;
    this.loopbacks.delete(name);
    loop.relay.kill('SIGTERM');
    this.endpointsChanged(name);
  }

  private endpointsChanged(name: string): void {
    void vscode.commands.executeCommand('setContext', 'mcpTunnel.loopbackCount', this.loopbacks.size);
    this.endpoints.endpointsChanged();
    this.endpointChanges.fire(name);
  }

  async exportDiagnostics(): Promise<void> {
    await exportDiagnostics(this.profiles(), this.tunnels);
  }

  // ── loopback ─────────────────────────────────────────────────────────────

  /** Runs a local relay and points the profile's tunnel at it, so any MCP client here can use the whole path. */
  async startLoopback(arg: unknown): Promise<void> {
    const entry = await this.pick(arg, 'Start which profile in loopback?', (e) => !this.tunnels.isRunning(e.name), 'Every tunnel profile is running already.');
    if (entry) await this.startLoopbackEntry(entry);
  }

  /** `quiet`: progress in the status bar and no "ready at" notification (a restore after reload). */
  async startLoopbackEntry(entry: ProfileEntry, quiet = false): Promise<boolean> {
    if (this.tunnels.isRunning(entry.name)) return true;
    let relay: RelayProcess;
    try {
      relay = await startRelayProcess(this.context.asAbsolutePath('dist/relay.js'), (text) => this.logSafely('warn', `[${entry.name}] relay: ${text}`));
    } catch (err) {
      void this.offer(vscode.window.showErrorMessage(`Loopback for "${entry.name}" failed: ${(err as Error).message}`, 'Show Logs'));
      return false;
    }
    const ok = await this.startEntry(entry, (config) => {
      config.controlPlane.baseUrl = relay.controlPlaneBaseUrl;
      config.controlPlane.tunnelId = relay.tunnelId;
      config.controlPlane.apiKey = relay.apiKey;
      config.controlPlane.tls = {};
      config.controlPlane.proxy = undefined;
      config.controlPlane.extraHeaders = {};
      if (editorSettings()['trace.capturePayloads'] === 'auto') config.trace.capturePayloads = true;
    }, quiet, relay.apiKey);
    if (!ok || !this.tunnels.isRunning(entry.name)) {
      relay.child.kill('SIGTERM');
      return false;
    }
    const endpoint: LoopbackEndpoint = { profile: entry.name, mcpUrl: relay.mcpUrl, token: relay.frontDoorToken, auth: relay.frontDoorAuth, tokenInPath: relay.tokenInPath };
    const loop = { relay: relay.child, endpoint, tunnelId: relay.tunnelId, baseUrl: relay.controlPlaneBaseUrl, apiKey: relay.apiKey };
    this.loopbacks.set(entry.name, loop);
    relay.child.once('exit', (code, signal) => {
      if (this.loopbacks.get(entry.name) !== loop) return;
      this.logSafely('warn', `[${entry.name}] the loopback relay exited (${signal ?? `code ${code}`}); its front door is gone`);
      this.loopbacks.delete(entry.name);
      this.endpointsChanged(entry.name);
    });
    // The URL, never the token: the log is shared and exported.
    this.log.info(`[${entry.name}] loopback front door ready: ${relay.mcpUrl} (${authModeText(endpoint)})`);
    this.endpointsChanged(entry.name);
    if (quiet) return true;
    // Not awaited: the command is done once the tunnel runs, whatever becomes of the toast.
    void vscode.window
      .showInformationMessage(
        `Loopback tunnel "${entry.name}" is ready at ${relay.mcpUrl}. Point any MCP client at it with the front-door token as a Bearer header; the MCP Tunnels view keeps it under "MCP endpoint".`,
        'Copy MCP URL',
        'Copy Token',
        'Copy as curl',
      )
      .then(async (action) => {
        if (action === 'Copy MCP URL') await this.endpoints.copyUrl(entry.name);
        else if (action === 'Copy Token') await this.endpoints.copyToken(entry.name);
        else if (action === 'Copy as curl') await this.endpoints.copyCurl(entry.name);
      });
    return true;
  }

  // ── status bar menu ──────────────────────────────────────────────────────

  async statusMenu(): Promise<void> {
    const entry = await this.pick(undefined, 'MCP Tunnel profiles');
    if (!entry) return;
    const picked = await vscode.window.showQuickPick(this.statusActions(entry), { placeHolder: `${entry.name}: ${presentState(entry, this.tunnels.get(entry.name)).word}` });
    await picked?.run?.();
  }

  /**
   * The status bar menu of one profile. Enter takes the first item, so it
   * never stops anything: looking comes first, Stop last, after a separator.
   */
  private statusActions(entry: ProfileEntry): (vscode.QuickPickItem & { run?: () => unknown })[] {
    const name = entry.name;
    const look = [
      { label: '$(dashboard) Open Dashboard', run: () => this.dashboard(name) },
      { label: '$(output) Show Logs', run: () => this.log.show() },
    ];
    const separator = (label: string) => ({ label, kind: vscode.QuickPickItemKind.Separator });
    if (this.tunnels.isRunning(name)) {
      return [
        ...look,
        { label: '$(terminal) Show MCP Server Output', run: () => this.tunnels.serverOutput(name).show() },
        ...(this.loopbacks.has(name) ? this.endpoints.quickPickItems(name) : []),
        { label: '$(pulse) Run Doctor', run: () => this.doctor(name) },
        separator('Run'),
        { label: '$(debug-restart) Restart Tunnel', run: () => this.restart(name) },
        { label: '$(debug-stop) Stop Tunnel', run: () => this.stop(name) },
      ];
    }
    return [
      { label: '$(play) Start Tunnel', description: entry.loopback ? 'on this machine (loopback)' : undefined, run: () => this.start(name) },
      ...(entry.loopback ? [] : [{ label: '$(debug-alt) Start Loopback', run: () => this.startLoopback(name) }]),
      separator(''),
      ...look,
      { label: '$(pulse) Run Doctor', run: () => this.doctor(name) },
    ];
  }

  /** A log line that may come while the window closes (a relay's last words), when the output channel is gone. */
  private logSafely(level: 'warn' | 'error', line: string): void {
    try {
      this.log[level](line);
    } catch {
      // The window is going away.
    }
  }

  /** Runs the follow-up a notification offered. */
  private async offer(choice: Thenable<string | undefined>, name?: string): Promise<void> {
    const action = await choice;
    switch (action) {
      case 'Set API Key…':
        return this.setApiKey(name);
      case 'Run Doctor':
        return this.doctor(name);
      case 'Show Logs':
        return this.log.show();
      case 'Edit Profiles':
        return this.editProfiles();
    }
  }

  dispose(): void {
    for (const loop of this.loopbacks.values()) loop.relay.kill('SIGTERM');
    this.loopbacks.clear();
    this.endpoints.dispose();
    this.endpointChanges.dispose();
  }
}

export function logLevelSetting(): LogLevel {
  return editorSettings().logLevel;
}

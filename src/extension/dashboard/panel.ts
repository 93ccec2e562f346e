/**
 * The dashboard panel of one profile: the host side of webview/dashboard.
 * It forwards what the tunnel reports (health, metrics, trace, logs, server
 * stderr) batched to about one message a second, answers the webview's
 * requests (trace details, export, copy as curl, log level) and runs MCP
 * calls for the tool runner over the worker's direct path.
 *
 * One panel per profile; opening it again reveals it; a serializer restores
 * it after a window reload. The webview loads afresh whenever it is shown
 * (no retainContextWhenHidden): it says 'ready' and gets a full snapshot.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { MetricsSnapshot } from '../../engine/events';
import { isLogLevel, type LogLevel, type LogRecord } from '../../engine/log';
import type { TraceEntry } from '../../engine/trace';
import { CLIENT_VERSION } from '../../version';
import {
  DASHBOARD_VIEW_TYPE,
  parseWebviewMessage,
  type EndpointCopy,
  restoredProfile,
  type HealthView,
  type HostMessage,
  type McpRequest,
  type TraceRow,
  type WebviewMessage,
} from '../../../webview/protocol';
import { exportDefaultUri } from '../diagnostics';
import { htmlPage } from '../html';
import type { ProfileEntry } from '../profiles';
import { editorSettings, SETTINGS_SECTION, updateEditorSetting } from '../settings';
import { presentState } from '../tree';
import type { TunnelManager } from '../tunnels';
import { buildCurl } from './curl';
import { LocalMcpClient } from '../../host/mcpClient';
import { healthTone, localEntry, runDashboardRequest, type DashboardAnswer } from '../../host/dashboardRequests';
import { TraceKeys, traceExport } from '../../host/traceRows';
import { authModeText, type LoopbackEndpoint } from '../endpoint/endpoint';

export interface DashboardDeps {
  extensionUri: vscode.Uri;
  tunnels: TunnelManager;
  profiles(): ProfileEntry[];
  /** The loopback front door of a profile running in loopback. */
  loopback(name: string): LoopbackEndpoint | undefined;
  log: vscode.LogOutputChannel;
}

/** The commands behind the Endpoint card's buttons, the same as the tree row's. */
const ENDPOINT_COPY_COMMANDS: Record<EndpointCopy, string> = { url: 'mcpTunnel.copyMcpUrl', token: 'mcpTunnel.copyToken', curl: 'mcpTunnel.copyCurl' };

const FLUSH_MS = 1000;
/** Five minutes of once-a-second snapshots. */
const METRICS_KEEP = 300;
const STDERR_SHOWN = 100;


function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'dist', 'codicons')],
  };
}

/**
 * The editor tab's icon. A tab draws an SVG as an image, where `currentColor`
 * is black (invisible on a dark tab bar): one variant per theme kind, each in
 * an explicit colour; VS Code shows `dark` in dark and High Contrast themes.
 */
export function dashboardIcon(extensionUri: vscode.Uri): { light: vscode.Uri; dark: vscode.Uri } {
  return { light: vscode.Uri.joinPath(extensionUri, 'media', 'tunnel-light.svg'), dark: vscode.Uri.joinPath(extensionUri, 'media', 'tunnel-dark.svg') };
}

export function dashboardTitle(profile: string): string {
  return `MCP Tunnel: ${profile}`;
}

export class DashboardPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, DashboardPanel>();

  /** Opens the profile's dashboard, or reveals it when it is open. */
  static createOrShow(deps: DashboardDeps, profile: string): DashboardPanel {
    const existing = DashboardPanel.panels.get(profile);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, dashboardTitle(profile), vscode.ViewColumn.Active, {
      ...webviewOptions(deps.extensionUri),
      enableFindWidget: true,
    });
    return new DashboardPanel(panel, deps, profile);
  }

  /** Takes over a panel VS Code restored after a reload. */
  static revive(panel: vscode.WebviewPanel, deps: DashboardDeps, profile: string): void {
    if (DashboardPanel.panels.has(profile)) {
      panel.dispose();
      return;
    }
    new DashboardPanel(panel, deps, profile);
  }

  /** Closes the profile's dashboard, if open (its profile was removed or renamed). */
  static close(profile: string): void {
    DashboardPanel.panels.get(profile)?.dispose();
  }

  static disposeAll(): void {
    for (const p of [...DashboardPanel.panels.values()]) p.dispose();
  }

  private readonly disposables: vscode.Disposable[] = [];
  private readonly keys = new TraceKeys();
  private readonly metrics: MetricsSnapshot[] = [];
  private lastPollShown: number | undefined;
  private readonly client: LocalMcpClient;
  private timer: NodeJS.Timeout | undefined;
  /** The webview loaded and asked for its snapshot; until then nothing is posted. */
  private ready = false;
  private pending = { trace: [] as TraceRow[], metrics: [] as MetricsSnapshot[], logs: [] as LogRecord[], health: false };
  private stderrSeen = 0;
  private loopbackUrl: string | undefined;
  private disposed = false;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: DashboardDeps,
    readonly profile: string,
  ) {
    DashboardPanel.panels.set(profile, this);
    const { tunnels } = deps;
    panel.title = dashboardTitle(profile);
    panel.iconPath = dashboardIcon(deps.extensionUri);
    panel.webview.options = webviewOptions(deps.extensionUri);
    // Entries already kept get their keys first, so keys follow arrival order.
    for (const entry of tunnels.traces(profile)) this.keys.keyOf(entry);
    this.client = new LocalMcpClient((message, headers) => tunnels.call(profile, message, headers), { name: 'mcp-tunnel-dashboard', version: CLIENT_VERSION });

    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        // A hidden webview is torn down; it asks for a snapshot when shown again.
        if (!panel.visible) this.ready = false;
      }),
      panel.webview.onDidReceiveMessage((data: unknown) => this.onMessage(data)),
      tunnels.onDidTrace(({ name, entry }) => {
        if (name !== profile) return;
        this.keys.keyOf(entry);
        if (this.ready) this.pending.trace.push(this.keys.rowOf(entry));
      }),
      tunnels.onDidChange((change) => {
        if (change.name !== profile) return;
        if (change.kind === 'metrics') {
          const snapshot = tunnels.get(profile)?.metrics;
          if (snapshot) this.addMetrics(snapshot);
          // The health section shows the last successful poll, which moves with the metrics.
          if (snapshot?.lastPollAt !== undefined && snapshot.lastPollAt !== this.lastPollShown) {
            this.lastPollShown = snapshot.lastPollAt;
            this.pending.health = true;
          }
          return;
        }
        if (change.kind === 'lifecycle') this.client.reset();
        this.pending.health = true;
      }),
      tunnels.onDidLog((record) => {
        if (record.profile !== profile || !this.ready) return;
        const { profile: _p, ...rest } = record;
        this.pending.logs.push(rest);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.logLevel`)) this.post({ type: 'logLevel', level: logLevel() });
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.profiles`)) this.pending.health = true;
      }),
    );
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    panel.webview.html = this.html();
  }

  private addMetrics(snapshot: MetricsSnapshot): void {
    const last = this.metrics[this.metrics.length - 1];
    if (last === snapshot || (last && last.time >= snapshot.time)) return;
    this.metrics.push(snapshot);
    if (this.metrics.length > METRICS_KEEP) this.metrics.splice(0, this.metrics.length - METRICS_KEEP);
    if (this.ready) this.pending.metrics.push(snapshot);
  }

  // ── host → webview ───────────────────────────────────────────────────────

  private post(message: HostMessage): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(message);
  }

  private flush(): void {
    if (!this.ready) return;
    const tail = this.deps.tunnels.stderrTail(this.profile);
    const loopbackUrl = this.deps.loopback(this.profile)?.mcpUrl;
    const health = this.pending.health || tail.total !== this.stderrSeen || loopbackUrl !== this.loopbackUrl;
    const { trace, metrics, logs } = this.pending;
    if (!health && !trace.length && !metrics.length && !logs.length) return;
    this.pending = { trace: [], metrics: [], logs: [], health: false };
    this.loopbackUrl = loopbackUrl;
    this.post({ type: 'update', health: health ? this.health() : undefined, trace, metrics, logs, loopbackUrl });
  }

  private snapshot(): void {
    const { tunnels } = this.deps;
    const trace = tunnels
      .traces(this.profile)
      .filter((e) => this.keys.visible(e))
      .map((e) => this.keys.rowOf(e));
    const logs = tunnels
      .recentLogs()
      .filter((r) => r.profile === this.profile)
      .map(({ profile: _p, ...rest }) => rest);
    this.pending = { trace: [], metrics: [], logs: [], health: false };
    this.loopbackUrl = this.deps.loopback(this.profile)?.mcpUrl;
    this.post({
      type: 'snapshot',
      profile: this.profile,
      health: this.health(),
      metrics: [...this.metrics],
      trace,
      logs,
      logLevel: logLevel(),
      loopbackUrl: this.loopbackUrl,
      maxEntries: editorSettings()['trace.maxEntries'],
    });
  }

  private health(): HealthView {
    const { tunnels } = this.deps;
    const entry = this.deps.profiles().find((e) => e.name === this.profile);
    const view = tunnels.get(this.profile);
    const tail = tunnels.stderrTail(this.profile);
    this.stderrSeen = tail.total;
    const loop = this.deps.loopback(this.profile);
    const state = entry ? presentState(entry, view).word : view ? (view.status?.state ?? 'starting') : 'not configured';
    const reason = entry?.error ?? entry?.blockedReason ?? (state === 'ready' ? undefined : (view?.lastError ?? view?.status?.reason));
    return {
      state,
      tone: healthTone(state),
      reason: reason ?? (entry ? undefined : `No profile named "${this.profile}" in the settings.`),
      running: !!view,
      status: view?.status,
      workerPid: view?.pid,
      stderr: tail.lines.slice(-STDERR_SHOWN),
      capturePayloads: tunnels.capturesPayloads(this.profile),
      endpoint: loop && { url: loop.mcpUrl, auth: authModeText(loop), hasToken: loop.token !== undefined },
    };
  }

  // ── webview → host ───────────────────────────────────────────────────────

  private onMessage(data: unknown): void {
    const message = parseWebviewMessage(data);
    if (!message) {
      this.deps.log.warn(`[${this.profile}] dashboard: ignored a malformed message from the webview`);
      return;
    }
    void this.handle(message).catch((err: Error) => {
      this.deps.log.error(`[${this.profile}] dashboard: ${message.type} failed: ${err.message}`);
      void vscode.window.showErrorMessage(`MCP Tunnel dashboard: ${err.message}`);
    });
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.snapshot();
        return;
      case 'selectTrace':
        this.post({ type: 'traceDetail', key: message.key, entry: this.entry(message.key) });
        return;
      case 'clearTrace':
        // The host's copy too: a trace kept after Stop goes only when the user clears it.
        this.deps.tunnels.clearTrace(this.profile);
        this.keys.clear();
        this.pending.trace = [];
        return;
      case 'exportTrace':
        return this.exportTrace(message.keys);
      case 'copyCurl':
        return this.copyCurl(message.key);
      case 'exportLogs':
        // The same bundle as the command palette's Export Diagnostics…
        await vscode.commands.executeCommand('mcpTunnel.exportDiagnostics');
        return;
      case 'copyEndpoint':
        await vscode.commands.executeCommand(ENDPOINT_COPY_COMMANDS[message.what], this.profile);
        return;
      case 'mcp':
        return this.runMcp(message.reqId, message.request);
      case 'setLogLevel':
        if (isLogLevel(message.level)) await updateEditorSetting('logLevel', message.level);
        return;
      case 'tunnel':
        // The same commands as the palette and the tree, so the same progress, checks and messages.
        await vscode.commands.executeCommand(`mcpTunnel.${message.action}`, this.profile);
        return;
    }
  }

  private entry(key: number): TraceEntry | undefined {
    return this.keys.find(this.deps.tunnels.traces(this.profile), key);
  }

  private async exportTrace(keys: number[]): Promise<void> {
    const file = traceExport(this.profile, this.deps.tunnels.traces(this.profile), this.keys, keys);
    const uri = await vscode.window.showSaveDialog({
      title: `Export the trace of "${this.profile}"`,
      defaultUri: exportDefaultUri(file.fileName),
      filters: { JSON: ['json'] },
    });
    if (!uri) return;
    await writeFile(uri.fsPath, file.text, { mode: 0o600 });
    void vscode.window.showInformationMessage(`Saved ${file.count} trace entr${file.count === 1 ? 'y' : 'ies'} to ${uri.fsPath} (payloads as captured, secrets redacted).`);
  }

  private async copyCurl(key: number): Promise<void> {
    const loop = this.deps.loopback(this.profile);
    if (!loop) {
      void vscode.window.showWarningMessage(`"Copy as curl" needs the profile running in loopback: run "MCP Tunnel: Start Loopback".`);
      return;
    }
    const entry = this.entry(key);
    if (!entry?.request) {
      void vscode.window.showWarningMessage('This exchange has no captured request: turn on mcpTunnel.trace.capturePayloads and call again.');
      return;
    }
    const text = buildCurl({ url: loop.mcpUrl, token: loop.token, sessionId: entry.sessionId, message: entry.request });
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`Copied a curl command${loop.token ? ' (it holds the front-door token)' : ''}`, 4000);
  }

  private async runMcp(reqId: number, request: McpRequest): Promise<void> {
    const reply = (fields: DashboardAnswer) =>
      this.post({ type: 'mcpResult', reqId, result: fields.result, error: fields.error, traceKey: fields.traceSeq === undefined ? undefined : this.keyForLocalSeq(fields.traceSeq) });
    if (!this.deps.tunnels.isRunning(this.profile)) {
      reply({ error: `Tunnel "${this.profile}" is not running: start it to call its MCP server.` });
      return;
    }
    reply(await runDashboardRequest(this.client, request, (key) => this.entry(key)));
  }

  private keyForLocalSeq(seq: number): number | undefined {
    const entry = localEntry(this.deps.tunnels.traces(this.profile), seq);
    return entry && this.keys.keyOf(entry);
  }

  // ── page ─────────────────────────────────────────────────────────────────

  private html(): string {
    const { webview } = this.panel;
    const root = this.deps.extensionUri;
    const asset = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(root, ...parts)).toString();
    const nonce = randomBytes(16).toString('base64');
    return htmlPage({
      csp: [
        "default-src 'none'",
        `style-src ${webview.cspSource}`,
        `font-src ${webview.cspSource}`,
        `img-src ${webview.cspSource} data:`,
        'media-src data:',
        `script-src 'nonce-${nonce}'`,
        "connect-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
      ],
      title: dashboardTitle(this.profile),
      head: `<link rel="stylesheet" href="${asset('dist', 'codicons', 'codicon.css')}">\n<link rel="stylesheet" href="${asset('dist', 'webview', 'dashboard.css')}">`,
      body: `<div id="app" aria-live="off"></div>\n<script nonce="${nonce}" src="${asset('dist', 'webview', 'dashboard.js')}"></script>`,
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (DashboardPanel.panels.get(this.profile) === this) DashboardPanel.panels.delete(this.profile);
    if (this.timer) clearInterval(this.timer);
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Restores dashboards after a window reload, from the profile name the webview saved in its state. */
export class DashboardSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly deps: DashboardDeps) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const profile = restoredProfile(state);
    if (!profile) {
      panel.dispose();
      return;
    }
    DashboardPanel.revive(panel, this.deps, profile);
  }
}

function logLevel(): LogLevel {
  return editorSettings().logLevel;
}

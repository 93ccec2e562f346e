/**
 * The Tunnels view: one node per profile with its state, and while it runs,
 * children for the control plane, the MCP server (and its OAuth discovery,
 * for an HTTP server) and the call counters.
 * Updates are targeted: a metrics tick refreshes one profile's node only.
 */
import * as vscode from 'vscode';
import type { EngineState } from '../engine/events';
import { authModeText, type LoopbackEndpoint } from './endpoint/endpoint';
import type { ProfileEntry } from './profiles';
import { oauthRow, profileTooltip, repeatsOAuth } from './tooltips';
import type { TunnelManager, TunnelView } from './tunnels';

type Node = ProfileNode | DetailNode | EndpointNode;

export class ProfileNode {
  constructor(public entry: ProfileEntry) {}
}

/** The row of a running loopback's front door; commands invoked on it act on its profile. */
export class EndpointNode {
  constructor(
    readonly profile: string,
    readonly endpoint: LoopbackEndpoint,
  ) {}
}

class DetailNode {
  constructor(
    readonly id: string,
    readonly label: string,
    readonly description: string,
    readonly icon: string,
    readonly tooltip?: string | vscode.MarkdownString,
    readonly command?: vscode.Command,
    /** A theme colour for the icon. */
    readonly color?: string,
  ) {}
}

/** What a profile shows: a state word, an icon and a colour. */
export function presentState(entry: ProfileEntry, view: TunnelView | undefined): { word: string; icon: vscode.ThemeIcon; running: boolean } {
  if (entry.error) return { word: 'invalid', icon: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')), running: false };
  if (!view) {
    if (entry.blockedReason) return { word: 'blocked (Restricted Mode)', icon: new vscode.ThemeIcon('shield'), running: false };
    return { word: 'stopped', icon: new vscode.ThemeIcon('circle-outline'), running: false };
  }
  if (view.phase === 'crashed') return { word: 'crashed', icon: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')), running: true };
  if (view.phase === 'restarting') return { word: 'restarting', icon: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('list.warningForeground')), running: true };
  const state: EngineState = view.status?.state ?? 'starting';
  switch (state) {
    case 'ready':
      return { word: 'ready', icon: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')), running: true };
    case 'degraded':
      return { word: 'degraded', icon: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')), running: true };
    case 'auth_error':
      return { word: 'auth error', icon: new vscode.ThemeIcon('key', new vscode.ThemeColor('errorForeground')), running: true };
    case 'restarting':
      return { word: 'restarting', icon: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('list.warningForeground')), running: true };
    case 'stopped':
      return { word: 'stopping', icon: new vscode.ThemeIcon('loading~spin'), running: true };
    default:
      return { word: 'starting', icon: new vscode.ThemeIcon('loading~spin'), running: true };
  }
}

function endpointItem(node: EndpointNode): vscode.TreeItem {
  const { endpoint } = node;
  const auth = authModeText(endpoint);
  const item = new vscode.TreeItem('MCP endpoint', vscode.TreeItemCollapsibleState.None);
  item.id = `${node.profile}:endpoint`;
  item.description = `${endpoint.mcpUrl} · ${auth}`;
  item.iconPath = new vscode.ThemeIcon('plug');
  item.contextValue = endpoint.token ? 'endpoint.token' : 'endpoint';
  item.accessibilityInformation = { label: `MCP endpoint: ${endpoint.mcpUrl}, ${auth}` };
  const how = endpoint.token
    ? `Clients send \`Authorization: Bearer <token>\`${endpoint.tokenInPath ? ' (or put the token as the last path segment of the URL)' : ''}; **Copy Token** copies it. The token lives only while this loopback runs.`
    : 'The front door takes no token.';
  item.tooltip = new vscode.MarkdownString(`**Loopback front door** of "${node.profile}"\n\n\`${endpoint.mcpUrl}\`\n\nAuth: ${auth}. ${how}`);
  return item;
}

function ago(ms: number | undefined): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}

export class TunnelTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes = new Map<string, ProfileNode>();
  private readonly pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly tunnels: TunnelManager,
    private entries: () => ProfileEntry[],
    /** The front door of a profile running in loopback. */
    private readonly endpoint: (name: string) => LoopbackEndpoint | undefined = () => undefined,
  ) {
    // Starting or stopping changes a node's id (and so its expansion): refresh the whole list then.
    this.subscription = tunnels.onDidChange((change) => (change.kind === 'lifecycle' ? this.changed.fire(undefined) : this.refreshProfile(change.name, change.kind === 'state')));
  }

  /** Re-reads profiles (settings changed): a full refresh. */
  reload(): void {
    this.nodes = new Map(this.entries().map((e) => [e.key, this.nodes.get(e.key) ?? new ProfileNode(e)]));
    for (const e of this.entries()) this.nodes.get(e.key)!.entry = e;
    this.changed.fire(undefined);
  }

  /** Refreshes one profile's node: at once for state changes, at most once a second for metrics. */
  refreshProfile(name: string, now: boolean): void {
    this.pending.add(name);
    if (now) return this.flush();
    this.flushTimer ??= setTimeout(() => this.flush(), 1000);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const name of this.pending) {
      const node = this.nodes.get(name);
      if (node) this.changed.fire(node);
    }
    this.pending.clear();
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node instanceof EndpointNode) return endpointItem(node);
    if (node instanceof DetailNode) {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.description = node.description;
      item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
      item.tooltip = node.tooltip;
      item.accessibilityInformation = { label: `${node.label}: ${node.description}` };
      if (node.command) item.command = node.command;
      return item;
    }
    const { entry } = node;
    const view = this.tunnels.get(entry.name);
    const { word, icon, running } = presentState(entry, view);
    // Running profiles show their details; invalid ones show every problem.
    const expanded = running || entry.error !== undefined;
    const item = new vscode.TreeItem(entry.name, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    // A distinct id while running, so the node opens expanded on every start.
    item.id = `profile:${entry.key}:${running ? 'running' : entry.error ? 'invalid' : 'idle'}`;
    item.description = word;
    item.iconPath = icon;
    // Menus read it: `profile.running`, `profile.stopped` or `profile.invalid`, then `.loopback` for a profile that runs on this machine only.
    item.contextValue = `profile.${entry.error ? 'invalid' : running ? 'running' : 'stopped'}${entry.loopback ? '.loopback' : ''}`;
    item.accessibilityInformation = { label: `${entry.name}, ${word}` };
    item.tooltip = new vscode.MarkdownString(profileTooltip(entry, view, word), true);
    if (!running) item.command = { command: 'mcpTunnel.openDashboard', title: 'Open Dashboard', arguments: [entry.name] };
    return item;
  }

  getChildren(node?: Node): Node[] {
    if (!node) return [...this.nodes.values()];
    if (!(node instanceof ProfileNode)) return [];
    const view = this.tunnels.get(node.entry.name);
    const name = node.entry.name;
    if (!view) {
      const { key } = node.entry;
      const occurrence = Number(/ \((\d+)\)$/.exec(key)?.[1] ?? 1);
      const fix: vscode.Command = { command: 'mcpTunnel.editProfiles', title: 'Edit Profiles', arguments: [name, occurrence] };
      const problems = node.entry.problems ?? (node.entry.error ? [node.entry.error] : []);
      // Errors, as the settings file marks them (settingsDiagnostics.ts): an invalid profile cannot start.
      return problems.map((p, i) => new DetailNode(`${key}:problem:${i}`, 'Error', p, 'error', `${p}\n\nClick to open the settings at this profile.`, fix, 'errorForeground'));
    }
    const status = view.status;
    const metrics = view.metrics;
    const out: (DetailNode | EndpointNode)[] = [];
    // A failed OAuth discovery has its own row below; its reason is not shown twice.
    if (view.lastError && !repeatsOAuth(view.lastError, status?.oauth)) out.push(new DetailNode(`${name}:problem`, 'Problem', view.lastError, 'warning', view.lastError));
    const endpoint = this.endpoint(name);
    if (endpoint) out.push(new EndpointNode(name, endpoint));
    const pollErrors = status ? Object.values(status.pollErrors).reduce((a, b) => a + (b ?? 0), 0) : 0;
    out.push(
      new DetailNode(
        `${name}:cp`,
        'Control plane',
        status ? `${status.controlPlane}${status.tunnelName ? ` · ${status.tunnelName}` : ''}` : 'connecting…',
        'cloud',
        status ? `Tunnel ${status.tunnelId}` : undefined,
      ),
    );
    if (status?.tunnelName) {
      out.push(new DetailNode(`${name}:tunnel`, 'Tunnel', `${status.tunnelName}${status.tunnelDescription ? ` — ${status.tunnelDescription}` : ''}`, 'plug', `${status.tunnelName}\n\n${status.tunnelDescription ?? ''}\n\n${status.tunnelId}`));
    }
    out.push(new DetailNode(`${name}:poll`, 'Last poll', `${ago(status?.lastPollAt)} · ${pollErrors} error${pollErrors === 1 ? '' : 's'}`, 'history'));
    const channel = status?.channels[0];
    if (channel) {
      const where =
        channel.sessionMode === 'per_session'
          ? `${channel.sessions ?? 0}/${channel.maxSessions ?? '?'} sessions, a child each`
          : channel.kind === 'stdio'
            ? channel.pid
              ? `pid ${channel.pid}`
              : channel.state
            : (channel.origin ?? '');
      out.push(
        new DetailNode(`${name}:mcp`, 'MCP server', `${channel.kind} · ${where} · ${channel.restarts} restart${channel.restarts === 1 ? '' : 's'} · ${channel.inFlight} in flight`, 'server-process', channel.reason),
      );
    }
    if (status?.oauth) {
      const row = oauthRow(status.oauth);
      out.push(new DetailNode(`${name}:oauth`, 'OAuth', row.description, row.icon, new vscode.MarkdownString(row.tooltip, true)));
    }
    const c = metrics?.commands ?? {};
    const ok = (c.ok ?? 0) + (c.error ?? 0);
    const failed = (c.failure ?? 0) + (c.post_failed ?? 0) + (c.expired ?? 0) + (c.tool_error ?? 0);
    const p50 = metrics && metrics.latencyMs.count > 0 ? ` · p50 ${metrics.latencyMs.p50.toFixed(1)} ms` : '';
    out.push(new DetailNode(`${name}:calls`, 'Calls', `${ok} ok · ${failed} failed${p50}`, 'pulse'));
    return out;
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}

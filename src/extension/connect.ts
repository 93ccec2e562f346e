/**
 * The "Connect to ChatGPT / Codex" step: the first time a hosted tunnel is
 * ready, a notification says what to select in the connector settings, with
 * Copy Tunnel ID and the full guide (connectGuide.ts) with its checks. The
 * command of the same name shows it again for any profile.
 */
import * as vscode from 'vscode';
import { isLoopbackHost } from '../engine/net';
import type { TunnelAdmin } from './admin';
import { connectGuide } from './connectGuide';
import type { ProfileEntry } from './profiles';
import type { TunnelManager } from './tunnels';

const SHOWN_KEY = 'mcpTunnel.connectGuideShown';

export class ConnectGuides implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** Profiles seen ready in this window: the notice comes on the way into ready, once per tunnel id. */
  private readonly ready = new Set<string>();

  constructor(
    private readonly tunnels: TunnelManager,
    private readonly admin: TunnelAdmin,
    private readonly state: vscode.Memento,
    private readonly profiles: () => ProfileEntry[],
  ) {
    this.disposables.push(
      tunnels.onDidChange((c) => {
        if (c.kind !== 'state') return;
        const view = tunnels.get(c.name);
        const isReady = view?.status?.state === 'ready';
        if (!isReady) return void this.ready.delete(c.name);
        if (this.ready.has(c.name)) return;
        this.ready.add(c.name);
        void this.firstReady(c.name);
      }),
    );
  }

  private async firstReady(name: string): Promise<void> {
    const entry = this.profiles().find((e) => e.name === name);
    const tunnelId = this.tunnels.get(name)?.status?.tunnelId;
    if (!entry || entry.loopback || !tunnelId) return;
    const shown = this.state.get<string[]>(SHOWN_KEY, []);
    if (shown.includes(tunnelId)) return;
    await this.state.update(SHOWN_KEY, [...shown, tunnelId].slice(-200));
    await this.show(name, true);
  }

  /** The guide for `name`: a notification (`brief`) or the modal with every step and check. */
  async show(name: string, brief: boolean): Promise<void> {
    const view = this.tunnels.get(name);
    const entry = this.profiles().find((e) => e.name === name);
    const tunnelId = view?.status?.tunnelId ?? entry?.profile?.controlPlane.tunnelId;
    if (!tunnelId) {
      void vscode.window.showWarningMessage(`"${name}" has no tunnel id yet: add one to the profile, then start it.`);
      return;
    }
    const { tunnel, status, connection } = await this.admin.tunnel(tunnelId);
    const baseUrl = entry?.profile?.controlPlane.baseUrl;
    const guide = connectGuide({
      profile: name,
      tunnelId,
      tunnelName: view?.status?.tunnelName ?? tunnel?.name,
      tunnelDescription: view?.status?.tunnelDescription ?? tunnel?.description,
      local: entry?.loopback === true || (baseUrl !== undefined && isLoopbackHost(new URL(baseUrl).hostname)),
      state: view?.status?.state ?? 'stopped',
      reason: view?.status?.reason || view?.lastError,
      workspaceIds: tunnel?.workspace_ids,
      adminWorkspaceId: connection?.workspaceId,
      adminStatus: status,
    });
    const copy = async (action: string | undefined) => {
      if (action === 'Copy Tunnel ID') {
        await vscode.env.clipboard.writeText(tunnelId);
        void vscode.window.setStatusBarMessage(`Copied ${tunnelId}`, 3000);
      }
    };
    if (!brief) {
      await copy(await vscode.window.showInformationMessage(`Connect "${name}" to ChatGPT / Codex`, { modal: true, detail: guide.detail }, 'Copy Tunnel ID'));
      return;
    }
    const action = await vscode.window.showInformationMessage(guide.summary, 'Copy Tunnel ID', 'How to connect');
    if (action === 'How to connect') await this.show(name, false);
    else await copy(action);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

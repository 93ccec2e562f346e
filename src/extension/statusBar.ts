/** The aggregate status bar item: how many tunnels run, and a warning colour when one is unwell. */
import * as vscode from 'vscode';
import type { ProfileEntry } from './profiles';
import { presentState } from './tree';
import type { TunnelManager } from './tunnels';

export class TunnelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('mcpTunnel.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly tunnels: TunnelManager,
    private readonly entries: () => ProfileEntry[],
  ) {
    this.item.name = 'MCP Tunnel';
    this.item.command = 'mcpTunnel.statusMenu';
    this.subscription = tunnels.onDidChange((c) => c.kind !== 'metrics' && this.update());
  }

  update(): void {
    const entries = this.entries();
    if (entries.length === 0) {
      this.item.hide();
      return;
    }
    const running = entries.filter((e) => this.tunnels.isRunning(e.name));
    const words = running.map((e) => presentState(e, this.tunnels.get(e.name)).word);
    const ready = words.filter((w) => w === 'ready').length;
    const unwell = words.filter((w) => w !== 'ready' && w !== 'starting').length;
    if (running.length === 0) this.item.text = '$(plug) MCP Tunnel';
    else if (unwell > 0) this.item.text = `$(warning) ${ready}/${running.length} tunnels ready`;
    else this.item.text = `$(plug) ${ready} tunnel${ready === 1 ? '' : 's'} ready${ready < running.length ? `, ${running.length - ready} starting` : ''}`;
    this.item.backgroundColor = unwell > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = running.length
      ? running.map((e, i) => `${e.name}: ${words[i]}`).join('\n')
      : `${entries.length} tunnel profile${entries.length === 1 ? '' : 's'}, none running`;
    this.item.accessibilityInformation = { label: `MCP Tunnel: ${this.item.tooltip.replace(/\n/g, ', ')}` };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}

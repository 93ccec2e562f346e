/** Which profile a command acts on: the tree node it was invoked on, a name, or the user's pick. */
import * as vscode from 'vscode';
import type { ProfileEntry } from './profiles';
import { ProfileNode, presentState } from './tree';
import type { TunnelManager } from './tunnels';

export async function pickProfile(
  arg: unknown,
  entries: ProfileEntry[],
  tunnels: TunnelManager,
  placeHolder: string,
  filter: (e: ProfileEntry) => boolean = () => true,
  /** What to say when profiles exist but none fits (e.g. "No tunnel is running."). */
  noneFits?: string,
): Promise<ProfileEntry | undefined> {
  if (arg instanceof ProfileNode) return entries.find((e) => e.name === arg.entry.name);
  if (typeof arg === 'string') return entries.find((e) => e.name === arg);
  const candidates = entries.filter(filter);
  if (candidates.length === 0 && entries.length > 0 && noneFits) {
    void vscode.window.showInformationMessage(noneFits);
    return undefined;
  }
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('No tunnel profile fits: add one with "MCP Tunnel: Add Profile…".', 'Add Profile…').then((a) => {
      if (a) void vscode.commands.executeCommand('mcpTunnel.addProfile');
    });
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const picked = await vscode.window.showQuickPick(
    candidates.map((e) => ({ label: e.name, description: presentState(e, tunnels.get(e.name)).word, detail: e.profile?.controlPlane.tunnelId, entry: e })),
    { placeHolder },
  );
  return picked?.entry;
}

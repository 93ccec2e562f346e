/**
 * "Connect to ChatGPT / Codex": what to select in the connector settings once
 * a tunnel is ready (Connection: Tunnel, this tunnel id, the workspace it
 * belongs to), and the checks of the common failures that the APIs let us
 * make: a tunnel attached to another workspace than the admin key's (it will
 * not show in that workspace's connector picker), and a runtime key without
 * Tunnels Use (polls refused with 403). Pure: the editor gathers the facts.
 */

export interface GuideFacts {
  profile: string;
  tunnelId: string;
  tunnelName?: string;
  tunnelDescription?: string;
  /** The control plane is a relay on this machine: hosted agents cannot reach it. */
  local: boolean;
  /** The engine state now, and why when it is not ready. */
  state: string;
  reason?: string;
  /** Workspaces the tunnel is attached to, from the admin API (undefined without an admin key). */
  workspaceIds?: string[];
  /** The workspace the stored admin key manages. */
  adminWorkspaceId?: string;
  /** HTTP status when the admin API could not read the tunnel. */
  adminStatus?: number;
}

export type CheckLevel = 'ok' | 'warn' | 'fail' | 'unknown';

export interface GuideCheck {
  level: CheckLevel;
  text: string;
}

export interface Guide {
  /** One line for a notification. */
  summary: string;
  /** The steps and the checks, for a modal's detail. */
  detail: string;
  checks: GuideCheck[];
}

const MARK: Record<CheckLevel, string> = { ok: '✓', warn: '!', fail: '✗', unknown: '?' };

export function connectGuide(f: GuideFacts): Guide {
  const label = f.tunnelName ? `"${f.tunnelName}" (${f.tunnelId})` : f.tunnelId;
  const workspace = f.workspaceIds && f.workspaceIds.length > 0 ? f.workspaceIds.join(', ') : undefined;
  const checks: GuideCheck[] = [];

  if (f.state === 'ready') checks.push({ level: 'ok', text: 'The runtime key polls this tunnel: it has Tunnels Read + Use.' });
  else if (f.state === 'auth_error' && /\b403\b/.test(f.reason ?? '')) {
    checks.push({
      level: 'fail',
      text: 'The control plane refuses the runtime key (403): grant its principal Tunnels Read + Use on this tunnel, or use a runtime key of the tunnel\'s workspace, then restart the tunnel.',
    });
  } else if (f.state === 'auth_error') {
    checks.push({ level: 'fail', text: `The runtime key is refused${f.reason ? `: ${f.reason}` : ''}. Set API Key… with a runtime key (Tunnels Read + Use).` });
  } else checks.push({ level: 'unknown', text: `The tunnel is ${f.state}${f.reason ? `: ${f.reason}` : ''}; the connector needs it running and ready.` });

  if (f.workspaceIds !== undefined && f.adminWorkspaceId !== undefined) {
    if (f.workspaceIds.includes(f.adminWorkspaceId)) checks.push({ level: 'ok', text: `The tunnel is attached to workspace ${f.adminWorkspaceId}: its connectors can select it.` });
    else {
      checks.push({
        level: 'warn',
        text: `The tunnel is attached to ${workspace ? `workspace ${workspace}` : 'no workspace'}, not ${f.adminWorkspaceId}: it will not appear in the connector picker of ${f.adminWorkspaceId}. Attach it there (mcp-tunnel admin tunnels update ${f.tunnelId} --workspace-id ${f.adminWorkspaceId}) or connect from its own workspace.`,
      });
    }
  } else if (f.adminStatus === 404 || f.adminStatus === 403) {
    checks.push({
      level: 'warn',
      text: `The admin key cannot see this tunnel (${f.adminStatus}): it was likely created in another organization or workspace, whose connectors are the ones that can select it.`,
    });
  } else {
    checks.push({ level: 'unknown', text: 'The workspace of the tunnel is not known here: Set Admin Key… lets the editor check it. The tunnel must be attached to the ChatGPT workspace of the connector.' });
  }

  if (f.local) {
    checks.push({
      level: 'warn',
      text: 'This tunnel runs through a relay on this machine: ChatGPT and Codex cannot reach it. Use its MCP URL from clients on this machine, or a profile on the hosted control plane.',
    });
  }

  const steps = [
    `1. Keep "${f.profile}" running: the connector calls go through it.`,
    `2. In ChatGPT (Settings › Connectors › Create) or Codex, choose Connection: Tunnel.`,
    `3. Select the tunnel ${label}, or paste its ID: ${f.tunnelId}.`,
    workspace ? `4. Do it in workspace ${workspace}: the tunnel is attached there.` : '4. Do it in the ChatGPT workspace the tunnel is attached to.',
    '5. A tunnel created a moment ago can take 25-30 seconds to appear.',
  ];
  const detail = [...steps, '', 'Checks:', ...checks.map((c) => `${MARK[c.level]} ${c.text}`)].join('\n');
  const problems = checks.filter((c) => c.level === 'fail' || c.level === 'warn').length;
  const summary = `"${f.profile}" is ${f.state === 'ready' ? 'ready' : f.state}: in ChatGPT or Codex connector settings choose Connection: Tunnel and select ${label}.${problems > 0 ? ` ${problems} check${problems === 1 ? '' : 's'} need attention.` : ''}`;
  return { summary, detail, checks };
}

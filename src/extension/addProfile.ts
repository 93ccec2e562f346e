/**
 * Add Profile…: pick an MCP server (from .vscode/mcp.json, Codex's
 * config.toml, or typed in), a tunnel id, a control plane and a key, and
 * write the profile to user or workspace settings.
 */
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { TUNNEL_ID_PATTERN } from '../protocol/wire';
import { parseCodexConfigToml, parseVsCodeMcpJson, toProfileServer, type ImportedServer } from '../profiles/importers';
import { PROFILE_NAME_PATTERN } from '../profiles/schema';
import type { ProfileEntry, ProfileScope } from './profiles';
import { SETTINGS_SECTION } from './settings';
import type { ApiKeys } from './secrets';

export type ServerSource = 'mcpJson' | 'codex' | 'command' | 'url';

async function readMcpJson(): Promise<{ servers: ImportedServer[]; where: string } | string> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return 'Open a folder first: .vscode/mcp.json lives in a workspace folder.';
  const uri = vscode.Uri.joinPath(folder.uri, '.vscode', 'mcp.json');
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return `No ${vscode.workspace.asRelativePath(uri)} in this workspace. Add servers there (MCP: Add Server…) or type a command instead.`;
  }
  const parsed = parseVsCodeMcpJson(text, uri.fsPath);
  return { servers: parsed.servers, where: '.vscode/mcp.json' };
}

async function readCodex(): Promise<{ servers: ImportedServer[]; where: string } | string> {
  const file = join(process.env.CODEX_HOME ?? join(homedir(), '.codex'), 'config.toml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return `No Codex configuration at ${file}: add [mcp_servers.NAME] tables there, or type a command instead.`;
  }
  return { servers: parseCodexConfigToml(text, file).servers, where: file };
}

export async function addProfile(keys: ApiKeys, existing: ProfileEntry[], preset?: ServerSource): Promise<string | undefined> {
  const title = 'Add MCP Tunnel Profile';
  const source =
    preset ??
    (
      await vscode.window.showQuickPick(
        [
          { label: '$(json) From .vscode/mcp.json', description: 'a server VS Code already knows', value: 'mcpJson' as const },
          { label: '$(file-code) From Codex config', description: '~/.codex/config.toml [mcp_servers.*]', value: 'codex' as const },
          { label: '$(terminal) A command', description: 'a stdio MCP server, e.g. npx -y @modelcontextprotocol/server-everything', value: 'command' as const },
          { label: '$(globe) A URL', description: 'a private Streamable HTTP MCP server', value: 'url' as const },
        ],
        { title, placeHolder: 'Which MCP server should the tunnel serve?' },
      )
    )?.value;
  if (!source) return undefined;

  let server: Record<string, unknown>;
  let suggestedName = 'my-server';
  if (source === 'mcpJson' || source === 'codex') {
    const found = source === 'mcpJson' ? await readMcpJson() : await readCodex();
    if (typeof found === 'string') {
      void vscode.window.showWarningMessage(found);
      return undefined;
    }
    if (found.servers.length === 0) {
      void vscode.window.showWarningMessage(`${found.where} defines no MCP servers.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      found.servers.map((s) => ({
        label: s.name,
        description: s.kind === 'stdio' ? [s.command, ...(s.args ?? [])].join(' ') : s.url,
        detail: s.disabled ? 'disabled in its configuration' : undefined,
        server: s,
      })),
      { title, placeHolder: `Pick a server from ${found.where}` },
    );
    if (!picked) return undefined;
    suggestedName = picked.server.name;
    // A VS Code server stays a reference, so later edits of mcp.json apply; a Codex server is copied in.
    server = source === 'mcpJson' ? { mcpServer: picked.server.name } : (toProfileServer(picked.server) as Record<string, unknown>);
  } else if (source === 'command') {
    const command = await vscode.window.showInputBox({
      title,
      prompt: 'Command that starts the stdio MCP server (run without a shell; quotes group arguments)',
      placeHolder: 'npx -y @modelcontextprotocol/server-everything',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Type the command that starts your MCP server'),
    });
    if (!command) return undefined;
    server = { command: command.trim() };
    suggestedName = command.trim().split(/[\s/]+/).filter(Boolean).pop()?.replace(/[^A-Za-z0-9._-]/g, '') || suggestedName;
  } else {
    const url = await vscode.window.showInputBox({
      title,
      prompt: 'URL of the Streamable HTTP MCP server (reached from this machine)',
      placeHolder: 'http://127.0.0.1:3000/mcp',
      ignoreFocusOut: true,
      validateInput: (v) => (/^https?:\/\/[^\s]+$/.test(v.trim()) ? undefined : 'Use an http:// or https:// URL'),
    });
    if (!url) return undefined;
    server = { url: url.trim() };
    suggestedName = new URL(url.trim()).hostname.replace(/[^A-Za-z0-9._-]/g, '') || suggestedName;
  }

  const taken = new Set(existing.map((e) => e.name));
  let base = suggestedName.slice(0, 60) || 'my-server';
  for (let i = 2; taken.has(base); i++) base = `${suggestedName.slice(0, 56)}-${i}`;
  const name = await vscode.window.showInputBox({
    title,
    prompt: 'Profile name',
    value: base,
    ignoreFocusOut: true,
    validateInput: (v) => (!PROFILE_NAME_PATTERN.test(v) ? 'Use 1 to 128 letters, digits, dots, dashes or underscores, starting with a letter or digit' : taken.has(v) ? 'A profile with this name exists' : undefined),
  });
  if (!name) return undefined;

  const tunnelId = await vscode.window.showInputBox({
    title,
    prompt: 'Tunnel id, from the Platform tunnel settings',
    placeHolder: 'tunnel_0123456789abcdefghijklmnopqrstuv',
    ignoreFocusOut: true,
    validateInput: (v) => (TUNNEL_ID_PATTERN.test(v.trim()) ? undefined : 'A tunnel id is "tunnel_" followed by 32 lowercase letters or digits'),
  });
  if (!tunnelId) return undefined;

  const plane = await vscode.window.showQuickPick(
    [
      { label: 'Hosted control plane', description: 'https://api.openai.com', value: 'hosted' },
      { label: 'A relay on this machine', description: 'mcp-tunnel relay, for offline work and tests', value: 'relay' },
    ],
    { title, placeHolder: 'Which control plane?' },
  );
  if (!plane) return undefined;
  const controlPlane: Record<string, unknown> = { tunnelId: tunnelId.trim() };
  if (plane.value === 'relay') {
    const baseUrl = await vscode.window.showInputBox({
      title,
      prompt: 'Relay base URL (printed by "mcp-tunnel relay" as control_plane_base_url)',
      placeHolder: 'http://127.0.0.1:8787',
      ignoreFocusOut: true,
      validateInput: (v) => (/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(v.trim()) ? undefined : 'Use http://127.0.0.1:PORT'),
    });
    if (!baseUrl) return undefined;
    controlPlane.baseUrl = baseUrl.trim().replace(/\/$/, '');
  }

  const key = await vscode.window.showInputBox({
    title,
    prompt: 'Runtime API key (Tunnels Read + Use), kept in secret storage. Leave empty to set it later.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.startsWith('sk-admin-') ? 'This is an admin key: use a runtime key with Tunnels Read + Use' : /\s/.test(v.trim()) ? 'A key has no spaces' : undefined),
  });
  if (key === undefined) return undefined;

  let scope: ProfileScope = 'user';
  if (vscode.workspace.workspaceFolders?.length) {
    const where = await vscode.window.showQuickPick(
      [
        { label: 'Workspace settings', description: 'shared with this project', value: 'workspace' as const },
        { label: 'User settings', description: 'available in every window', value: 'user' as const },
      ],
      { title, placeHolder: 'Where should the profile be saved?' },
    );
    if (!where) return undefined;
    scope = where.value;
  }

  if (key.trim()) await keys.set(name, key.trim());
  await appendProfile({ name, controlPlane, mcp: { servers: [server] } }, scope);
  const action = await vscode.window.showInformationMessage(
    `Profile "${name}" added to ${scope} settings${key.trim() ? ' and its key to secret storage' : ''}.`,
    'Start Tunnel',
    ...(key.trim() ? [] : ['Set API Key…']),
  );
  if (action === 'Start Tunnel') void vscode.commands.executeCommand('mcpTunnel.start', name);
  else if (action === 'Set API Key…') void vscode.commands.executeCommand('mcpTunnel.setApiKey', name);
  return name;
}

/** Appends a profile to the user or workspace `mcpTunnel.profiles`. */
export async function appendProfile(profile: Record<string, unknown>, scope: ProfileScope): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const inspected = config.inspect<unknown[]>('profiles');
  const current = (scope === 'user' ? inspected?.globalValue : inspected?.workspaceValue) ?? [];
  await config.update('profiles', [...current, profile], scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace);
}

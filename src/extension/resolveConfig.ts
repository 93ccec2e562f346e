/**
 * Turns a settings profile into the engine's resolved configuration, in the
 * extension host: secrets come from secret storage or env:/file: references,
 * `.vscode/mcp.json` references are expanded, and editor defaults applied.
 */
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import type { EngineConfig } from '../engine/config';
import { isLoopbackHost } from '../engine/net';
import { resolveProfile } from '../profiles/resolve';
import type { TunnelProfile } from '../profiles/schema';
import { inputIds, parseVsCodeMcpJson, resolveMcpServerReference, type McpInput } from '../profiles/importers';
import type { CapturePayloadsSetting } from '../profiles/editorSettings';
import type { ApiKeys } from './secrets';
import type { ProfileEntry } from './profiles';


/** Values of `${input:id}` variables: asked once, then kept in secret storage. */
async function inputValue(input: McpInput, keys: ApiKeys): Promise<string | undefined> {
  const stored = await keys.getSecret(`input:${input.id}`);
  if (stored !== undefined) return stored;
  let value: string | undefined;
  if (input.type === 'pickString') {
    const options = (input.options ?? []).map((o) => (typeof o === 'string' ? { label: o, value: o } : { label: o.label ?? o.value, value: o.value }));
    value = (await vscode.window.showQuickPick(options, { title: 'MCP server input', placeHolder: input.description ?? input.id, ignoreFocusOut: true }))?.value;
  } else if (input.type === 'command' && input.command) {
    const result: unknown = await vscode.commands.executeCommand(input.command, input.args);
    value = typeof result === 'string' ? result : undefined;
  } else {
    value = await vscode.window.showInputBox({ title: 'MCP server input', prompt: input.description ?? input.id, value: input.default, password: input.password, ignoreFocusOut: true });
  }
  if (value !== undefined) await keys.setSecret(`input:${input.id}`, value);
  return value;
}

/** The profile with every `mcpServer` reference replaced by its `.vscode/mcp.json` entry. */
export async function expandMcpJsonReferences(profile: TunnelProfile, keys: ApiKeys): Promise<TunnelProfile> {
  const names = (profile.mcp.servers as { mcpServer?: string }[]).map((s) => s.mcpServer).filter((n): n is string => n !== undefined);
  if (names.length === 0) return profile;
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error(`profile "${profile.name}" refers to .vscode/mcp.json, but no folder is open: open the workspace folder that holds it`);
  const uri = vscode.Uri.joinPath(folder.uri, '.vscode', 'mcp.json');
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    throw new Error(`profile "${profile.name}" refers to a server of .vscode/mcp.json, but ${uri.fsPath} cannot be read: create it or inline the server in the profile`);
  }
  const parsed = parseVsCodeMcpJson(text, uri.fsPath);
  const values = new Map<string, string>();
  for (const server of parsed.servers.filter((s) => names.includes(s.name))) {
    for (const id of inputIds(server)) {
      const input = parsed.inputs.find((i) => i.id === id);
      if (!input || values.has(id)) continue;
      const value = await inputValue(input, keys);
      if (value !== undefined) values.set(id, value);
    }
  }
  return resolveMcpServerReference(profile, text, {
    file: uri.fsPath,
    workspaceFolder: folder.uri.fsPath,
    userHome: homedir(),
    env: process.env,
    input: (id) => values.get(id),
  });
}

/** Where a tunnel started from the editor serves /healthz when its profile names no address: a free port, as several may run at once. */
export const EDITOR_HEALTH_LISTEN_ADDR = '127.0.0.1:0';

/** The health address the editor chooses for a profile whose settings name none (a free port); undefined: the profile's own. */
export function editorHealthListenAddr(entry: Pick<ProfileEntry, 'raw'>): string | undefined {
  const health = entry.raw.health as { listenAddr?: unknown } | undefined;
  return health?.listenAddr === undefined ? EDITOR_HEALTH_LISTEN_ADDR : undefined;
}

/** `apiKey`: poll with this key (a loopback relay's) instead of reading the profile's. */
export async function resolveForEditor(
  entry: ProfileEntry,
  keys: ApiKeys,
  capture: CapturePayloadsSetting,
  maxEntries: number,
  apiKey?: string,
): Promise<{ config: EngineConfig; warnings: string[] }> {
  if (!entry.profile) throw new Error(entry.error ?? `profile "${entry.name}" is invalid`);
  const profile = await expandMcpJsonReferences(entry.profile, keys);
  const warnings: string[] = [];
  const config = await resolveProfile(profile, { env: process.env, secretStore: keys.asSecretStore(), warnings, apiKey });
  // Several tunnels may run at once: unless a port was chosen, let each take a free one.
  const listenAddr = editorHealthListenAddr(entry);
  if (config.health && listenAddr !== undefined) config.health.listenAddr = listenAddr;
  const loopback = isLoopbackHost(new URL(config.controlPlane.baseUrl).hostname);
  config.trace = { capturePayloads: capture === 'on' || (capture === 'auto' && loopback), maxEntries };
  return { config, warnings };
}

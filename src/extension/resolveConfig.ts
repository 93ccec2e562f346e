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
import { resolveMcpServerReference } from '../profiles/importers';
import type { ApiKeys } from './secrets';
import type { ProfileEntry } from './profiles';

export type CaptureSetting = 'auto' | 'on' | 'off';

async function expandMcpJsonReferences(profile: TunnelProfile): Promise<TunnelProfile> {
  const servers = profile.mcp.servers as { mcpServer?: string }[];
  if (!servers.some((s) => s.mcpServer !== undefined)) return profile;
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error(`profile "${profile.name}" refers to .vscode/mcp.json, but no folder is open: open the workspace folder that holds it`);
  const uri = vscode.Uri.joinPath(folder.uri, '.vscode', 'mcp.json');
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    throw new Error(`profile "${profile.name}" refers to a server of .vscode/mcp.json, but ${uri.fsPath} cannot be read: create it or inline the server in the profile`);
  }
  return resolveMcpServerReference(profile, text, {
    workspaceFolder: folder.uri.fsPath,
    userHome: homedir(),
    env: process.env,
  });
}

export async function resolveForEditor(entry: ProfileEntry, keys: ApiKeys, capture: CaptureSetting, maxEntries: number): Promise<{ config: EngineConfig; warnings: string[] }> {
  if (!entry.profile) throw new Error(entry.error ?? `profile "${entry.name}" is invalid`);
  const profile = await expandMcpJsonReferences(entry.profile);
  const warnings: string[] = [];
  const config = await resolveProfile(profile, { env: process.env, secretStore: keys.asSecretStore(), warnings });
  // Several tunnels may run at once: unless a port was chosen, let each take a free one.
  const health = entry.raw.health as { listenAddr?: string } | undefined;
  if (config.health && health?.listenAddr === undefined) config.health.listenAddr = '127.0.0.1:0';
  const loopback = isLoopbackHost(new URL(config.controlPlane.baseUrl).hostname);
  config.trace = { capturePayloads: capture === 'on' || (capture === 'auto' && loopback), maxEntries };
  return { config, warnings };
}

/**
 * What a user does with a running loopback's front door: copy its URL, its
 * token or a curl request, and hand it to the editor's own agents (VS Code's
 * MCP servers) or to Codex, and take it back. The token is read from the
 * extension host's memory at the moment it is copied; configurations get a
 * password prompt (`${input:…}`) or an environment variable's name instead.
 */
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { ReportDocuments } from '../documents';
import { EndpointNode, ProfileNode } from '../tree';
import { addToCodexConfig, changedLines, hasCodexServer, removeFromCodexConfig } from './codexToml';
import { initializeCurl, serverName, tokenEnvVar, tokenInputId, type LoopbackEndpoint } from './endpoint';
import { addToMcpJson, hasMcpJsonServer, removeFromMcpJson } from './mcpJson';

/** The provider id declared under contributes.mcpServerDefinitionProviders. */
export const MCP_PROVIDER_ID = 'mcpTunnel.loopback';

/** Codex's configuration file: `$CODEX_HOME/config.toml`, by default `~/.codex/config.toml`. */
export function codexConfigPath(): string {
  return join(process.env.CODEX_HOME || join(homedir(), '.codex'), 'config.toml');
}

/** The parts of the extension API for MCP server providers (VS Code 1.101+); typed here since the engine's @types/vscode predates them. */
interface McpApi {
  register(id: string, provider: unknown): vscode.Disposable;
  HttpDefinition: new (label: string, uri: vscode.Uri, headers?: Record<string, string>, version?: string) => unknown;
}

function mcpApi(): McpApi | undefined {
  const lm = (vscode as unknown as { lm?: { registerMcpServerDefinitionProvider?: McpApi['register'] } }).lm;
  const HttpDefinition = (vscode as unknown as { McpHttpServerDefinition?: McpApi['HttpDefinition'] }).McpHttpServerDefinition;
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function' || typeof HttpDefinition !== 'function') return undefined;
  return { register: (id, provider) => lm.registerMcpServerDefinitionProvider!(id, provider), HttpDefinition };
}

async function readIfAny(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class EndpointActions implements vscode.Disposable {
  /** Profiles whose front door this window offers VS Code through the provider API. */
  private readonly offered = new Set<string>();
  private readonly offeredChanged = new vscode.EventEmitter<void>();
  /** undefined: not tried yet; null: this VS Code does not let the extension register one. */
  private provider: vscode.Disposable | null | undefined;

  constructor(
    /** The running loopbacks' front doors. */
    private readonly endpoints: () => LoopbackEndpoint[],
    private readonly log: vscode.LogOutputChannel,
    private readonly docs: ReportDocuments,
  ) {}

  /** The front door a command acts on: its tree row, its profile's row or name, or the user's pick of the running ones. */
  private async pick(arg: unknown, placeHolder: string): Promise<LoopbackEndpoint | undefined> {
    const all = this.endpoints();
    const name = arg instanceof EndpointNode ? arg.profile : arg instanceof ProfileNode ? arg.entry.name : typeof arg === 'string' ? arg : undefined;
    if (name !== undefined) {
      const found = all.find((e) => e.profile === name);
      if (!found) void vscode.window.showWarningMessage(`"${name}" is not running in loopback: run "MCP Tunnel: Start Loopback" first.`);
      return found;
    }
    if (all.length === 0) {
      void vscode.window.showInformationMessage('No loopback is running: run "MCP Tunnel: Start Loopback" first.');
      return undefined;
    }
    if (all.length === 1) return all[0];
    const picked = await vscode.window.showQuickPick(
      all.map((e) => ({ label: e.profile, description: e.mcpUrl, endpoint: e })),
      { placeHolder },
    );
    return picked?.endpoint;
  }

  // ── copy ─────────────────────────────────────────────────────────────────

  async copyUrl(arg: unknown): Promise<void> {
    const ep = await this.pick(arg, 'Copy the MCP URL of which loopback?');
    if (!ep) return;
    await vscode.env.clipboard.writeText(ep.mcpUrl);
    void vscode.window.setStatusBarMessage(`Copied ${ep.mcpUrl}`, 4000);
  }

  async copyToken(arg: unknown): Promise<void> {
    const ep = await this.pick(arg, 'Copy the front-door token of which loopback?');
    if (!ep) return;
    if (!ep.token) {
      void vscode.window.showInformationMessage(`The front door of "${ep.profile}" takes no token.`);
      return;
    }
    await vscode.env.clipboard.writeText(ep.token);
    void vscode.window.setStatusBarMessage(`Copied the front-door token of "${ep.profile}"`, 4000);
  }

  async copyCurl(arg: unknown): Promise<void> {
    const ep = await this.pick(arg, 'Copy a curl request to which loopback?');
    if (!ep) return;
    await vscode.env.clipboard.writeText(initializeCurl(ep));
    void vscode.window.setStatusBarMessage(`Copied a curl initialize request${ep.token ? ' (it holds the front-door token)' : ''}`, 4000);
  }

  /** What a user copies or hands on from a running loopback, for the status bar menu. */
  quickPickItems(profile: string): { label: string; run: () => Promise<void> }[] {
    return [
      { label: '$(copy) Copy MCP URL', run: () => this.copyUrl(profile) },
      { label: '$(key) Copy Token', run: () => this.copyToken(profile) },
      { label: '$(terminal) Copy as curl', run: () => this.copyCurl(profile) },
    ];
  }

  // ── VS Code's MCP servers ───────────────────────────────────────────────

  /**
   * Registers our provider once, where this VS Code lets an extension do so:
   * the API is final in 1.101 (contributes.mcpServerDefinitionProviders); 1.100
   * has it as a proposal (contributes.modelContextServerCollections), which
   * code-server lets extensions use and desktop VS Code does not (it throws).
   * Returns false when it cannot. The token is added only when VS Code starts
   * the server (resolve), so the definitions VS Code may cache never hold it.
   */
  private ensureProvider(): boolean {
    if (this.provider !== undefined) return this.provider !== null;
    const api = mcpApi();
    try {
      if (!api) throw new Error('vscode.lm.registerMcpServerDefinitionProvider is not in this VS Code');
      const definition = (e: LoopbackEndpoint, headers: Record<string, string> = {}) => new api.HttpDefinition(serverName(e.profile), vscode.Uri.parse(e.mcpUrl), headers);
      const offered = () => this.endpoints().filter((e) => this.offered.has(e.profile));
      this.provider = api.register(MCP_PROVIDER_ID, {
        // The event's name in 1.101 (final), and its two names in 1.100's proposal.
        onDidChangeMcpServerDefinitions: this.offeredChanged.event,
        onDidChangeServerDefinitions: this.offeredChanged.event,
        onDidChange: this.offeredChanged.event,
        provideMcpServerDefinitions: () => offered().map((e) => definition(e)),
        resolveMcpServerDefinition: (server: { label?: string }) => {
          const e = offered().find((o) => serverName(o.profile) === server.label);
          // A front door that went away since: nothing to start.
          if (!e) return undefined;
          return definition(e, e.token ? { Authorization: `Bearer ${e.token}` } : {});
        },
      });
      this.log.info('MCP servers: the loopback front doors are offered to VS Code through its MCP server provider API');
      return true;
    } catch (err) {
      this.provider = null;
      this.log.info(`MCP servers: this VS Code does not let extensions provide MCP servers (${(err as Error).message.split('\n')[0]}); .vscode/mcp.json is written instead`);
      return false;
    }
  }

  /** A loopback started or stopped: VS Code asks again (an offered profile comes back with its new URL after a restart). */
  endpointsChanged(): void {
    if (this.provider) this.offeredChanged.fire();
  }

  private mcpJsonUri(): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder && vscode.Uri.joinPath(folder.uri, '.vscode', 'mcp.json');
  }

  async addToVsCode(arg: unknown): Promise<void> {
    const ep = await this.pick(arg, 'Add which loopback to VS Code’s MCP servers?');
    if (!ep) return;
    const name = serverName(ep.profile);
    if (this.ensureProvider()) {
      this.offered.add(ep.profile);
      this.offeredChanged.fire();
      this.log.info(`[${ep.profile}] MCP servers: "${name}" at ${ep.mcpUrl} offered to VS Code`);
      void vscode.window.showInformationMessage(`"${name}" is in VS Code's MCP servers (MCP: List Servers) while the loopback of "${ep.profile}" runs.`);
      return;
    }
    const uri = this.mcpJsonUri();
    if (!uri) {
      void vscode.window.showWarningMessage('Open a folder first: VS Code reads MCP servers from .vscode/mcp.json in a workspace folder.');
      return;
    }
    const before = (await readIfAny(uri.fsPath)) ?? '';
    const after = addToMcpJson(before, {
      name,
      url: ep.mcpUrl,
      inputId: tokenInputId(ep.profile),
      description: `Front-door token of the MCP Tunnel loopback "${ep.profile}" (MCP Tunnel: Copy Token)`,
    });
    if (after !== before) {
      await mkdir(dirname(uri.fsPath), { recursive: true });
      await writeFile(uri.fsPath, after);
    }
    this.log.info(`[${ep.profile}] .vscode/mcp.json: server "${name}" at ${ep.mcpUrl}, its token from a password prompt`);
    const action = await vscode.window.showInformationMessage(
      `Added "${name}" to .vscode/mcp.json. VS Code asks for the front-door token when it starts the server: paste it from "MCP Tunnel: Copy Token".`,
      'Copy Token',
      'Open mcp.json',
    );
    if (action === 'Copy Token') await this.copyToken(ep.profile);
    else if (action === 'Open mcp.json') await vscode.window.showTextDocument(uri);
  }

  async removeFromVsCode(arg: unknown): Promise<void> {
    const profile = await this.profileOf(arg, 'Remove which loopback from VS Code’s MCP servers?');
    if (!profile) return;
    const name = serverName(profile);
    const wasOffered = this.offered.delete(profile);
    if (wasOffered) this.offeredChanged.fire();
    const uri = this.mcpJsonUri();
    const before = uri && (await readIfAny(uri.fsPath));
    if (uri && before !== undefined && hasMcpJsonServer(before, name)) {
      const after = removeFromMcpJson(before, name, tokenInputId(profile));
      // A file that held only our entry goes with it.
      if (after.trim() === '{}') await rm(uri.fsPath);
      else await writeFile(uri.fsPath, after);
      this.log.info(`[${profile}] .vscode/mcp.json: server "${name}" removed`);
      void vscode.window.showInformationMessage(`Removed "${name}" from .vscode/mcp.json.`);
    } else if (wasOffered) {
      void vscode.window.showInformationMessage(`"${name}" is no longer in VS Code's MCP servers.`);
    } else {
      void vscode.window.showInformationMessage(`"${name}" is not in VS Code's MCP servers.`);
    }
  }

  /** Remove commands also work after the loopback stopped: by name, or a pick among the running ones. */
  private async profileOf(arg: unknown, placeHolder: string): Promise<string | undefined> {
    if (typeof arg === 'string') return arg;
    if (arg instanceof EndpointNode) return arg.profile;
    if (arg instanceof ProfileNode) return arg.entry.name;
    return (await this.pick(undefined, placeHolder))?.profile;
  }

  // ── Codex ────────────────────────────────────────────────────────────────

  async addToCodex(arg: unknown): Promise<void> {
    const ep = await this.pick(arg, 'Add which loopback to the Codex config?');
    if (!ep) return;
    const file = codexConfigPath();
    const before = (await readIfAny(file)) ?? '';
    const envVar = tokenEnvVar(ep.profile);
    const after = addToCodexConfig(before, { name: serverName(ep.profile), url: ep.mcpUrl, envVar });
    if (after !== before && !(await this.confirmEdit(file, before, after, `Add [mcp_servers.${serverName(ep.profile)}]`))) return;
    if (after !== before) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, after);
    }
    this.log.info(`[${ep.profile}] ${file}: [mcp_servers.${serverName(ep.profile)}] at ${ep.mcpUrl}, its token from $${envVar}`);
    const action = await vscode.window.showInformationMessage(
      `[mcp_servers.${serverName(ep.profile)}] is in ${file}. Codex reads the front-door token from ${envVar}: export ${envVar}=<token> in the shell that runs Codex (Copy Token copies it).`,
      'Copy Token',
    );
    if (action === 'Copy Token') await this.copyToken(ep.profile);
  }

  async removeFromCodex(arg: unknown): Promise<void> {
    const profile = await this.profileOf(arg, 'Remove which loopback from the Codex config?');
    if (!profile) return;
    const file = codexConfigPath();
    const before = await readIfAny(file);
    const name = serverName(profile);
    if (before === undefined || !hasCodexServer(before, name)) {
      void vscode.window.showInformationMessage(`${file} has no [mcp_servers.${name}] table.`);
      return;
    }
    const after = removeFromCodexConfig(before, name);
    if (!(await this.confirmEdit(file, before, after, `Remove [mcp_servers.${name}]`))) return;
    await writeFile(file, after);
    this.log.info(`[${profile}] ${file}: [mcp_servers.${name}] removed`);
    void vscode.window.showInformationMessage(`Removed [mcp_servers.${name}] from ${file}.`);
  }

  /** Shows the change as a diff and asks before it is written; the diff editor closes either way. */
  private async confirmEdit(file: string, before: string, after: string, what: string): Promise<boolean> {
    const stamp = Date.now().toString(36);
    const left = this.docs.put(`/codex/${stamp}/config.toml (before)`, before);
    const right = this.docs.put(`/codex/${stamp}/config.toml (after)`, after);
    await vscode.commands.executeCommand('vscode.diff', left, right, `config.toml: ${what}`, { preview: true });
    const answer = await vscode.window.showInformationMessage(
      `${what} in ${file}?`,
      { modal: true, detail: `The diff editor shows the change; nothing else in the file changes.\n\n${changedLines(before, after)}` },
      'Apply',
    );
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
      if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === right.toString()) await vscode.window.tabGroups.close(tab);
    }
    return answer === 'Apply';
  }

  dispose(): void {
    this.provider?.dispose();
    this.offeredChanged.dispose();
  }
}

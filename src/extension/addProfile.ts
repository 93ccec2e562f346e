/**
 * Add Profile…: a multi-step quick input ("1/5" in its title, a Back button
 * on every step after the first, and what was typed kept when going back).
 * First where the tunnel runs: on this machine only (loopback: no tunnel id,
 * no key, started at the end) or through the hosted control plane (a tunnel
 * id and a key). Then the MCP server (from .vscode/mcp.json, from Codex's
 * config.toml, or typed in), the profile name (suggested from the server),
 * and where the profile is saved. With an admin key stored (Set Admin Key…),
 * the tunnel is picked from the workspace's tunnels or created on the spot;
 * without one it is typed in.
 */
import * as vscode from 'vscode';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { TUNNEL_ID_PATTERN } from '../protocol/wire';
import { parseCodexConfigToml, parseVsCodeMcpJson, toProfileServer, type ImportedServer } from '../profiles/importers';
import { PROFILE_NAME_PATTERN } from '../profiles/schema';
import { suggestProfileName } from './profileNames';
import { updateScopeProfiles } from './profileCommands';
import type { ProfileEntry, ProfileScope } from './profiles';
import type { ApiKeys } from './secrets';
import { adminFailure, DEFAULT_BASE_URL, type TunnelAdmin } from './admin';

export type ServerSource = 'mcpJson' | 'codex' | 'command' | 'url';
type Mode = 'loopback' | 'hosted';
type StepId = 'mode' | 'source' | 'server' | 'name' | 'tunnelId' | 'key' | 'scope';

const TITLE = 'New Tunnel Profile';

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

// ── one step of the flow ───────────────────────────────────────────────────

type Outcome<T> = { kind: 'value'; value: T } | { kind: 'back' } | { kind: 'cancel' };

interface StepFrame {
  title: string;
  step: number;
  totalSteps: number;
  /** A Back button (every step but the first). */
  back: boolean;
}

/**
 * Shows `input` as step `f` and settles with its answer: the value `accept`
 * reads on Enter (undefined keeps it open), Back, or cancel when it hides.
 */
type StepInput = vscode.QuickInput & Pick<vscode.InputBox, 'buttons' | 'onDidAccept' | 'onDidTriggerButton'>;

function runInput<T>(input: StepInput, f: StepFrame, accept: () => T | undefined): Promise<Outcome<T>> {
  input.title = f.title;
  input.step = f.step;
  input.totalSteps = f.totalSteps;
  input.ignoreFocusOut = true;
  input.buttons = f.back ? [vscode.QuickInputButtons.Back] : [];
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Outcome<T>) => {
      if (done) return;
      done = true;
      resolve(outcome);
      input.dispose();
    };
    input.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && finish({ kind: 'back' }));
    input.onDidAccept(() => {
      const value = accept();
      if (value !== undefined) finish({ kind: 'value', value });
    });
    input.onDidHide(() => finish({ kind: 'cancel' }));
    input.show();
  });
}

type Item<T> = vscode.QuickPickItem & { value: T };

function pickStep<T>(f: StepFrame, placeholder: string, items: Item<T>[], active?: T): Promise<Outcome<T>> {
  const pick = vscode.window.createQuickPick<Item<T>>();
  pick.placeholder = placeholder;
  pick.items = items;
  const current = items.find((i) => active !== undefined && i.value === active);
  if (current) pick.activeItems = [current];
  return runInput(pick, f, () => (pick.selectedItems[0] ?? pick.activeItems[0])?.value);
}

interface InputOptions {
  prompt: string;
  placeholder?: string;
  value?: string;
  password?: boolean;
  validate: (value: string) => string | undefined;
}

function inputStep(f: StepFrame, o: InputOptions): Promise<Outcome<string>> {
  const box = vscode.window.createInputBox();
  box.prompt = o.prompt;
  box.placeholder = o.placeholder;
  box.value = o.value ?? '';
  box.password = o.password ?? false;
  box.onDidChangeValue((v) => (box.validationMessage = o.validate(v)));
  return runInput(box, f, () => {
    box.validationMessage = o.validate(box.value);
    return box.validationMessage ? undefined : box.value;
  });
}

// ── the flow ───────────────────────────────────────────────────────────────

/** Everything chosen so far; kept when the user goes back, so nothing typed is lost. */
interface Draft {
  /** Started as an import (Import from Codex Config…): the source is fixed. */
  imported: boolean;
  mode?: Mode;
  source?: ServerSource;
  commandText?: string;
  urlText?: string;
  /** The server picked from mcp.json or Codex, by name. */
  picked?: string;
  server?: Record<string, unknown>;
  suggestion?: string;
  name?: string;
  /** The suggestion the name step showed when the name was accepted. */
  nameSuggested?: string;
  tunnelId?: string;
  /** The control plane the admin key manages, when the tunnel was picked or created through it. */
  baseUrl?: string;
  key?: string;
  scope?: ProfileScope;
}

/** The steps the flow has, given what was chosen: a loopback profile asks for no tunnel id and no key. */
export function flowSteps(mode: Mode | undefined, preset: boolean, hasFolder: boolean): StepId[] {
  return ['mode', ...(preset ? [] : ['source' as const]), 'server', 'name', ...(mode === 'hosted' ? ['tunnelId' as const, 'key' as const] : []), ...(hasFolder ? ['scope' as const] : [])];
}

const MODE_ITEMS: Item<Mode>[] = [
  {
    label: '$(vm) Try it on this machine (loopback)',
    description: 'no account needed',
    detail: 'A relay runs here, for MCP clients on this machine. No tunnel ID, no API key.',
    value: 'loopback',
  },
  {
    label: '$(cloud) Hosted control plane',
    description: 'https://api.openai.com',
    detail: 'For ChatGPT, Codex and the Responses API: a tunnel ID and a runtime API key.',
    value: 'hosted',
  },
];

const SOURCE_ITEMS: Item<ServerSource>[] = [
  { label: '$(json) From .vscode/mcp.json', description: 'a server VS Code already knows', value: 'mcpJson' },
  { label: '$(file-code) From Codex config', description: '~/.codex/config.toml [mcp_servers.*]', value: 'codex' },
  { label: '$(terminal) A command', description: 'a stdio MCP server, e.g. npx -y @modelcontextprotocol/server-everything', value: 'command' },
  { label: '$(globe) A URL', description: 'a private Streamable HTTP MCP server', value: 'url' },
];

const STEP_TITLES: Record<StepId, string> = {
  mode: 'Where the tunnel runs',
  source: 'MCP server',
  server: 'MCP server',
  name: 'Profile name',
  tunnelId: 'Tunnel ID',
  key: 'API key',
  scope: 'Where to save it',
};

export async function addProfile(keys: ApiKeys, existing: ProfileEntry[], preset?: ServerSource, admin?: TunnelAdmin): Promise<string | undefined> {
  const hasFolder = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  const taken = new Set(existing.map((e) => e.name));
  const draft: Draft = { source: preset, imported: preset !== undefined };
  let index = 0;
  for (;;) {
    const steps = flowSteps(draft.mode ?? 'loopback', preset !== undefined, hasFolder);
    if (index >= steps.length) break;
    const id = steps[index]!;
    const f: StepFrame = { title: `${TITLE}: ${STEP_TITLES[id]}`, step: index + 1, totalSteps: steps.length, back: index > 0 };
    const outcome = await runStep(id, f, draft, taken, admin);
    if (outcome === 'cancel') return undefined;
    if (outcome === 'back') index = Math.max(0, index - 1);
    else index++;
  }
  return save(keys, draft, hasFolder);
}

/** One step: its answer is written into the draft. */
async function runStep(id: StepId, f: StepFrame, draft: Draft, taken: Set<string>, admin: TunnelAdmin | undefined): Promise<'next' | 'back' | 'cancel'> {
  const take = <T>(outcome: Outcome<T>, apply: (value: T) => void): 'next' | 'back' | 'cancel' => {
    if (outcome.kind !== 'value') return outcome.kind;
    apply(outcome.value);
    return 'next';
  };
  switch (id) {
    case 'mode':
      return take(await pickStep(f, 'Where should the tunnel run?', MODE_ITEMS, draft.mode), (v) => (draft.mode = v));
    case 'source':
      return take(await pickStep(f, 'Which MCP server should the tunnel serve?', SOURCE_ITEMS, draft.source), (v) => (draft.source = v));
    case 'server':
      return serverStep(f, draft);
    case 'name': {
      const suggestion = draft.suggestion ?? 'my-server';
      // A name the user typed is kept; one left as suggested follows a newly chosen server.
      const value = draft.name !== undefined && draft.name !== draft.nameSuggested ? draft.name : suggestion;
      const outcome = await inputStep(f, {
        prompt: 'Profile name, as shown in the Tunnels view',
        value,
        validate: (v) => (!PROFILE_NAME_PATTERN.test(v) ? 'Use 1 to 128 letters, digits, dots, dashes or underscores, starting with a letter or digit' : taken.has(v) ? 'A profile with this name exists' : undefined),
      });
      return take(outcome, (v) => {
        draft.name = v;
        draft.nameSuggested = suggestion;
      });
    }
    case 'tunnelId':
      if (admin && (await admin.hasKey())) return tunnelPickStep(f, draft, admin);
      return take(
        await inputStep(f, {
          prompt: 'Tunnel ID, from the Platform tunnel settings (with an admin key stored, this step lists your tunnels and can create one)',
          placeholder: 'tunnel_0123456789abcdefghijklmnopqrstuv',
          value: draft.tunnelId,
          validate: (v) => (TUNNEL_ID_PATTERN.test(v.trim()) ? undefined : 'A tunnel ID is "tunnel_" followed by 32 lowercase letters or digits'),
        }),
        (v) => {
          draft.tunnelId = v.trim();
          draft.baseUrl = undefined;
        },
      );
    case 'key':
      return take(
        await inputStep(f, {
          prompt: 'Runtime API key (Tunnels Read + Use), kept in secret storage. Leave empty to set it later.',
          value: draft.key,
          password: true,
          validate: (v) => (v.startsWith('sk-admin-') ? 'This is an admin key: use a runtime key with Tunnels Read + Use' : /\s/.test(v.trim()) ? 'A key has no spaces' : undefined),
        }),
        (v) => (draft.key = v.trim()),
      );
    case 'scope':
      return take(
        await pickStep<ProfileScope>(
          f,
          'Where should the profile be saved?',
          [
            { label: 'Workspace settings', description: 'shared with this project', value: 'workspace' },
            { label: 'User settings', description: 'available in every window', value: 'user' },
          ],
          draft.scope,
        ),
        (v) => (draft.scope = v),
      );
  }
}

type TunnelChoice = { kind: 'existing'; id: string } | { kind: 'create' } | { kind: 'type' };

/** The tunnel step with an admin key: an existing tunnel of the workspace, a new one, or an id typed in. */
async function tunnelPickStep(f: StepFrame, draft: Draft, admin: TunnelAdmin): Promise<'next' | 'back' | 'cancel'> {
  let tunnels: Awaited<ReturnType<TunnelAdmin['listTunnels']>> = [];
  try {
    tunnels = (await admin.listTunnels()) ?? [];
  } catch (err) {
    void vscode.window.showWarningMessage(`Could not list the tunnels: ${adminFailure(err)}`);
  }
  const connection = admin.connection();
  const items: Item<TunnelChoice>[] = [
    ...tunnels.map((t) => ({ label: `$(plug) ${t.name || t.id}`, description: t.id, detail: t.description || undefined, value: { kind: 'existing' as const, id: t.id } })),
    { label: '$(add) Create a new tunnel…', description: connection ? `in workspace ${connection.workspaceId}` : undefined, value: { kind: 'create' } },
    { label: '$(edit) Type a tunnel ID…', description: 'one from the Platform tunnel settings', value: { kind: 'type' } },
  ];
  const outcome = await pickStep(f, `Pick the tunnel of workspace ${connection?.workspaceId ?? ''}, or create one`, items, items.find((i) => i.value.kind === 'existing' && i.value.id === draft.tunnelId)?.value);
  if (outcome.kind !== 'value') return outcome.kind;
  const choice = outcome.value;
  if (choice.kind === 'existing') {
    draft.tunnelId = choice.id;
    draft.baseUrl = connection?.baseUrl;
    return 'next';
  }
  if (choice.kind === 'create') {
    const created = await admin.createTunnel(false);
    if (!created) return 'back';
    draft.tunnelId = created.id;
    draft.baseUrl = connection?.baseUrl;
    return 'next';
  }
  const typed = await inputStep(f, {
    prompt: 'Tunnel ID, from the Platform tunnel settings',
    placeholder: 'tunnel_0123456789abcdefghijklmnopqrstuv',
    value: draft.tunnelId,
    validate: (v) => (TUNNEL_ID_PATTERN.test(v.trim()) ? undefined : 'A tunnel ID is "tunnel_" followed by 32 lowercase letters or digits'),
  });
  if (typed.kind !== 'value') return typed.kind === 'back' ? 'back' : 'cancel';
  draft.tunnelId = typed.value.trim();
  draft.baseUrl = undefined;
  return 'next';
}

async function serverStep(f: StepFrame, draft: Draft): Promise<'next' | 'back' | 'cancel'> {
  const source = draft.source!;
  if (source === 'command') {
    const outcome = await inputStep(f, {
      prompt: 'Command that starts the stdio MCP server (run without a shell; quotes group arguments)',
      placeholder: 'npx -y @modelcontextprotocol/server-everything',
      value: draft.commandText,
      validate: (v) => (v.trim() ? undefined : 'Type the command that starts your MCP server'),
    });
    if (outcome.kind !== 'value') return outcome.kind;
    draft.commandText = outcome.value.trim();
    draft.server = { command: draft.commandText };
    draft.suggestion = suggestProfileName({ command: draft.commandText });
    return 'next';
  }
  if (source === 'url') {
    const outcome = await inputStep(f, {
      prompt: 'URL of the Streamable HTTP MCP server (reached from this machine)',
      placeholder: 'http://127.0.0.1:3000/mcp',
      value: draft.urlText,
      validate: (v) => (/^https?:\/\/[^\s]+$/.test(v.trim()) ? undefined : 'Use an http:// or https:// URL'),
    });
    if (outcome.kind !== 'value') return outcome.kind;
    draft.urlText = outcome.value.trim();
    draft.server = { url: draft.urlText };
    draft.suggestion = suggestProfileName({ url: draft.urlText });
    return 'next';
  }
  const found = source === 'mcpJson' ? await readMcpJson() : await readCodex();
  const problem = typeof found === 'string' ? found : found.servers.length === 0 ? `${found.where} defines no MCP servers.` : undefined;
  if (problem || typeof found === 'string') {
    void vscode.window.showWarningMessage(problem!);
    // Back to the choice of a source, when there is one to go back to; an import has none.
    return draft.imported ? 'cancel' : 'back';
  }
  const outcome = await pickStep(
    f,
    `Pick a server from ${found.where}`,
    found.servers.map((s) => ({
      label: s.name,
      description: s.kind === 'stdio' ? [s.command, ...(s.args ?? [])].join(' ') : s.url,
      detail: s.disabled ? 'disabled in its configuration' : undefined,
      value: s,
    })),
    found.servers.find((s) => s.name === draft.picked),
  );
  if (outcome.kind !== 'value') return outcome.kind;
  const picked = outcome.value;
  draft.picked = picked.name;
  // A VS Code server stays a reference, so later edits of mcp.json apply; a Codex server is copied in.
  draft.server = source === 'mcpJson' ? { mcpServer: picked.name } : (toProfileServer(picked) as Record<string, unknown>);
  draft.suggestion = suggestProfileName({ name: picked.name, command: picked.command, args: picked.args, url: picked.url });
  return 'next';
}

async function save(keys: ApiKeys, draft: Draft, hasFolder: boolean): Promise<string> {
  const name = draft.name!;
  const scope: ProfileScope = hasFolder ? draft.scope! : 'user';
  const loopback = draft.mode === 'loopback';
  const profile: Record<string, unknown> = loopback
    ? { name, loopback: true, mcp: { servers: [draft.server] } }
    : { name, controlPlane: { ...(draft.baseUrl && draft.baseUrl !== DEFAULT_BASE_URL ? { baseUrl: draft.baseUrl } : {}), tunnelId: draft.tunnelId }, mcp: { servers: [draft.server] } };
  const key = loopback ? '' : (draft.key ?? '');
  if (key) await keys.set(name, key);
  await updateScopeProfiles(scope, (list) => [...list, profile]);
  await vscode.commands.executeCommand('mcpTunnel.refresh');
  if (loopback) {
    // The local path ends running: that is what "try it" means.
    void vscode.commands.executeCommand('mcpTunnel.start', name);
    return name;
  }
  void vscode.window
    .showInformationMessage(`Profile "${name}" added to ${scope} settings${key ? ' and its key to secret storage' : ''}.`, 'Start Tunnel', ...(key ? [] : ['Set API Key…']))
    .then((action) => {
      if (action === 'Start Tunnel') void vscode.commands.executeCommand('mcpTunnel.start', name);
      else if (action === 'Set API Key…') void vscode.commands.executeCommand('mcpTunnel.setApiKey', name);
    });
  return name;
}

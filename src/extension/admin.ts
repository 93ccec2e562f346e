/**
 * Tunnel management in the editor with an admin key (Tunnels Read + Manage):
 * Set Admin Key… / Clear Admin Key, Create Tunnel…, Manage Tunnels… (rename,
 * change the description, delete), and the tunnel list Add Profile… picks
 * from. The admin key lives in secret storage under its own entry, which no
 * profile reference can name; it is used here, in the extension host, and
 * never reaches a worker, a child process, the trace, the logs or
 * diagnostics. Where to manage (base URL, workspace, organization) is not
 * secret and is kept in the extension's global state, not in settings.
 */
import * as vscode from 'vscode';
import type { AdminClient, AdminRequestError, AdminTunnel } from '../engine/adminClient';

// Loaded on first use: activation does not pay for the HTTP client.
const adminClient = () => require('../engine/adminClient') as typeof import('../engine/adminClient');

const ADMIN_KEY_PREFIX = 'sk-admin-';

const SECRET_KEY = 'mcpTunnel.adminKey';
const CONNECTION_KEY = 'mcpTunnel.adminConnection';
export const DEFAULT_BASE_URL = 'https://api.openai.com';

export interface AdminConnection {
  baseUrl: string;
  workspaceId: string;
  organizationId?: string;
}

/** What a refused or failed call says, for a message: never the key. */
export function adminFailure(err: unknown): string {
  return (err as Error).message;
}

export class TunnelAdmin {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  connection(): AdminConnection | undefined {
    return this.state.get<AdminConnection>(CONNECTION_KEY);
  }

  async hasKey(): Promise<boolean> {
    return (await this.secrets.get(SECRET_KEY)) !== undefined && this.connection() !== undefined;
  }

  /** Runs `call` with a client on the stored key; undefined (after offering Set Admin Key…) when there is none. */
  private async withClient<T>(call: (client: AdminClient, c: AdminConnection) => Promise<T>): Promise<T | undefined> {
    const key = await this.secrets.get(SECRET_KEY);
    const c = this.connection();
    if (key === undefined || c === undefined) {
      const action = await vscode.window.showWarningMessage('Managing tunnels needs an admin key (Tunnels Read + Manage), kept in secret storage.', 'Set Admin Key…');
      if (action) await vscode.commands.executeCommand('mcpTunnel.setAdminKey');
      return undefined;
    }
    return this.call(key, c, call);
  }

  private async call<T>(key: string, c: AdminConnection, call: (client: AdminClient, c: AdminConnection) => Promise<T>): Promise<T> {
    const client = new (adminClient().AdminClient)({ baseUrl: c.baseUrl, key, keyKind: 'admin' });
    try {
      return await call(client, c);
    } finally {
      await client.close();
    }
  }

  /** The tunnels of the stored workspace; undefined without a key. Throws with the API's advice when refused. */
  async listTunnels(): Promise<AdminTunnel[] | undefined> {
    return (await this.withClient((client, c) => client.list({ workspace_id: c.workspaceId })))?.tunnels;
  }

  /** One tunnel as the admin API sees it, when a key is stored; undefined otherwise or when the call fails. */
  async tunnel(id: string): Promise<{ tunnel?: AdminTunnel; status?: number; connection?: AdminConnection }> {
    const key = await this.secrets.get(SECRET_KEY);
    const c = this.connection();
    if (key === undefined || c === undefined) return {};
    try {
      return { tunnel: await this.call(key, c, (client) => client.get(id)), connection: c };
    } catch (err) {
      return { status: (err as Partial<AdminRequestError>).status, connection: c };
    }
  }

  async setKey(): Promise<boolean> {
    const previous = this.connection();
    const key = await vscode.window.showInputBox({
      title: 'Admin key for tunnel management (1/4)',
      prompt: 'Admin key (Tunnels Read + Manage), kept in secret storage. Only tunnel management uses it, never a running tunnel.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) =>
        v.trim() === ''
          ? 'Paste the admin key'
          : !v.trim().startsWith(ADMIN_KEY_PREFIX)
            ? `An admin key starts with ${ADMIN_KEY_PREFIX}: a runtime key (Tunnels Read + Use) belongs to a profile (Set API Key…)`
            : /\s/.test(v.trim())
              ? 'A key has no spaces'
              : undefined,
    });
    if (key === undefined) return false;
    const baseUrl = await vscode.window.showInputBox({
      title: 'Admin key for tunnel management (2/4)',
      prompt: 'Control plane that manages the tunnels',
      value: previous?.baseUrl ?? DEFAULT_BASE_URL,
      ignoreFocusOut: true,
      validateInput: (v) => (/^https?:\/\/[^\s/]+/.test(v.trim()) ? undefined : 'Use an http:// or https:// URL, e.g. https://api.openai.com'),
    });
    if (baseUrl === undefined) return false;
    const workspaceId = await vscode.window.showInputBox({
      title: 'Admin key for tunnel management (3/4)',
      prompt: 'Workspace ID: the ChatGPT workspace whose connectors will use the tunnels (new tunnels are attached to it)',
      value: previous?.workspaceId,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'The workspace ID is needed to list and create tunnels' : /\s/.test(v.trim()) ? 'An ID has no spaces' : undefined),
    });
    if (workspaceId === undefined) return false;
    const organizationId = await vscode.window.showInputBox({
      title: 'Admin key for tunnel management (4/4)',
      prompt: 'Organization ID (optional): new tunnels are attached to it too',
      value: previous?.organizationId,
      ignoreFocusOut: true,
      validateInput: (v) => (/\s/.test(v.trim()) ? 'An ID has no spaces' : undefined),
    });
    if (organizationId === undefined) return false;
    const c: AdminConnection = { baseUrl: baseUrl.trim().replace(/\/+$/, ''), workspaceId: workspaceId.trim(), ...(organizationId.trim() ? { organizationId: organizationId.trim() } : {}) };
    let count: number;
    try {
      count = (await this.call(key.trim(), c, (client) => client.list({ workspace_id: c.workspaceId }))).tunnels.length;
    } catch (err) {
      this.log.warn(`admin key check failed: ${adminFailure(err)}`);
      void vscode.window.showErrorMessage(`MCP Tunnel: the admin key was not saved: ${adminFailure(err)}`);
      return false;
    }
    await this.secrets.store(SECRET_KEY, key.trim());
    await this.state.update(CONNECTION_KEY, c);
    await vscode.commands.executeCommand('setContext', 'mcpTunnel.hasAdminKey', true);
    this.log.info(`admin key saved for ${c.baseUrl}, workspace ${c.workspaceId}`);
    void vscode.window.showInformationMessage(
      `Admin key saved in secret storage: ${count} tunnel${count === 1 ? '' : 's'} in workspace ${c.workspaceId}. Create Tunnel… and Manage Tunnels… use it; running tunnels never do.`,
    );
    return true;
  }

  async clearKey(): Promise<void> {
    const yes = await vscode.window.showWarningMessage('Remove the stored admin key?', { modal: true, detail: 'Running tunnels are not affected: they use their runtime keys.' }, 'Remove');
    if (yes !== 'Remove') return;
    await this.secrets.delete(SECRET_KEY);
    await vscode.commands.executeCommand('setContext', 'mcpTunnel.hasAdminKey', false);
    this.log.info('admin key removed from secret storage');
    void vscode.window.showInformationMessage('Admin key removed from secret storage.');
  }

  async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'mcpTunnel.hasAdminKey', await this.hasKey());
  }

  /** Asks for a name and a description, creates the tunnel in the stored workspace, and returns it. */
  async createTunnel(announce = true): Promise<AdminTunnel | undefined> {
    if (!(await this.hasKey())) return this.withClient(async () => undefined);
    const name = await vscode.window.showInputBox({
      title: 'New tunnel (1/2)',
      prompt: 'Tunnel name, as ChatGPT and Codex list it',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Give the tunnel a name' : undefined),
    });
    if (name === undefined) return undefined;
    const description = await vscode.window.showInputBox({
      title: 'New tunnel (2/2)',
      prompt: 'Description: what the tunnel reaches (shown with its name)',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Describe the tunnel in a few words' : undefined),
    });
    if (description === undefined) return undefined;
    const created = await this.withClient((client, c) =>
      client.create({ name: name.trim(), description: description.trim(), workspace_ids: [c.workspaceId], ...(c.organizationId ? { organization_ids: [c.organizationId] } : {}) }),
    );
    if (!created) return undefined;
    this.log.info(`tunnel created: ${created.id} "${created.name}"`);
    if (announce) {
      void vscode.window.showInformationMessage(`Tunnel "${created.name}" created: ${created.id}. Add a profile that uses it to start it.`, 'Add Profile…', 'Copy Tunnel ID').then(async (action) => {
        if (action === 'Add Profile…') await vscode.commands.executeCommand('mcpTunnel.addProfile');
        else if (action === 'Copy Tunnel ID') await vscode.env.clipboard.writeText(created.id);
      });
    }
    return created;
  }

  /** Lists the tunnels; the one picked can be renamed, described, copied or deleted. */
  async manageTunnels(usedBy: (tunnelId: string) => string[]): Promise<void> {
    const tunnels = await this.listTunnels();
    if (tunnels === undefined) return;
    const c = this.connection()!;
    if (tunnels.length === 0) {
      const action = await vscode.window.showInformationMessage(`No tunnels in workspace ${c.workspaceId} yet.`, 'Create Tunnel…');
      if (action) await this.createTunnel();
      return;
    }
    const picked = await vscode.window.showQuickPick(
      tunnels.map((t) => ({ label: t.name || t.id, description: t.id, detail: [t.description, ...usedBy(t.id).map((p) => `profile ${p}`)].filter(Boolean).join(' · '), tunnel: t })),
      { title: `MCP Tunnel: Tunnels of workspace ${c.workspaceId}`, placeHolder: 'Pick a tunnel to change or delete', matchOnDescription: true, ignoreFocusOut: true },
    );
    if (!picked) return;
    const t = picked.tunnel;
    const action = await vscode.window.showQuickPick(
      [
        { label: '$(edit) Change Name…', value: 'name' as const },
        { label: '$(note) Change Description…', value: 'description' as const },
        { label: '$(copy) Copy Tunnel ID', value: 'copy' as const },
        { label: '$(trash) Delete Tunnel…', value: 'delete' as const },
      ],
      { title: `MCP Tunnel: ${t.name} (${t.id})`, placeHolder: 'What should change?', ignoreFocusOut: true },
    );
    if (!action) return;
    if (action.value === 'copy') {
      await vscode.env.clipboard.writeText(t.id);
      void vscode.window.setStatusBarMessage(`Copied ${t.id}`, 3000);
      return;
    }
    if (action.value === 'delete') {
      const users = usedBy(t.id);
      const yes = await vscode.window.showWarningMessage(
        `Delete tunnel "${t.name}" (${t.id})?`,
        {
          modal: true,
          detail: `Connectors that use it stop working.${users.length > 0 ? ` Profiles using it: ${users.join(', ')}.` : ''} This cannot be undone.`,
        },
        'Delete',
      );
      if (yes !== 'Delete') return;
      const gone = await this.withClient((client) => client.delete(t.id));
      if (!gone) return;
      this.log.info(`tunnel deleted: ${t.id}`);
      void vscode.window.showInformationMessage(`Tunnel "${t.name}" deleted.`);
      return;
    }
    const field = action.value;
    const value = await vscode.window.showInputBox({
      title: `MCP Tunnel: ${field === 'name' ? 'Name' : 'Description'} of ${t.id}`,
      value: field === 'name' ? t.name : t.description,
      ignoreFocusOut: true,
      validateInput: (v) => (field === 'name' && v.trim() === '' ? 'A tunnel needs a name' : undefined),
    });
    if (value === undefined) return;
    const updated = await this.withClient((client) => client.update(t.id, { [field]: value.trim() }));
    if (!updated) return;
    this.log.info(`tunnel updated: ${t.id} ${field}`);
    void vscode.window.showInformationMessage(`Tunnel ${t.id}: ${field} is now "${updated[field]}".`);
  }
}

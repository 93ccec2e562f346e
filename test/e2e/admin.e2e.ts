/**
 * Tunnel management in a real VS Code (code-server 4.100.3) against the
 * relay's admin API: Set Admin Key…, Create Tunnel…, Add Profile… picking the
 * new tunnel, Start to ready with the tunnel's name and description in the
 * tree, the Connect to ChatGPT / Codex guide, Manage Tunnels… deleting it;
 * then the admin key is looked for, and must be missing, in the settings
 * files, the editor's logs, the diagnostics export (trace included) and the
 * environment of the worker and of every process the editor runs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { startCli, type CliProcess } from '../helpers/cli';
import { EVERYTHING } from '../helpers/everything';
import {
  answerDialog,
  clickNotificationButton,
  descendantPids,
  extensionHostLogErrors,
  openWorkbench,
  outputChannelText,
  packageProduct,
  PRODUCT_VSIX,
  processesMatching,
  quickPick,
  runCommand,
  screenshot,
  startCodeServer,
  treeRowText,
  waitForDialog,
  waitForNotification,
  waitUntil,
  type CodeServer,
  type Workbench,
} from './harness';

const EXTENSION_ID = 'mcp-tunnel.mcp-tunnel';
const VIEW = 'MCP Tunnels';
const WORKSPACE_ID = 'ws_e2e_admin';
const WORKER = path.join('mcp-tunnel.mcp-tunnel-0.1.0', 'dist', 'worker.js');

function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

describe('tunnel management with an admin key, in the editor', function () {
  this.timeout(300_000);
  let server: CodeServer;
  let wb: Workbench;
  let workspace: string;
  let relay: CliProcess;
  let relayInfo: Record<string, string>;
  let tunnelId = '';

  const rows = async () => (await treeRowText(wb.page, VIEW, 2_000).catch(() => [] as string[])).join('\n');
  const adminList = async (): Promise<Array<{ id: string; name: string; description: string }>> => {
    const res = await fetch(`${relayInfo.control_plane_base_url}/v1/tunnels?workspace_id=${WORKSPACE_ID}`, { headers: { Authorization: `Bearer ${relayInfo.admin_key}` } });
    return ((await res.json()) as { tunnels: Array<{ id: string; name: string; description: string }> }).tunnels;
  };

  before(async () => {
    packageProduct();
    // The relay makes both keys; neither is in the editor's environment: they are typed in, as a user would.
    relay = startCli(['relay', '--print-json', '--workspace-id', WORKSPACE_ID]);
    relayInfo = await relay.json();
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-admin-'));
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    server = await startCodeServer({ name: 'admin', workspace, vsixPath: PRODUCT_VSIX, userSettings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    wb = await openWorkbench(server);
    await runCommand(wb.page, 'View: Show MCP Tunnels');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      await screenshot(wb.page, `failed-admin-${this.currentTest.title.slice(0, 40)}`).catch(() => undefined);
      console.log(`tree rows:\n${await rows()}`);
    }
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    relay?.child.kill('SIGTERM');
  });

  it('Set Admin Key… refuses a runtime key, checks the admin key against the control plane and keeps it', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Set Admin Key…');
    const qp = quickPick(wb.page);
    await qp.fill(relayInfo.api_key!, { password: true, accept: false });
    await qp.waitFor(/An admin key starts with sk-admin-/);
    await qp.fill(relayInfo.admin_key!, { password: true });
    await qp.waitFor('Control plane that manages the tunnels');
    await qp.fill(relayInfo.control_plane_base_url!);
    await qp.waitFor(/Workspace ID/);
    await qp.fill(WORKSPACE_ID);
    await qp.waitFor(/Organization ID \(optional\)/);
    await qp.accept();
    await waitForNotification(wb.page, `Admin key saved in secret storage: 1 tunnel in workspace ${WORKSPACE_ID}`);
  });

  it('Create Tunnel… creates a tunnel in the workspace, with its name and description', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Create Tunnel…');
    const qp = quickPick(wb.page);
    await qp.waitFor(/Tunnel name/);
    await qp.fill('E2E Docs');
    await qp.waitFor(/Description/);
    await qp.fill('Docs server for the e2e');
    const text = await waitForNotification(wb.page, /Tunnel "E2E Docs" created: tunnel_[a-z0-9]{32}/);
    tunnelId = /tunnel_[a-z0-9]{32}/.exec(text)![0];
    const created = (await adminList()).find((t) => t.id === tunnelId);
    assert.deepEqual([created?.name, created?.description], ['E2E Docs', 'Docs server for the e2e']);
    await screenshot(wb.page, 'admin-tunnel-created');
  });

  it('Add Profile… picks the new tunnel from the list; Start brings it to ready with its name and description in the tree; the connect guide follows', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Add Profile…');
    const qp = quickPick(wb.page);
    await qp.pick('Hosted control plane');
    await qp.pick('A command');
    await qp.waitFor(/Command that starts the stdio MCP server/);
    await qp.fill(`${process.execPath} ${EVERYTHING} stdio`);
    await qp.waitFor(/Profile name/);
    await qp.fill('docs');
    await qp.waitFor(new RegExp(`Pick the tunnel of workspace ${WORKSPACE_ID}`));
    const items = await qp.items();
    assert.ok(items.some((i) => i.includes('Create a new tunnel')), items.join(' | '));
    assert.ok(items.some((i) => i.includes('Type a tunnel ID')), items.join(' | '));
    await screenshot(wb.page, 'admin-add-profile-pick-tunnel');
    // By keyboard: a hover over the list may cover the row.
    await qp.fill('E2E Docs');
    await qp.waitFor(/Runtime API key/);
    await qp.fill(relayInfo.api_key!, { password: true });
    await qp.pick('Workspace settings');
    await clickNotificationButton(wb.page, 'Profile "docs" added', 'Start Tunnel');
    await waitUntil(async () => /^docs\s+ready$/m.test(await rows()), 60_000, 'docs ready');
    const saved = JSON.parse(fs.readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8'))['mcpTunnel.profiles'][0];
    assert.deepEqual(saved.controlPlane, { baseUrl: relayInfo.control_plane_base_url, tunnelId });
    await waitUntil(async () => /Tunnel\s+E2E Docs — Docs server for the e2e/.test(await rows()), 20_000, 'the tunnel row with name and description');

    const guide = await waitForNotification(wb.page, /"docs" is ready: in ChatGPT or Codex connector settings choose Connection: Tunnel and select "E2E Docs"/);
    assert.match(guide, new RegExp(tunnelId));
    await screenshot(wb.page, 'admin-connect-guide');
    await clickNotificationButton(wb.page, '"docs" is ready', 'How to connect');
    const modal = await waitForDialog(wb.page);
    assert.match(modal.detail, /choose Connection: Tunnel/);
    assert.match(modal.detail, new RegExp(`paste its ID: ${tunnelId}`));
    assert.match(modal.detail, new RegExp(`Do it in workspace ${WORKSPACE_ID}`));
    assert.match(modal.detail, /✓ The runtime key polls this tunnel: it has Tunnels Read \+ Use\./);
    assert.match(modal.detail, new RegExp(`✓ The tunnel is attached to workspace ${WORKSPACE_ID}`));
    assert.match(modal.detail, /relay on this machine: ChatGPT and Codex cannot reach it/);
    assert.ok(modal.buttons.some((b) => b.includes('Copy Tunnel ID')), modal.buttons.join(', '));
    await screenshot(wb.page, 'admin-connect-guide-detail');
    await answerDialog(wb.page);
  });

  it('keeps the admin key out of the worker and every process the editor runs', () => {
    const workers = processesMatching(WORKER);
    assert.equal(workers.length, 1, 'one worker runs');
    const environ = (pid: number) => {
      try {
        return fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      } catch {
        return '';
      }
    };
    assert.ok(environ(workers[0]!).length > 0, 'the worker environment is readable');
    assert.ok(!environ(workers[0]!).includes(relayInfo.admin_key!), 'the worker environment holds no admin key');
    const all = [server.process.pid!, ...descendantPids(server.process.pid!)];
    assert.ok(all.includes(workers[0]!));
    assert.deepEqual(all.filter((pid) => environ(pid).includes(relayInfo.admin_key!)), [], 'no process of the editor has the admin key in its environment');
  });

  it('Manage Tunnels… lists the tunnel with the profile using it and deletes it after a modal confirmation', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Stop Tunnel');
    await waitUntil(async () => /^docs\s+stopped$/m.test(await rows()), 20_000, 'docs stopped');
    await runCommand(wb.page, 'MCP Tunnel: Manage Tunnels…');
    const qp = quickPick(wb.page);
    const items = await qp.items();
    assert.ok(items.some((i) => i.includes('E2E Docs')), items.join(' | '));
    await screenshot(wb.page, 'admin-manage-tunnels');
    await qp.fill('E2E Docs');
    await qp.waitFor('What should change?');
    await qp.fill('Delete Tunnel');
    const confirm = await waitForDialog(wb.page);
    assert.equal(confirm.message, `Delete tunnel "E2E Docs" (${tunnelId})?`);
    assert.match(confirm.detail, /Profiles using it: docs\./);
    await answerDialog(wb.page, 'Delete');
    await waitForNotification(wb.page, 'Tunnel "E2E Docs" deleted.');
    assert.equal((await adminList()).some((t) => t.id === tunnelId), false, 'gone from the control plane');
  });

  it('keeps the admin key out of the settings, the logs and the diagnostics export (with its trace)', async () => {
    const exported = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-admin-export-')), 'diagnostics.zip');
    await runCommand(wb.page, 'MCP Tunnel: Export Diagnostics…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 10_000 });
    await waitUntil(async () => /mcp-tunnel-diagnostics-.*\.zip$/.test(await input.inputValue()), 10_000, 'the proposed file name');
    await input.fill(exported);
    // The dialog lists the folder as the path changes; its OK button takes what is typed.
    await wb.page.waitForTimeout(500);
    await wb.page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).first().click();
    await waitUntil(async () => fs.existsSync(exported) && fs.statSync(exported).size > 0, 15_000, 'the diagnostics file');
    // Every file of the zip, as one text: the admin key must be in none of them.
    const diagnostics = Object.entries(unzipSync(fs.readFileSync(exported)))
      .map(([name, bytes]) => `${name}\n${strFromU8(bytes)}`)
      .join('\n');
    assert.match(diagnostics, /"docs"/, 'the export covers the profile');
    assert.match(diagnostics, /trace/i, 'the export holds the trace');

    const log = outputChannelText(server, 'MCP Tunnel');
    assert.match(log, new RegExp(`tunnel created: ${tunnelId}`), 'the log tells what was managed');
    const texts: Array<[string, string]> = [
      ['diagnostics export', diagnostics],
      ['MCP Tunnel output', log],
      ...filesBelow(workspace).map((f): [string, string] => [f, fs.readFileSync(f, 'utf8')]),
      ...[path.join(server.userDataDir, 'User', 'settings.json')].map((f): [string, string] => [f, fs.readFileSync(f, 'utf8')]),
      ...filesBelow(server.logsDir).map((f): [string, string] => [f, fs.readFileSync(f, 'latin1')]),
    ];
    assert.ok(texts.length > 4);
    const leaks = texts.filter(([, text]) => text.includes(relayInfo.admin_key!)).map(([where]) => where);
    assert.deepEqual(leaks, [], 'the admin key is in none of them');
  });

  it('logged no error from the extension in the extension host', () => {
    const errors = extensionHostLogErrors(server, EXTENSION_ID, ['mcp-tunnel']);
    assert.deepEqual(errors, [], `extension host errors:\n${errors.join('\n')}`);
  });
});

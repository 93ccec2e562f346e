/**
 * The loopback front door as a user meets it in a real VS Code (code-server
 * 4.100.3): a tree row with its URL and auth mode once the loopback runs;
 * Copy MCP URL, Copy Token and Copy as curl from the row, the status bar menu
 * and the dashboard, each checked on the browser's clipboard and against the
 * real front door; and Add to / Remove from VS Code MCP Servers and Codex
 * Config, each checked in the files with the user's comments and other
 * entries intact.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };
import type { Page } from 'playwright-core';
import { EVERYTHING } from '../helpers/everything';
import {
  answerDialog,
  clearNotifications,
  clickTreeInlineAction,
  extensionHostLogErrors,
  openWorkbench,
  outputChannelText,
  packageProduct,
  PRODUCT_VSIX,
  quickPick,
  runCommand,
  screenshot,
  startCodeServer,
  treeRow,
  treeRowText,
  waitForDialog,
  waitForNotification,
  waitUntil,
  webview,
  type CodeServer,
  type Workbench,
} from './harness';

// smol-toml ships ESM type declarations only; its CommonJS build is what require() loads here.
const { parse: parseToml } = require('smol-toml') as typeof SmolToml;

const VIEW = 'MCP Tunnels';
const PROFILE = 'loop';
const NAME = 'mcp-tunnel-loop';

const USER_MCP_JSON = `{
  // My own servers: MCP Tunnel must leave them and this comment alone.
  "servers": {
    "fs": { "type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."] }
  }
}
`;

const USER_CODEX_CONFIG = `# Codex settings, with comments MCP Tunnel must keep
model = "o3" # my default

[mcp_servers.docs]
command = "npx"   # aligned by hand
args = ["-y", "docs-server"]

# Profiles below
[profiles.fast]
model = "o4-mini"
`;

async function clipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Puts a marker on the clipboard, so a later read proves the action wrote it. */
async function resetClipboard(page: Page): Promise<void> {
  await page.evaluate(() => navigator.clipboard.writeText('(nothing copied yet)'));
}

async function waitForClipboard(page: Page, what: string): Promise<string> {
  let text = '';
  await waitUntil(async () => (text = await clipboard(page)) !== '(nothing copied yet)', 10_000, `${what} on the clipboard`);
  return text;
}

/** Opens the context menu of a tree row and runs one of its entries, as a mouse user does. */
async function contextMenu(page: Page, label: string, entry: string): Promise<void> {
  await treeRow(page, VIEW, label).click({ button: 'right' });
  const item = page.locator('.context-view .monaco-menu .action-item').filter({ has: page.locator('.action-label', { hasText: new RegExp(`^${entry}$`) }) });
  await item.first().waitFor({ state: 'visible', timeout: 10_000 });
  // Hovering focuses the entry; Enter runs it (a click right after the menu opens is sometimes dropped).
  await item.first().hover();
  await waitUntil(async () => (await item.first().locator('.action-menu-item.focused, .action-menu-item:focus').count()) > 0 || (await item.first().evaluate((el) => el.classList.contains('focused'))), 5_000, `"${entry}" focused`);
  await page.keyboard.press('Enter');
  await page.locator('.context-view .monaco-menu').waitFor({ state: 'hidden', timeout: 5_000 });
}

/** The rows of the context menu of a tree row, then closed. */
async function contextMenuEntries(page: Page, label: string): Promise<string[]> {
  await treeRow(page, VIEW, label).click({ button: 'right' });
  const labels = page.locator('.context-view .monaco-menu .action-item .action-label');
  await labels.first().waitFor({ state: 'visible', timeout: 10_000 });
  const out = (await labels.allTextContents()).map((t) => t.trim()).filter(Boolean);
  await page.keyboard.press('Escape');
  return out;
}

/** The palette's entries that start with `query` (it also shows fuzzy and recent matches), then closed. */
async function paletteEntries(page: Page, query: string): Promise<string[]> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget .quick-input-box input').fill(`>${query}`);
  await page.waitForTimeout(500);
  const labels = await page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name').allTextContents();
  await page.keyboard.press('Escape');
  return labels
    .map((l) => l.trim())
    .filter((l) => l.startsWith(query))
    .sort();
}

/** An MCP initialize against the front door with this Authorization header: the HTTP status and the server's name. */
async function initialize(url: string, authorization?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...(authorization ? { Authorization: authorization } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } } }),
  });
  return { status: res.status, body: await res.text() };
}

describe('The loopback endpoint in VS Code', function () {
  this.timeout(300_000);
  let server: CodeServer;
  let wb: Workbench;
  let workspace: string;
  let codexHome: string;
  let url = '';
  let token = '';

  const rows = async () => (await treeRowText(wb.page, VIEW, 2_000).catch(() => [] as string[])).join('\n');
  const mcpJsonFile = () => path.join(workspace, '.vscode', 'mcp.json');
  const codexFile = () => path.join(codexHome, 'config.toml');

  before(async () => {
    packageProduct();
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-endpoint-'));
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(mcpJsonFile(), USER_MCP_JSON);
    codexHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-codex-'));
    fs.writeFileSync(codexFile(), USER_CODEX_CONFIG);
    server = await startCodeServer({
      name: 'endpoint',
      workspace,
      vsixPath: PRODUCT_VSIX,
      env: { CODEX_HOME: codexHome },
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern' },
      workspaceSettings: {
        'mcpTunnel.profiles': [{ name: PROFILE, controlPlane: { tunnelId: `tunnel_${'e2eendpoint'.padEnd(32, '0')}` }, mcp: { servers: [{ command: process.execPath, args: [EVERYTHING, 'stdio'] }] } }],
      },
    });
    wb = await openWorkbench(server);
    await wb.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.workbenchUrl).origin });
    await runCommand(wb.page, 'View: Show MCP Tunnels');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      await screenshot(wb.page, `endpoint-failed-${this.currentTest.title.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
      console.log(`tree rows:\n${await rows()}`);
    }
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    for (const dir of [workspace, codexHome]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows no endpoint and no endpoint command while no loopback runs', async () => {
    await waitUntil(async () => new RegExp(`${PROFILE}\\s+stopped`).test(await rows()), 30_000, 'the profile in the tree');
    assert.doesNotMatch(await rows(), /MCP endpoint/);
    assert.deepEqual(await paletteEntries(wb.page, 'MCP Tunnel: Copy'), ['MCP Tunnel: Copy Tunnel ID'], 'no endpoint command without a loopback');
  });

  it('shows a running loopback\'s front door as a tree row with its URL and auth mode, and logs the URL once, never the token', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Start Loopback');
    await waitForNotification(wb.page, /Loopback tunnel "loop" is ready at http:\/\/127\.0\.0\.1:\d+/, 90_000);
    await clearNotifications(wb.page);
    let row = '';
    await waitUntil(async () => {
      row = /MCP endpoint .*/.exec(await rows())?.[0] ?? '';
      return row !== '';
    }, 30_000, 'the endpoint row');
    const match = /^MCP endpoint (http:\/\/127\.0\.0\.1:\d+\/v1\/mcp\/tunnel_\w+) · bearer token \(or token in path\)$/.exec(row);
    assert.ok(match, `the row reads: ${row}`);
    url = match[1]!;
    assert.match(await rows(), new RegExp(`${PROFILE}\\s+ready[\\s\\S]*\\n  MCP endpoint `), 'a child of the ready profile');
    await screenshot(wb.page, 'endpoint-row-dark');

    await waitUntil(async () => outputChannelText(server, 'MCP Tunnel').includes('loopback front door ready'), 15_000, 'the log line');
    const lines = outputChannelText(server, 'MCP Tunnel').split('\n').filter((l) => l.includes('loopback front door ready'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(lines[0]!.includes(`[${PROFILE}] loopback front door ready: ${url} (bearer token (or token in path))`), lines[0]);
  });

  it('Copy MCP URL (inline button) and Copy Token (context menu) put the URL and a token the front door accepts on the clipboard', async () => {
    await resetClipboard(wb.page);
    await clickTreeInlineAction(wb.page, VIEW, 'MCP endpoint', 'Copy MCP URL');
    assert.equal(await waitForClipboard(wb.page, 'the URL'), url);

    await resetClipboard(wb.page);
    await contextMenu(wb.page, 'MCP endpoint', 'Copy Token');
    token = await waitForClipboard(wb.page, 'the token');
    assert.match(token, /^relay-mcp-\S{16,}$/);
    assert.ok(!(await rows()).includes(token), 'the tree never shows the token');
    assert.ok(!outputChannelText(server, 'MCP Tunnel').includes(token), 'the log never holds the token');

    const accepted = await initialize(url, `Bearer ${token}`);
    assert.equal(accepted.status, 200, accepted.body);
    assert.match(accepted.body, /"serverInfo"/);
    const refused = await initialize(url, 'Bearer not-the-token');
    assert.equal(refused.status, 401, 'the front door checks the token, so the one copied is what makes it answer');
  });

  it('Copy as curl from the status bar menu gives a command that initializes the MCP server through the front door', async () => {
    await resetClipboard(wb.page);
    await wb.page.locator('[id="mcp-tunnel.mcp-tunnel.mcpTunnel.status"]').click();
    const items = await quickPick(wb.page).items();
    for (const item of ['Copy MCP URL', 'Copy Token', 'Copy as curl']) assert.ok(items.includes(item), `status bar menu: ${items.join(', ')}`);
    await quickPick(wb.page).pick('Copy as curl');
    const curl = await waitForClipboard(wb.page, 'the curl command');
    assert.ok(curl.startsWith(`curl -sS -N -X POST '${url}'`), curl);
    assert.ok(curl.includes(`-H 'Authorization: Bearer ${token}'`), curl);
    // The command as a user pastes it into a shell.
    const out = execFileSync('sh', ['-c', curl], { encoding: 'utf8', timeout: 30_000 });
    assert.match(out, /"result":\{"protocolVersion":"[^"]+","capabilities":/);
    assert.match(out, /"serverInfo":\{"name":"[^"]+"/);
  });

  it('shows the endpoint in the dashboard\'s Health section, whose buttons copy what the tree row copies', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Open Dashboard');
    const card = webview(wb.page).locator('section.endpoint');
    await card.waitFor({ timeout: 30_000 });
    const text = (await card.textContent()) ?? '';
    assert.ok(text.includes(url) && text.includes('bearer token (or token in path)'), text);
    assert.ok(!text.includes(token), 'the webview never gets the token');
    await screenshot(wb.page, 'endpoint-dashboard-dark');
    for (const [button, expected] of [
      ['Copy MCP URL', url],
      ['Copy Token', token],
    ] as const) {
      await resetClipboard(wb.page);
      await card.getByRole('button', { name: button }).click();
      assert.equal(await waitForClipboard(wb.page, button), expected, button);
    }
    await resetClipboard(wb.page);
    await card.getByRole('button', { name: 'Copy as curl' }).click();
    assert.ok((await waitForClipboard(wb.page, 'curl')).includes(`Authorization: Bearer ${token}`));
    await runCommand(wb.page, 'View: Close All Editors');
  });

  it('Add to VS Code MCP Servers registers the front door with VS Code here (code-server 1.100 lets the extension use the provider API), and VS Code\'s own MCP client reaches the tools through the tunnel', async () => {
    await contextMenu(wb.page, 'MCP endpoint', 'Add to VS Code MCP Servers');
    await waitForNotification(wb.page, /"mcp-tunnel-loop" is in VS Code's MCP servers \(MCP: List Servers\) while the loopback of "loop" runs/);
    await clearNotifications(wb.page);
    assert.match(outputChannelText(server, 'MCP Tunnel'), /MCP servers: the loopback front doors are offered to VS Code through its MCP server provider API/);
    assert.equal(fs.readFileSync(mcpJsonFile(), 'utf8'), USER_MCP_JSON, 'the registration path leaves the user\'s mcp.json alone');

    await runCommand(wb.page, 'MCP: List Servers');
    let listed: string[] = [];
    await waitUntil(async () => (listed = await wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allTextContents()).some((l) => l.startsWith(NAME)), 10_000, 'our server in the list').catch(() => undefined);
    assert.ok(listed.some((l) => l.startsWith(NAME) && l.includes('MCP Tunnel loopback')), `VS Code lists: ${listed.join(' | ')}`);
    assert.ok(listed.some((l) => l.startsWith('fs')), 'next to the user\'s own server');
    await quickPick(wb.page).pick(NAME);
    await quickPick(wb.page).pick('Start Server');
    await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    await wb.page.waitForTimeout(1_000);
    await runCommand(wb.page, 'MCP: List Servers');
    await quickPick(wb.page).pick(NAME);
    await quickPick(wb.page).pick('Show Output');
    const output = async () => ((await wb.page.locator('.part.panel .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
    await waitUntil(async () => /Discovered \d+ tools/.test(await output()), 30_000, 'VS Code to list the tools through the front door');
    assert.match(await output(), /Connection state: Running/);
    await screenshot(wb.page, 'endpoint-vscode-mcp-running');
    await runCommand(wb.page, 'View: Hide Panel');

    const files = fs.readdirSync(server.userDataDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const holding = files.filter((f) => fs.readFileSync(path.join(f.parentPath, f.name)).includes(token)).map((f) => f.name);
    assert.deepEqual(holding, [], 'VS Code stored the token nowhere (it gets it when it starts the server, from memory)');

    await contextMenu(wb.page, 'MCP endpoint', 'Remove from VS Code MCP Servers');
    await waitForNotification(wb.page, /"mcp-tunnel-loop" is no longer in VS Code's MCP servers/);
    await clearNotifications(wb.page);
    await wb.page.waitForTimeout(1_000);
    await runCommand(wb.page, 'MCP: List Servers');
    await waitUntil(async () => !(await wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allTextContents()).some((l) => l.startsWith(NAME)), 10_000, 'the server gone from the list');
    await wb.page.keyboard.press('Escape');
    assert.equal(fs.readFileSync(mcpJsonFile(), 'utf8'), USER_MCP_JSON);
  });

  it('Add to Codex Config shows the change first, then writes only our table to $CODEX_HOME/config.toml, and Remove gives the file back as it was', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Add to Codex Config');
    const asked = await waitForDialog(wb.page);
    assert.equal(asked.message, `Add [mcp_servers.${NAME}] in ${codexFile()}?`);
    assert.ok(asked.detail.includes(`+ [mcp_servers.${NAME}]`) && asked.detail.includes(`+ url = "${url}"`) && asked.detail.includes(`+ bearer_token_env_var = "MCP_TUNNEL_LOOP_TOKEN"`), asked.detail);
    assert.equal(await wb.page.locator('.tab', { hasText: `config.toml: Add [mcp_servers.${NAME}]` }).count(), 1, 'a diff editor of the change');
    await screenshot(wb.page, 'endpoint-codex-diff');
    assert.equal(fs.readFileSync(codexFile(), 'utf8'), USER_CODEX_CONFIG, 'nothing written before Apply');
    await answerDialog(wb.page, 'Apply');
    await waitForNotification(wb.page, /Codex reads the front-door token from MCP_TUNNEL_LOOP_TOKEN: export MCP_TUNNEL_LOOP_TOKEN=<token>/);
    await clearNotifications(wb.page);
    const text = fs.readFileSync(codexFile(), 'utf8');
    assert.ok(text.startsWith(USER_CODEX_CONFIG), `the user's text, comments and tables stay as they were:\n${text}`);
    assert.ok(!text.includes(token), 'the file never holds the token');
    const config = parseToml(text) as { mcp_servers: Record<string, Record<string, unknown>>; profiles: unknown; model: string };
    assert.deepEqual({ ...config.mcp_servers[NAME] }, { url, bearer_token_env_var: 'MCP_TUNNEL_LOOP_TOKEN' });
    assert.deepEqual({ ...config.mcp_servers.docs }, { command: 'npx', args: ['-y', 'docs-server'] });
    assert.equal(await wb.page.locator('.tab', { hasText: 'config.toml: Add' }).count(), 0, 'the diff editor closed');

    await contextMenu(wb.page, 'MCP endpoint', 'Remove from Codex Config');
    const removing = await waitForDialog(wb.page);
    assert.ok(removing.detail.includes(`- [mcp_servers.${NAME}]`), removing.detail);
    await answerDialog(wb.page, 'Apply');
    await waitForNotification(wb.page, new RegExp(`Removed \\[mcp_servers\\.${NAME}\\]`));
    await clearNotifications(wb.page);
    assert.equal(fs.readFileSync(codexFile(), 'utf8'), USER_CODEX_CONFIG);
  });

  it('offers every endpoint action in the row\'s context menu, and looks right in the light theme', async () => {
    const entries = await contextMenuEntries(wb.page, 'MCP endpoint');
    for (const e of ['Copy MCP URL', 'Copy Token', 'Copy as curl', 'Add to VS Code MCP Servers', 'Remove from VS Code MCP Servers', 'Add to Codex Config', 'Remove from Codex Config']) {
      assert.ok(entries.includes(e), `context menu: ${entries.join(', ')}`);
    }
    await runCommand(wb.page, 'Preferences: Color Theme');
    await quickPick(wb.page).pick('Light Modern');
    await wb.page.locator('.monaco-workbench.vs').waitFor({ timeout: 15_000 });
    await treeRow(wb.page, VIEW, 'MCP endpoint').hover();
    await screenshot(wb.page, 'endpoint-row-light');
  });

  it('takes the row, the front door and the endpoint commands away when the loopback stops', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Stop Tunnel');
    await waitUntil(async () => new RegExp(`${PROFILE}\\s+stopped`).test(await rows()), 30_000, 'the profile stopped');
    assert.doesNotMatch(await rows(), /MCP endpoint/);
    await waitUntil(async () => initialize(url, `Bearer ${token}`).then(() => false, () => true), 10_000, 'the front door to close');
    assert.deepEqual(await paletteEntries(wb.page, 'MCP Tunnel: Copy'), ['MCP Tunnel: Copy Tunnel ID']);
    const errors = extensionHostLogErrors(server, 'mcp-tunnel.mcp-tunnel', ['mcp-tunnel']);
    assert.deepEqual(errors, [], errors.join('\n'));
  });
});

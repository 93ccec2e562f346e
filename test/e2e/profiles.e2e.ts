/**
 * Profiles in a real VS Code (code-server 4.100.3): Add Profile…'s steps
 * (Back keeps what was typed; the path on this machine asks for no tunnel
 * ID or key and ends running a loopback), Rename, Duplicate and Remove
 * Profile in settings.json and the tree, the tree's context menu by
 * keyboard, the status bar menu's default, the palette's `when` clauses,
 * and a loopback tunnel that comes back after a window reload.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startCli, type CliProcess } from '../helpers/cli';
import { EVERYTHING } from '../helpers/everything';
import {
  answerDialog,
  clearNotifications,
  extensionHostLogErrors,
  openWorkbench,
  packageProduct,
  PRODUCT_VSIX,
  quickPick,
  runCommand,
  screenshot,
  startCodeServer,
  treeRow,
  treeRowText,
  webview,
  waitForDialog,
  waitForNotification,
  waitUntil,
  type CodeServer,
  type Workbench,
} from './harness';

const EXTENSION_ID = 'mcp-tunnel.mcp-tunnel';
const RELAY_KEY = `relay-e2e-profiles-${Date.now().toString(36)}-secret`;
const VIEW = 'MCP Tunnels';
const QUICK_INPUT = '.quick-input-widget';
/** The quick input's Back button (QuickInputButtons.Back), at the left of its title bar. */
const BACK = `${QUICK_INPUT} .quick-input-left-action-bar .action-label`;
/** The status bar item: "<extension id>.<item id>". */
const STATUS_ITEM = `#${EXTENSION_ID.replace(/\./g, '\\.')}\\.mcpTunnel\\.status`;

let lastRows = '';
async function rows(page: Page): Promise<string> {
  lastRows = (await treeRowText(page, VIEW, 2_000).catch(() => [] as string[])).join('\n');
  return lastRows;
}

function workspaceSettings(workspace: string): { 'mcpTunnel.profiles'?: Record<string, unknown>[] } {
  const file = path.join(workspace, '.vscode', 'settings.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { 'mcpTunnel.profiles'?: Record<string, unknown>[] }) : {};
}

/** The profile names in the workspace settings; none while VS Code is rewriting the file (emptied, then written), which the polls that call this read again. */
function profileNamesIn(workspace: string): unknown[] {
  try {
    return (workspaceSettings(workspace)['mcpTunnel.profiles'] ?? []).map((p) => p.name);
  } catch (err) {
    if (err instanceof SyntaxError) return [];
    throw err;
  }
}

/** The quick input's title as VS Code renders it, step count included ("… (2/5)"). */
async function quickInputTitle(page: Page): Promise<string> {
  return ((await page.locator(`${QUICK_INPUT} .quick-input-title`).first().textContent()) ?? '').trim();
}

/** Waits until the quick input shows step `step` of `total`, and returns its title. */
async function waitForStep(page: Page, step: number, total: number): Promise<string> {
  let title = '';
  await waitUntil(async () => (title = await quickInputTitle(page)).endsWith(`(${step}/${total})`), 15_000, `step ${step}/${total} (last title: ${title})`);
  return title;
}

async function pressBack(page: Page): Promise<void> {
  const back = page.locator(BACK).filter({ visible: true }).first();
  if (!(await back.waitFor({ timeout: 5_000 }).then(() => true, () => false))) {
    const bar = await page.locator(`${QUICK_INPUT} .quick-input-titlebar`).first().evaluate((el) => el.outerHTML).catch(() => '');
    throw new Error(`no Back button in the quick input: ${bar}`);
  }
  await back.click();
}

async function inputValue(page: Page): Promise<string> {
  return page.locator(`${QUICK_INPUT} .quick-input-box input`).inputValue();
}

/**
 * Whether the palette lists the command `title` ("Category: Title"): the
 * title itself is typed, so the row would be first and rendered (the list
 * renders only the rows in view). Add Profile… is always listed, so it
 * tells when the palette has filtered.
 */
async function paletteShows(page: Page, title: string): Promise<boolean> {
  await page.keyboard.press('F1');
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`);
  await input.waitFor({ state: 'visible', timeout: 5_000 });
  // Only rows on screen: the list keeps recycled rows of earlier picks hidden in the DOM.
  const rows = page.locator(`${QUICK_INPUT} .quick-input-list .monaco-list-row .label-name`).filter({ visible: true });
  const read = async () => (await rows.allTextContents()).map((l) => l.trim());
  await input.fill('>MCP Tunnel: Add Profile');
  await waitUntil(async () => (await read()).includes('MCP Tunnel: Add Profile…'), 5_000, 'the palette to list MCP Tunnel commands');
  await input.fill(`>${title}`);
  await page.waitForTimeout(500);
  const shown = (await read()).includes(title);
  await page.keyboard.press('Escape');
  return shown;
}

/** Picks `label` when the command asks which profile (it does not when only one fits). */
async function pickIfAsked(page: Page, label: string): Promise<void> {
  const asked = await page.locator(`${QUICK_INPUT} .quick-input-box input`).waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
  if (asked) await quickPick(page).pick(label);
}

/** Focuses a row of the tree by keyboard, as a keyboard user would (a click on a stopped profile opens its dashboard). */
async function focusRow(page: Page, label: string): Promise<void> {
  await treeRow(page, VIEW, label).waitFor({ state: 'visible', timeout: 15_000 });
  await runCommand(page, 'Focus on MCP Tunnels View');
  const focused = page.locator('.monaco-list[role="tree"][aria-label="MCP Tunnels"] .monaco-list-row.focused .label-name');
  await page.keyboard.press('Home');
  for (let i = 0; i < 20; i++) {
    if (((await focused.textContent({ timeout: 1_000 }).catch(() => '')) ?? '').trim() === label) return;
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`no row '${label}' to focus`);
}

/** The context menu of the focused tree row, opened with Shift+F10: its items' labels. */
async function openContextMenu(page: Page): Promise<string[]> {
  await page.keyboard.press('Shift+F10');
  const menu = page.locator('.context-view .monaco-menu');
  await menu.waitFor({ state: 'visible', timeout: 10_000 });
  return (await menu.locator('.action-item:not(.disabled) .action-label').allTextContents()).map((l) => l.trim()).filter(Boolean);
}

/** Moves through the open context menu with the arrow keys to `label` and presses Enter. */
async function chooseByKeyboard(page: Page, label: string): Promise<void> {
  const focused = page.locator('.context-view .monaco-menu .action-item.focused .action-label');
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('ArrowDown');
    if (((await focused.textContent().catch(() => '')) ?? '').trim() === label) {
      await page.keyboard.press('Enter');
      await page.locator('.context-view .monaco-menu').waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    }
  }
  throw new Error(`the context menu has no '${label}' to reach by keyboard`);
}

describe('MCP Tunnel profiles in VS Code', function () {
  this.timeout(300_000);
  let server: CodeServer;
  let wb: Workbench;
  let workspace: string;
  let relay: CliProcess;
  let relayInfo: Record<string, string>;
  const command = `${process.execPath} ${EVERYTHING} stdio`;

  before(async () => {
    packageProduct();
    relay = startCli(['relay', '--print-json', '--api-key', 'env:E2E_RELAY_KEY'], { E2E_RELAY_KEY: RELAY_KEY });
    relayInfo = await relay.json();
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-profiles-'));
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    server = await startCodeServer({
      name: 'profiles',
      workspace,
      vsixPath: PRODUCT_VSIX,
      env: { E2E_RELAY_KEY: RELAY_KEY },
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern' },
    });
    wb = await openWorkbench(server);
    await runCommand(wb.page, 'View: Show MCP Tunnels');
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !wb) return;
    await screenshot(wb.page, `failed-profiles-${this.currentTest.title.slice(0, 40)}`).catch(() => undefined);
    console.log(`last tree rows:\n${lastRows}`);
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    relay?.child.kill('SIGTERM');
  });

  it('hides Start All, Run Doctor, Set API Key… and Start Loopback from the palette while there is no profile', async () => {
    assert.equal(await paletteShows(wb.page, 'MCP Tunnel: Import from Codex Config'), true, 'the check sees a listed command');
    for (const hidden of ['Start All', 'Run Doctor', 'Set API Key…', 'Start Loopback', 'Remove Profile', 'Rename Profile…']) {
      assert.equal(await paletteShows(wb.page, `MCP Tunnel: ${hidden}`), false, `${hidden} is hidden`);
    }
  });

  it('adds a profile on this machine in numbered steps, keeps what was typed when going Back, asks for no tunnel ID or key, and ends with a running loopback', async () => {
    const titles: string[] = [];
    await runCommand(wb.page, 'MCP Tunnel: Add Profile…');
    const qp = quickPick(wb.page);
    titles.push(await waitForStep(wb.page, 1, 5));
    const items = await qp.items();
    assert.match(items[0] ?? '', /Try it on this machine \(loopback\)/, items.join(', '));
    assert.equal(await wb.page.locator(BACK).filter({ visible: true }).count(), 0, 'no Back on the first step');
    await screenshot(wb.page, 'add-profile-step1-dark');
    await qp.pick('Try it on this machine (loopback)');

    titles.push(await waitForStep(wb.page, 2, 5));
    await qp.pick('A command');
    titles.push(await waitForStep(wb.page, 3, 5));
    await qp.fill(command);

    titles.push(await waitForStep(wb.page, 4, 5));
    assert.equal(await inputValue(wb.page), 'server-everything', 'the name is suggested from the server package, not the command line');
    await screenshot(wb.page, 'add-profile-step4-dark');
    await qp.fill('my-local');

    titles.push(await waitForStep(wb.page, 5, 5));
    await pressBack(wb.page);
    await waitForStep(wb.page, 4, 5);
    assert.equal(await inputValue(wb.page), 'my-local', 'Back shows the name as typed');
    await pressBack(wb.page);
    await waitForStep(wb.page, 3, 5);
    assert.equal(await inputValue(wb.page), command, 'Back shows the command as typed');
    await qp.accept();
    await waitForStep(wb.page, 4, 5);
    assert.equal(await inputValue(wb.page), 'my-local', 'the typed name survives going back past it');
    await qp.accept();
    await waitForStep(wb.page, 5, 5);
    await qp.pick('Workspace settings');

    assert.ok(titles.every((t) => !/Tunnel ID|API key/.test(t)), titles.join(' | '));
    await waitUntil(async () => /^my-local\s+ready$/m.test(await rows(wb.page)), 90_000, 'the loopback tunnel ready in the tree');
    const saved = workspaceSettings(workspace)['mcpTunnel.profiles'];
    assert.deepEqual(saved, [{ name: 'my-local', loopback: true, mcp: { servers: [{ command }] } }]);
    assert.match(await rows(wb.page), /Control plane\s+http:\/\/127\.0\.0\.1:\d+/);
    await screenshot(wb.page, 'add-profile-loopback-running-dark');
  });

  it('hides Start All from the palette when every profile runs', async () => {
    assert.equal(await paletteShows(wb.page, 'MCP Tunnel: Stop All'), true);
    assert.equal(await paletteShows(wb.page, 'MCP Tunnel: Run Doctor'), true);
    assert.equal(await paletteShows(wb.page, 'MCP Tunnel: Start All'), false, 'Start All is hidden');
  });

  it('opens the status bar menu of the one profile with a harmless first item: Enter opens its dashboard and the tunnel keeps running', async () => {
    await clearNotifications(wb.page);
    await wb.page.locator(STATUS_ITEM).click();
    const qp = quickPick(wb.page);
    const items = await qp.items();
    assert.match(items[0] ?? '', /Open Dashboard/, items.join(', '));
    assert.ok(items.some((i) => /Stop Tunnel/.test(i)), items.join(', '));
    await qp.accept();
    await wb.page.locator('.tab', { hasText: 'MCP Tunnel: my-local' }).waitFor({ timeout: 15_000 });
    await wb.page.waitForTimeout(1_500);
    assert.match(await rows(wb.page), /^my-local\s+ready$/m, 'Enter did not stop the tunnel');
    await runCommand(wb.page, 'View: Close All Editors');
  });

  it('offers Stop, not Start, in the context menu of a running tunnel, reached by keyboard (Shift+F10), and Start, not Stop, once stopped', async () => {
    await runCommand(wb.page, 'View: Show MCP Tunnels');
    await focusRow(wb.page, 'my-local');
    const running = await openContextMenu(wb.page);
    await screenshot(wb.page, 'context-menu-running-dark');
    for (const label of ['Stop Tunnel', 'Restart Tunnel', 'Open Dashboard', 'Show Logs', 'Copy Tunnel ID', 'Rename Profile…', 'Remove Profile']) {
      assert.ok(running.includes(label), `${label} in ${running.join(', ')}`);
    }
    assert.ok(!running.includes('Start Tunnel') && !running.includes('Start Loopback'), running.join(', '));
    await chooseByKeyboard(wb.page, 'Stop Tunnel');
    await waitUntil(async () => /^my-local\s+stopped$/m.test(await rows(wb.page)), 20_000, 'stopped in the tree');

    await focusRow(wb.page, 'my-local');
    const stopped = await openContextMenu(wb.page);
    await screenshot(wb.page, 'context-menu-stopped-dark');
    assert.ok(stopped.includes('Start Tunnel') && stopped.includes('Open Dashboard'), stopped.join(', '));
    assert.ok(!stopped.includes('Stop Tunnel') && !stopped.includes('Restart Tunnel'), stopped.join(', '));
    // A loopback profile has no tunnel ID of its own while stopped, and no API key at all.
    assert.ok(!stopped.includes('Copy Tunnel ID') && !stopped.includes('Set API Key…'), stopped.join(', '));
    await chooseByKeyboard(wb.page, 'Start Tunnel');
    await waitUntil(async () => /^my-local\s+ready$/m.test(await rows(wb.page)), 60_000, 'ready again in the tree');
  });

  it('renames a running profile in settings.json and the tree, and it keeps running under its new name', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Rename Profile…');
    const qp = quickPick(wb.page);
    await qp.waitFor('Rename "my-local"');
    assert.equal(await inputValue(wb.page), 'my-local');
    await qp.fill('renamed-local');
    await waitUntil(async () => profileNamesIn(workspace).join() === 'renamed-local', 10_000, 'settings.json to hold the new name only');
    await waitUntil(async () => /^renamed-local\s+ready$/m.test(await rows(wb.page)), 60_000, 'the renamed profile running in the tree');
    assert.doesNotMatch(await rows(wb.page), /^my-local/m);
  });

  it('duplicates a profile next to it, then removes the copy after a confirmation that names it', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Duplicate Profile…');
    const qp = quickPick(wb.page);
    await qp.waitFor('Duplicate "renamed-local"');
    assert.equal(await inputValue(wb.page), 'renamed-local-copy');
    await qp.accept();
    await waitUntil(async () => profileNamesIn(workspace).join() === 'renamed-local,renamed-local-copy', 10_000, 'the copy in settings.json');
    await waitUntil(async () => /^renamed-local-copy\s+stopped$/m.test(await rows(wb.page)), 15_000, 'the copy in the tree');

    await runCommand(wb.page, 'MCP Tunnel: Remove Profile');
    await qp.pick('renamed-local-copy');
    const confirm = await waitForDialog(wb.page);
    assert.match(confirm.message, /Remove the tunnel profile "renamed-local-copy"\?/);
    assert.ok(confirm.buttons.includes('Remove'), confirm.buttons.join(', '));
    await screenshot(wb.page, 'remove-profile-confirm-dark');
    await answerDialog(wb.page, 'Remove');
    await waitUntil(async () => profileNamesIn(workspace).join() === 'renamed-local', 10_000, 'the copy gone from settings.json');
    await waitUntil(async () => !/renamed-local-copy/.test(await rows(wb.page)), 15_000, 'the copy gone from the tree');
    assert.match(await rows(wb.page), /^renamed-local\s+ready$/m, 'the original still runs');
  });

  it('starts a loopback tunnel that was running again after the window reloads', async () => {
    await runCommand(wb.page, 'Developer: Reload Window');
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await runCommand(wb.page, 'View: Show MCP Tunnels', { timeout: 60_000 });
    await waitUntil(async () => /^renamed-local\s+ready$/m.test(await rows(wb.page)), 90_000, 'the loopback tunnel ready again after the reload');
    await screenshot(wb.page, 'reload-restored-loopback-dark');
  });

  it('does not bring back a tunnel the user stopped before the reload', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Stop Tunnel');
    await waitUntil(async () => /^renamed-local\s+stopped$/m.test(await rows(wb.page)), 20_000, 'stopped');
    await runCommand(wb.page, 'Developer: Reload Window');
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await runCommand(wb.page, 'View: Show MCP Tunnels', { timeout: 60_000 });
    await waitUntil(async () => /^renamed-local\s+stopped$/m.test(await rows(wb.page)), 30_000, 'the profile listed');
    await wb.page.waitForTimeout(5_000);
    assert.match(await rows(wb.page), /^renamed-local\s+stopped$/m);
  });

  it('runs Doctor on a stopped loopback profile against a relay of its own, and finds nothing to fix', async () => {
    await clearNotifications(wb.page);
    await runCommand(wb.page, 'MCP Tunnel: Run Doctor');
    await waitForNotification(wb.page, /Doctor: "renamed-local" looks good/, 60_000);
    await runCommand(wb.page, 'View: Close All Editors');
    await clearNotifications(wb.page);
  });

  it('marks an invalid profile as an error both in the tree and in settings.json', async () => {
    const file = path.join(workspace, '.vscode', 'settings.json');
    const settings = workspaceSettings(workspace);
    const broken = { name: 'broken', loopback: true, controlPlane: { tunnelId: 'tunnel_x' }, mcp: { servers: [{ command: 'node server.js' }] } };
    fs.writeFileSync(file, `${JSON.stringify({ ...settings, 'mcpTunnel.profiles': [...(settings['mcpTunnel.profiles'] ?? []), broken] }, null, 2)}\n`);
    await waitUntil(async () => /^broken\s+invalid$/m.test(await rows(wb.page)), 30_000, 'the invalid profile in the tree');
    const tree = await rows(wb.page);
    assert.match(tree, /^ {2}Error controlPlane: a loopback profile/m, tree);
    const errorIcons = await treeRow(wb.page, VIEW, 'broken').locator('.codicon-error').count();
    assert.equal(errorIcons, 1, 'the profile wears the error icon');

    await runCommand(wb.page, 'View: Focus Problems');
    const markers = wb.page.locator('.markers-panel .monaco-list-row').filter({ hasText: 'Tunnel profile "broken"' });
    await markers.first().waitFor({ timeout: 20_000 });
    const severities = await markers.evaluateAll((els) => els.map((el: any) => (el.querySelector('.codicon-error') ? 'error' : el.querySelector('.codicon-warning') ? 'warning' : 'other')));
    assert.ok(severities.length >= 1 && severities.every((s) => s === 'error'), severities.join(', '));
    await screenshot(wb.page, 'settings-problem-errors-dark');
    fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
    await waitUntil(async () => !/^broken/m.test(await rows(wb.page)), 30_000, 'the invalid profile gone');
    await waitUntil(async () => (await markers.count()) === 0, 20_000, 'its errors gone from the Problems panel');
  });

  it('shows the add flow and the context menu in the light theme too', async () => {
    await runCommand(wb.page, 'Preferences: Color Theme');
    await quickPick(wb.page).pick('Light Modern');
    await wb.page.locator('.monaco-workbench.vs').waitFor({ timeout: 15_000 });
    await runCommand(wb.page, 'MCP Tunnel: Add Profile…');
    await waitForStep(wb.page, 1, 5);
    await screenshot(wb.page, 'add-profile-step1-light');
    await quickPick(wb.page).pick('Hosted control plane');
    await waitForStep(wb.page, 2, 7);
    await screenshot(wb.page, 'add-profile-step2-hosted-light');
    await quickPick(wb.page).cancel();
    await focusRow(wb.page, 'renamed-local');
    await openContextMenu(wb.page);
    await screenshot(wb.page, 'context-menu-stopped-light');
    await wb.page.keyboard.press('Escape');
  });

  it('keeps the trace of a stopped tunnel in its dashboard, until Clear', async () => {
    const file = path.join(workspace, '.vscode', 'settings.json');
    const settings = workspaceSettings(workspace);
    const traced = {
      name: 'traced',
      controlPlane: { baseUrl: relayInfo.control_plane_base_url, tunnelId: relayInfo.tunnel_id, apiKey: 'env:E2E_RELAY_KEY' },
      mcp: { servers: [{ command: process.execPath, args: [EVERYTHING, 'stdio'] }] },
    };
    fs.writeFileSync(file, `${JSON.stringify({ ...settings, 'mcpTunnel.profiles': [...(settings['mcpTunnel.profiles'] ?? []), traced] }, null, 2)}\n`);
    await waitUntil(async () => /^traced\s+stopped$/m.test(await rows(wb.page)), 30_000, 'the relay profile in the tree');
    await runCommand(wb.page, 'MCP Tunnel: Start Tunnel');
    await pickIfAsked(wb.page, 'traced');
    await waitUntil(async () => /^traced\s+ready$/m.test(await rows(wb.page)), 60_000, 'traced ready');
    const client = new Client({ name: 'e2e-trace', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(relayInfo.mcp_url!), { requestInit: { headers: { Authorization: `Bearer ${relayInfo.front_door_token}` } } }));
    await client.callTool({ name: 'echo', arguments: { message: 'before the stop' } });
    await client.close();
    await runCommand(wb.page, 'MCP Tunnel: Stop Tunnel');
    await pickIfAsked(wb.page, 'traced');
    await waitUntil(async () => /^traced\s+stopped$/m.test(await rows(wb.page)), 20_000, 'traced stopped');

    // Opened only now: what it shows was kept by the editor, not by a panel that watched the calls.
    await runCommand(wb.page, 'MCP Tunnel: Open Dashboard');
    await pickIfAsked(wb.page, 'traced');
    const frame = webview(wb.page);
    await frame.getByRole('tab', { name: 'Trace' }).click({ timeout: 30_000 });
    const echoRows = frame.locator('.tbody .tr', { hasText: 'echo' });
    await echoRows.first().waitFor({ timeout: 15_000 });
    await screenshot(wb.page, 'trace-after-stop-light');
    await frame.getByRole('button', { name: 'Clear the trace' }).click();
    await runCommand(wb.page, 'View: Close All Editors');
    await runCommand(wb.page, 'MCP Tunnel: Open Dashboard');
    await pickIfAsked(wb.page, 'traced');
    await webview(wb.page).getByRole('tab', { name: 'Trace' }).click({ timeout: 30_000 });
    await wb.page.waitForTimeout(1_500);
    assert.equal(await webview(wb.page).locator('.tbody .tr').count(), 0, 'Clear emptied the kept trace');
    await runCommand(wb.page, 'View: Close All Editors');
  });

  it('logged no error from the extension in the extension host', () => {
    const errors = extensionHostLogErrors(server, EXTENSION_ID, ['mcp-tunnel']);
    assert.deepEqual(errors, [], `extension host errors:\n${errors.join('\n')}`);
  });
});

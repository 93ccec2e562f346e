/**
 * The dashboard webview in a real VS Code (code-server 4.100.3): the packaged
 * .vsix, a relay started by the test, a workspace profile on server-everything
 * over stdio, and a person's path through the panel: open it from the
 * palette, watch the tunnel turn ready, see a call made through the relay in
 * the trace, run a tool by hand, switch the log level, and find the panel
 * again after a window reload. Screenshots in light and dark themes land in
 * test-results/e2e/ only; `npm run screenshots` copies the dark one to the
 * README's picture on purpose.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FrameLocator, Page } from 'playwright-core';
import { startCli, type CliProcess } from '../helpers/cli';
import { EVERYTHING } from '../helpers/everything';
import { quickPick, clearNotifications, extensionHostLogErrors, openWorkbench, packageProduct, PRODUCT_VSIX, RESULTS_DIR, runCommand, screenshot, startCodeServer, waitUntil, type CodeServer, type Workbench } from './harness';

const EXTENSION_ID = 'mcp-tunnel.mcp-tunnel';
const RELAY_KEY = `relay-e2e-${Date.now().toString(36)}-secret`;

/** The dashboard's document inside VS Code's webview iframes. */
function dashboard(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

async function badge(page: Page): Promise<string> {
  return (await dashboard(page).locator('.header .badge').textContent({ timeout: 2_000 }).catch(() => '')) ?? '';
}

async function openTab(page: Page, name: string): Promise<void> {
  await dashboard(page).getByRole('tab', { name }).click();
  await dashboard(page).locator(`.panel-${name.toLowerCase()}`).waitFor({ timeout: 10_000 });
}

/** Computed colours of the dashboard: its page, its text and the state badge, as rgb()/rgba() strings. */
async function colours(page: Page): Promise<{ page: string; text: string; badge: string; badgeText: string }> {
  // Runs in the webview: no named inner functions (tsx would wrap them in a __name helper the page lacks).
  return dashboard(page)
    .locator('.header .badge')
    .evaluate((badge: any) => {
      const css = (globalThis as any).getComputedStyle;
      const body = (globalThis as any).document.body;
      return { page: String(css(body).backgroundColor), text: String(css(body).color), badge: String(css(badge).color), badgeText: String(badge.textContent ?? '').trim() };
    });
}

function channels(colour: string): number[] {
  const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(colour);
  assert.ok(m, `not an rgb() colour: ${colour}`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
}

/** WCAG relative luminance of an opaque colour. */
function luminance(colour: string): number {
  const [r, g, b, alpha] = channels(colour);
  assert.equal(alpha, 1, `${colour} is not opaque`);
  const linear = [r!, g!, b!].map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * linear[0]! + 0.7152 * linear[1]! + 0.0722 * linear[2]!;
}

/** WCAG contrast ratio of `fg` on the opaque `bg`; a translucent `fg` is blended over `bg` first. */
function contrast(fg: string, bg: string): number {
  const [r, g, b, a] = channels(fg);
  const under = channels(bg);
  const blended = `rgb(${[r!, g!, b!].map((c, i) => c * a! + under[i]! * (1 - a!)).join(', ')})`;
  const [hi, lo] = [luminance(blended), luminance(bg)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

function userSettingsFile(server: CodeServer): string {
  return path.join(server.userDataDir, 'User', 'settings.json');
}

describe('MCP Tunnel dashboard in VS Code', function () {
  this.timeout(240_000);
  let relay: CliProcess;
  let relayInfo: Record<string, string>;
  let server: CodeServer;
  let wb: Workbench;

  before(async () => {
    packageProduct();
    relay = startCli(['relay', '--print-json', '--api-key', 'env:E2E_RELAY_KEY'], { E2E_RELAY_KEY: RELAY_KEY });
    relayInfo = await relay.json();
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-dashboard-'));
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    server = await startCodeServer({
      name: 'dashboard',
      workspace,
      vsixPath: PRODUCT_VSIX,
      env: { E2E_RELAY_KEY: RELAY_KEY },
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern' },
      workspaceSettings: {
        'mcpTunnel.profiles': [
          {
            name: 'everything',
            controlPlane: { baseUrl: relayInfo.control_plane_base_url, tunnelId: relayInfo.tunnel_id, apiKey: 'env:E2E_RELAY_KEY' },
            mcp: { servers: [{ command: process.execPath, args: [EVERYTHING, 'stdio'] }] },
          },
        ],
      },
    });
    wb = await openWorkbench(server);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await screenshot(wb.page, `dashboard-failed-${this.currentTest.title.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    relay?.child.kill('SIGTERM');
  });

  it('opens from the palette and shows the tunnel turning ready, with its control plane and MCP server', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Open Dashboard');
    await waitUntil(async () => (await badge(wb.page)) === 'stopped', 30_000, 'the dashboard showing "stopped"');
    assert.equal(await wb.page.locator('.tab', { hasText: 'MCP Tunnel: everything' }).count(), 1, 'one editor tab titled after the profile');

    await runCommand(wb.page, 'MCP Tunnel: Start Tunnel');
    await waitUntil(async () => (await badge(wb.page)) === 'ready', 60_000, 'the dashboard showing "ready"');
    const health = dashboard(wb.page).locator('.panel-health');
    await waitUntil(async () => /PID\s*\d+/.test((await health.textContent()) ?? ''), 15_000, 'the MCP server pid');
    const text = (await health.textContent()) ?? '';
    assert.match(text, new RegExp(`URL${relayInfo.control_plane_base_url!.replace(/[/.]/g, '\\$&').replace(/\\\/$/, '')}`));
    assert.match(text, new RegExp(relayInfo.tunnel_id!));
    assert.match(text, /Transportstdio/);
    assert.match(text, /Last successful poll\d+ s ago/);

    // The help for the states says what each one means, the current one marked.
    await health.getByText('What the states mean').click();
    const current = health.locator('.state-help dt[aria-current="true"]');
    assert.equal(await current.textContent(), 'ready');
    const help = (await health.locator('.state-help').textContent()) ?? '';
    assert.match(help, /a call would work/);
    assert.match(help, /startup wait/);
    assert.match(help, /auth error/);

    // Opening it again reveals the same panel.
    await runCommand(wb.page, 'MCP Tunnel: Open Dashboard');
    assert.equal(await wb.page.locator('.tab', { hasText: 'MCP Tunnel: everything' }).count(), 1);
    await clearNotifications(wb.page);
  });

  it('shows a call made through the relay in the trace, and its request and response when selected', async () => {
    const client = new Client({ name: 'e2e-dashboard', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(relayInfo.mcp_url!), { requestInit: { headers: { Authorization: `Bearer ${relayInfo.front_door_token}` } } }));
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'through the relay' } });
    assert.match(JSON.stringify(echo), /Echo: through the relay/);
    await client.close();

    await openTab(wb.page, 'Trace');
    const frame = dashboard(wb.page);
    const row = frame.locator('.tbody .tr', { hasText: 'echo' }).first();
    await row.waitFor({ timeout: 15_000 });
    assert.match((await row.textContent()) ?? '', /tools\/call\s*echo.*ok/);
    await row.click();
    const details = frame.locator('.details');
    await waitUntil(async () => ((await details.textContent()) ?? '').includes('Echo: through the relay'), 10_000, 'the response in the details');
    const shown = (await details.textContent()) ?? '';
    assert.match(shown, /Request/);
    assert.match(shown, /"through the relay"/);
    assert.match(shown, /Response/);
    assert.doesNotMatch(await frame.locator('body').innerHTML(), new RegExp(relayInfo.front_door_token ?? 'no-token-here'), 'the front-door token never reaches the webview');

    // Filters: the text filter narrows to the echo call, an outcome filter to nothing.
    await frame.getByLabel('Filter by text').fill('through the relay');
    await waitUntil(async () => (await frame.locator('.tbody .tr').count()) === 1, 5_000, 'one row for the text filter');
    await frame.getByLabel('Filter by text').fill('');
    await screenshot(wb.page, 'dashboard-trace-dark');
  });

  it('runs echo from the Tools section, shows the result, and records the call in the trace', async () => {
    await openTab(wb.page, 'Tools');
    const frame = dashboard(wb.page);
    await frame.locator('.list-item', { hasText: /^\s*echo/ }).first().click({ timeout: 20_000 });
    const message = frame.locator('#f-message');
    await message.waitFor();
    assert.match((await frame.locator('label[for="f-message"]').textContent()) ?? '', /message\s*\*/, 'the required field is marked');

    // Running with the required field empty says what is missing.
    await frame.getByRole('button', { name: 'Run', exact: true }).click();
    await frame.locator('.form-row.invalid', { hasText: 'Required' }).waitFor({ timeout: 5_000 });

    await message.fill('typed in the dashboard');
    await frame.getByRole('button', { name: 'Run', exact: true }).click();
    const result = frame.locator('.run-result');
    await waitUntil(async () => ((await result.textContent().catch(() => '')) ?? '').includes('Echo: typed in the dashboard'), 20_000, 'the tool result');
    await screenshot(wb.page, 'dashboard-tools-dark');

    await frame.getByRole('button', { name: 'Show in the trace' }).click();
    const selected = frame.locator('.tbody .tr.selected');
    await selected.waitFor({ timeout: 10_000 });
    assert.match((await selected.textContent()) ?? '', /tools\/call\s*echo/);
    assert.equal(await selected.locator('.codicon-person').count(), 1, 'marked as a call from the dashboard');
  });

  it('switches the runtime log level from the Logs section, as the Set Log Level command does', async () => {
    await openTab(wb.page, 'Logs');
    const frame = dashboard(wb.page);
    await frame.getByLabel('Runtime log level (mcpTunnel.logLevel)').selectOption('debug');
    await waitUntil(async () => /"mcpTunnel\.logLevel":\s*"debug"/.test(fs.readFileSync(userSettingsFile(server), 'utf8')), 10_000, 'the user setting to change');
    await waitUntil(async () => ((await frame.locator('.log-lines').textContent()) ?? '').includes('log level set to debug'), 15_000, 'the engine to confirm the new level');
    assert.equal(await frame.getByLabel('Runtime log level (mcpTunnel.logLevel)').inputValue(), 'debug');
  });

  it('follows the editor into the light theme: a light page, dark text, and the state badge still there to read', async () => {
    await openTab(wb.page, 'Trace');
    await dashboard(wb.page).locator('.tbody .tr', { hasText: 'echo' }).first().click();
    await dashboard(wb.page).locator('.details').waitFor();
    const dark = await colours(wb.page);
    await screenshot(wb.page, 'dashboard-dark');

    await runCommand(wb.page, 'Preferences: Color Theme');
    await quickPick(wb.page).pick('Light Modern');
    await wb.page.locator('.monaco-workbench.vs').waitFor({ timeout: 15_000 });
    await waitUntil(async () => (await dashboard(wb.page).locator('body.vscode-light').count()) === 1, 10_000, 'the webview to switch to the light theme');
    await wb.page.waitForTimeout(500);
    const light = await colours(wb.page);
    await screenshot(wb.page, 'dashboard-light');

    assert.ok(luminance(dark.page) < 0.1, `dark theme: the page is ${dark.page}`);
    assert.ok(luminance(light.page) > 0.8, `light theme: the page is ${light.page}, was ${dark.page}`);
    for (const [theme, c] of [['dark', dark], ['light', light]] as const) {
      assert.equal(c.badgeText, 'ready', `${theme} theme: the badge says the state`);
      // WCAG AA for body text.
      assert.ok(contrast(c.text, c.page) >= 4.5, `${theme} theme: text ${c.text} on ${c.page} is ${contrast(c.text, c.page).toFixed(2)}:1`);
    }
    // The state word is text too: WCAG AA in both themes (the tone colour is in its icon and outline).
    for (const [theme, c] of [['dark', dark], ['light', light]] as const) {
      assert.ok(contrast(c.badge, c.page) >= 4.5, `${theme} theme: badge ${c.badge} on ${c.page} is ${contrast(c.badge, c.page).toFixed(2)}:1`);
    }

    await openTab(wb.page, 'Metrics');
    await dashboard(wb.page).locator('.uplot').first().waitFor({ timeout: 10_000 });
    await screenshot(wb.page, 'dashboard-metrics-light');
  });

  it('is restored after a window reload', async () => {
    await runCommand(wb.page, 'Developer: Reload Window');
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await waitUntil(async () => (await dashboard(wb.page).locator('h1').textContent({ timeout: 2_000 }).catch(() => '')) === 'MCP Tunnel: everything', 60_000, 'the restored dashboard');
    assert.equal(await wb.page.locator('.tab', { hasText: 'MCP Tunnel: everything' }).count(), 1);
    // The reload stopped the tunnel with the old extension host; the restored panel says so.
    await waitUntil(async () => (await badge(wb.page)) === 'stopped', 30_000, 'the restored panel showing the state');
    await screenshot(wb.page, 'dashboard-restored');
  });

  it('starts, restarts and stops the tunnel from the buttons in its header', async () => {
    await openTab(wb.page, 'Health');
    const header = dashboard(wb.page).locator('.header-actions');
    await header.getByRole('button', { name: 'Start', exact: true }).click();
    await waitUntil(async () => (await badge(wb.page)) === 'ready', 60_000, 'ready after the header’s Start');
    assert.equal(await header.getByRole('button', { name: 'Start', exact: true }).count(), 0, 'no Start on a running tunnel');
    const pid = async () => /PID\s*(\d+)/.exec((await dashboard(wb.page).locator('.panel-health').textContent()) ?? '')?.[1];
    await waitUntil(async () => (await pid()) !== undefined, 15_000, 'the MCP server pid');
    const before = await pid();
    await header.getByRole('button', { name: 'Restart', exact: true }).click();
    await waitUntil(async () => (await badge(wb.page)) === 'ready' && (await pid()) !== undefined && (await pid()) !== before, 60_000, 'ready again with a new MCP server after Restart');
    await header.getByRole('button', { name: 'Stop', exact: true }).click();
    await waitUntil(async () => (await badge(wb.page)) === 'stopped', 30_000, 'stopped after the header’s Stop');
    await header.getByRole('button', { name: 'Start', exact: true }).waitFor({ timeout: 5_000 });
    await screenshot(wb.page, 'dashboard-header-actions');
  });

  it('broke no content security rule and logged no extension error', () => {
    const csp = wb.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));
    assert.deepEqual(csp, []);
    const errors = extensionHostLogErrors(server, EXTENSION_ID, ['mcp-tunnel']);
    assert.deepEqual(errors, [], `extension host errors:\n${errors.join('\n')}`);
    assert.ok(fs.existsSync(path.join(RESULTS_DIR, 'dashboard-light.png')));
  });
});

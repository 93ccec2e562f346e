/**
 * The dashboard in a narrow editor (code-server 4.100.3, the packaged .vsix):
 * the browser page is 400 px wide with the side bar closed and the activity
 * bar hidden, so the webview is about 400 px. A relay started by the test and
 * a workspace profile on server-filesystem (its `edit_file` takes an array of
 * objects, `read_media_file` answers with images) give every tab something to
 * show. Then Run Doctor's report as a page with links that run their fixes.
 * Screenshots at 400 px in dark and light land in test-results/e2e/ only.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FrameLocator, Page } from 'playwright-core';
import { startCli, type CliProcess } from '../helpers/cli';
import { FILESYSTEM } from '../helpers/everything';
import { clearNotifications, extensionHostLogErrors, openWorkbench, packageProduct, PRODUCT_VSIX, quickPick, runCommand, screenshot, startCodeServer, waitUntil, webview, type CodeServer, type Workbench } from './harness';

const EXTENSION_ID = 'mcp-tunnel.mcp-tunnel';
const RELAY_KEY = `relay-e2e-${Date.now().toString(36)}-width`;
const WIDTH = 400;
const TABS = ['Health', 'Metrics', 'Trace', 'Tools', 'Logs'];

/** The dashboard's document: the first webview (the doctor's reports open later, in tabs of their own). */
function dashboard(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
}

async function openTab(page: Page, name: string): Promise<void> {
  await dashboard(page).getByRole('tab', { name }).click();
  await dashboard(page).locator(`.panel-${name.toLowerCase()}`).waitFor({ timeout: 10_000 });
}

interface Overflow {
  width: number;
  page: { scrollWidth: number; clientWidth: number };
  /** Elements that scroll sideways (or would, their content being wider than they are). */
  scrollers: string[];
}

/** How wide the webview is, and what in it is wider than its box. */
async function overflow(page: Page): Promise<Overflow> {
  // Runs in the webview: no named inner functions (tsx would wrap them in a __name helper the page lacks).
  return dashboard(page)
    .locator('html')
    .evaluate((html: any) => {
      const doc = (globalThis as any).document;
      const css = (globalThis as any).getComputedStyle;
      const scrollers: string[] = [];
      for (const el of Array.from(doc.querySelectorAll('body *')) as any[]) {
        const style = css(el);
        if (style.display === 'none' || !el.clientWidth) continue;
        const sideways = style.overflowX === 'auto' || style.overflowX === 'scroll';
        if (sideways && el.scrollWidth > el.clientWidth + 1) scrollers.push(`${el.tagName.toLowerCase()}.${String(el.className).replace(/\s+/g, '.')} ${el.scrollWidth}>${el.clientWidth}`);
        const right = el.getBoundingClientRect().right;
        // What a clipping or scrolling box holds is that box's business (checked above when it scrolls).
        let clipped = false;
        for (let up = el.parentElement; up && up !== doc.body; up = up.parentElement) if (css(up).overflowX !== 'visible') clipped = true;
        if (!clipped && right > html.clientWidth + 1 && style.position !== 'absolute' && style.position !== 'fixed') scrollers.push(`${el.tagName.toLowerCase()}.${String(el.className).replace(/\s+/g, '.')} ends at ${Math.round(right)}`);
      }
      return { width: html.clientWidth, page: { scrollWidth: Math.max(html.scrollWidth, doc.body.scrollWidth), clientWidth: html.clientWidth }, scrollers };
    });
}

async function assertFits(page: Page, where: string): Promise<void> {
  const o = await overflow(page);
  assert.ok(o.page.scrollWidth <= o.page.clientWidth, `${where}: the page scrolls sideways (${o.page.scrollWidth} > ${o.page.clientWidth})`);
  assert.deepEqual(o.scrollers, [], `${where}: wider than the ${o.width} px webview`);
}

/** Switches the colour theme from the palette and waits for the workbench and the dashboard to wear it. */
async function switchTheme(page: Page, theme: string, workbenchClass: string, bodyClass: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  // Typed first: the list is long and only the rows in view exist.
  await quickPick(page).fill(theme, { accept: false });
  await quickPick(page).pick(theme);
  // The picker previews the theme it points at: the choice is made once it has closed.
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  await page.locator(`.monaco-workbench.${workbenchClass}`).waitFor({ timeout: 15_000 });
  await waitUntil(async () => (await dashboard(page).locator(`body.${bodyClass}`).count()) === 1, 10_000, `the webview to switch to ${theme}`);
}

/** The image the dashboard's editor tab shows as its icon (VS Code draws it as the label's ::before background). */
async function tabIcon(page: Page): Promise<string> {
  return page
    .locator('.tab', { hasText: 'MCP Tunnel: files' })
    .locator('.monaco-icon-label')
    .first()
    .evaluate((el: any) => String((globalThis as any).getComputedStyle(el, '::before').backgroundImage));
}

/** A PNG of one colour, `width` × `height`, as a file server-filesystem can read. */
function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [0x33, 0x99, 0xcc]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

describe('MCP Tunnel dashboard at 400 px wide', function () {
  this.timeout(240_000);
  let relay: CliProcess;
  let relayInfo: Record<string, string>;
  let server: CodeServer;
  let wb: Workbench;
  let workspace: string;

  before(async () => {
    packageProduct();
    relay = startCli(['relay', '--print-json', '--api-key', 'env:E2E_RELAY_KEY'], { E2E_RELAY_KEY: RELAY_KEY });
    relayInfo = await relay.json();
    workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-tunnel-e2e-width-')));
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'notes.txt'), 'hello from the workspace\n');
    fs.writeFileSync(path.join(workspace, 'small.png'), png(48, 32));
    fs.writeFileSync(path.join(workspace, 'wide.png'), png(1200, 300));
    server = await startCodeServer({
      name: 'dashboard-width',
      workspace,
      vsixPath: PRODUCT_VSIX,
      env: { E2E_RELAY_KEY: RELAY_KEY },
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern', 'workbench.activityBar.location': 'hidden' },
      workspaceSettings: {
        'mcpTunnel.profiles': [
          {
            name: 'files',
            controlPlane: { baseUrl: relayInfo.control_plane_base_url, tunnelId: relayInfo.tunnel_id, apiKey: 'env:E2E_RELAY_KEY' },
            mcp: { servers: [{ command: process.execPath, args: [FILESYSTEM, workspace] }] },
          },
          {
            // No key anywhere: Doctor's report offers Set API Key… for it.
            name: 'keyless',
            controlPlane: { baseUrl: relayInfo.control_plane_base_url, tunnelId: relayInfo.tunnel_id },
            mcp: { servers: [{ command: process.execPath, args: [FILESYSTEM, workspace] }] },
          },
        ],
      },
    });
    wb = await openWorkbench(server, { viewport: { width: 1200, height: 860 } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await screenshot(wb.page, `width-failed-${this.currentTest.title.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    relay?.child.kill('SIGTERM');
  });

  it('opens in a 400 px editor with every tab in sight and reachable from the keyboard', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Start Tunnel');
    await quickPick(wb.page).pick('files');
    await runCommand(wb.page, 'MCP Tunnel: Open Dashboard');
    await quickPick(wb.page).pick('files');
    await waitUntil(async () => ((await dashboard(wb.page).locator('.header .badge').textContent({ timeout: 2_000 }).catch(() => '')) ?? '') === 'ready', 60_000, 'the dashboard showing "ready"');
    await runCommand(wb.page, 'View: Close Primary Side Bar');
    await wb.page.setViewportSize({ width: WIDTH, height: 860 });
    await waitUntil(async () => (await overflow(wb.page)).width <= WIDTH, 10_000, 'the webview to narrow');
    const { width } = await overflow(wb.page);
    assert.ok(width >= WIDTH - 40, `the webview is ${width} px wide, not about ${WIDTH}`);

    const tabs = dashboard(wb.page).getByRole('tab');
    assert.deepEqual((await tabs.allTextContents()).map((t) => t.replace(/\d+$/, '').trim()), TABS);
    for (const tab of await tabs.all()) {
      const box = (await tab.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= width, `tab "${await tab.textContent()}" is cut off (${box.x}..${box.x + box.width} of ${width})`);
    }
    // Arrow keys and End move along the strip, as in any tab list.
    await dashboard(wb.page).getByRole('tab', { name: 'Health' }).focus();
    await wb.page.keyboard.press('End');
    await dashboard(wb.page).locator('.panel-logs').waitFor({ timeout: 5_000 });
    assert.equal(await dashboard(wb.page).getByRole('tab', { name: 'Logs' }).getAttribute('aria-selected'), 'true');
    await wb.page.keyboard.press('ArrowRight');
    await dashboard(wb.page).locator('.panel-health').waitFor({ timeout: 5_000 });
    await assertFits(wb.page, 'Health');
    await screenshot(wb.page, 'width-400-health-dark');
  });

  it('keeps method, tool and outcome on every trace row at 400 px, after a tools/call through the relay', async () => {
    const client = new Client({ name: 'e2e-width', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(relayInfo.mcp_url!), { requestInit: { headers: { Authorization: `Bearer ${relayInfo.front_door_token}` } } }));
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: path.join(workspace, 'notes.txt') } });
    assert.match(JSON.stringify(read), /hello from the workspace/);
    await client.close();

    await openTab(wb.page, 'Trace');
    const row = dashboard(wb.page).locator('.tbody .tr', { hasText: 'read_text_file' }).first();
    await row.waitFor({ timeout: 15_000 });
    const rowBox = (await row.boundingBox())!;
    for (const [cell, text] of [['.c-method', 'tools/call'], ['.c-tool', 'read_text_file'], ['.c-outcome', 'ok']] as const) {
      const el = row.locator(cell);
      assert.ok(await el.isVisible(), `the ${cell} cell is hidden`);
      assert.equal(((await el.textContent()) ?? '').trim(), text);
      const box = (await el.boundingBox())!;
      assert.ok(box.width >= 24, `the ${cell} cell is ${box.width} px wide`);
      assert.ok(box.x >= rowBox.x && box.x + box.width <= rowBox.x + rowBox.width + 1, `the ${cell} cell runs out of its row`);
    }
    const tool = row.locator('.c-tool');
    assert.ok(await tool.evaluate((el: any) => el.scrollWidth <= el.clientWidth), 'the tool name shows whole, not cut short');
    const heading = (await dashboard(wb.page).locator('.th .c-tool').boundingBox())!;
    assert.ok(Math.abs(heading.x - (await tool.boundingBox())!.x) < 1, 'the Tool column lines up with its heading');
    // Every row, the session's initialize and list calls too, says its method and outcome.
    for (const r of await dashboard(wb.page).locator('.tbody .tr').all()) {
      assert.ok(await r.locator('.c-method').isVisible());
      assert.ok(await r.locator('.c-outcome').isVisible());
    }
    await assertFits(wb.page, 'Trace');
    await row.click();
    await dashboard(wb.page).locator('.details').waitFor({ timeout: 10_000 });
    await waitUntil(async () => ((await dashboard(wb.page).locator('.details').textContent()) ?? '').includes('hello from the workspace'), 10_000, 'the response in the details');
    await assertFits(wb.page, 'Trace with the details open');
    await screenshot(wb.page, 'width-400-trace-dark');
  });

  it('gives edit_file\'s array of objects a sub-form per item, refuses a run with a required field empty and names it, then runs', async () => {
    await openTab(wb.page, 'Tools');
    const frame = dashboard(wb.page);
    await frame.locator('.list-item', { hasText: /^\s*edit_file/ }).first().click({ timeout: 20_000 });
    const edits = frame.locator('fieldset#f-edits');
    await edits.waitFor({ timeout: 10_000 });
    assert.match((await edits.locator('legend').first().textContent()) ?? '', /edits\s*\*\s*list of objects/);
    // A required list starts with one item: a fieldset of the item schema's fields.
    const item1 = frame.locator('fieldset#f-edits-1');
    assert.match((await item1.locator('legend').textContent()) ?? '', /Item 1/);
    assert.match((await frame.locator('label[for="f-edits-1-oldText"]').textContent()) ?? '', /oldText\s*\*/);
    assert.match((await frame.locator('label[for="f-edits-1-newText"]').textContent()) ?? '', /newText\s*\*/);

    await frame.locator('#f-path').fill(path.join(workspace, 'notes.txt'));
    await frame.locator('#f-edits-1-oldText').fill('hello');
    await frame.locator('#f-edits-1-newText').fill('goodbye');
    await frame.getByRole('button', { name: 'Add an item to edits' }).click();
    await frame.locator('#f-edits-2-oldText').fill('workspace');
    await frame.locator('#f-dryRun').selectOption('true');
    await assertFits(wb.page, 'Tools with a nested form');
    await screenshot(wb.page, 'width-400-tools-dark');

    await frame.getByRole('button', { name: 'Run', exact: true }).click();
    await frame.locator('#f-edits-2-newText[aria-invalid="true"]').waitFor({ timeout: 5_000 });
    assert.match((await frame.locator('form .buttons .error-text').textContent()) ?? '', /Not run: fix the marked field: edits\[2\]\.newText/);
    await wb.page.waitForTimeout(1500);
    assert.equal(await frame.locator('.run-result').count(), 0, 'nothing was called: no result');

    // Without the second item the call goes out, nested as the schema says.
    await frame.getByRole('button', { name: 'Remove Item 2' }).click();
    assert.equal(await frame.locator('fieldset#f-edits-2').count(), 0);
    await frame.getByRole('button', { name: 'Run', exact: true }).click();
    const result = frame.locator('.run-result');
    await waitUntil(async () => /goodbye/.test((await result.textContent().catch(() => '')) ?? ''), 20_000, 'the dry run diff');
    assert.match((await result.textContent()) ?? '', /-hello from the workspace[\s\S]*\+goodbye from the workspace/);
    assert.equal(fs.readFileSync(path.join(workspace, 'notes.txt'), 'utf8'), 'hello from the workspace\n', 'a dry run changes nothing');
    await assertFits(wb.page, 'Tools with a result');
  });

  it('shows image results at their natural size, and a wider one shrunk to the panel with its proportions', async () => {
    const frame = dashboard(wb.page);
    await frame.locator('.list-item', { hasText: /^\s*read_media_file/ }).first().click();
    const image = frame.locator('.run-result img.part-image');
    const sizeOf = () => image.evaluate((img: any) => ({ natural: [img.naturalWidth, img.naturalHeight], shown: [img.clientWidth, img.clientHeight] }));
    await frame.locator('#f-path').fill(path.join(workspace, 'small.png'));
    await frame.getByRole('button', { name: 'Run', exact: true }).click();
    await waitUntil(async () => (await image.count()) === 1 && (await sizeOf()).natural[0] === 48, 20_000, 'the small image');
    assert.deepEqual(await sizeOf(), { natural: [48, 32], shown: [48, 32] }, 'not stretched');

    await frame.locator('#f-path').fill(path.join(workspace, 'wide.png'));
    await frame.getByRole('button', { name: 'Run', exact: true }).click();
    await waitUntil(async () => (await image.count()) === 1 && (await sizeOf()).natural[0] === 1200, 20_000, 'the wide image');
    const wide = await sizeOf();
    assert.ok(wide.shown[0]! < WIDTH && wide.shown[0]! > 200, `shown ${wide.shown[0]} px wide`);
    assert.ok(Math.abs(wide.shown[0]! / wide.shown[1]! - 4) < 0.1, `proportions kept: ${wide.shown.join('×')}`);
    await assertFits(wb.page, 'Tools with an image');
    await screenshot(wb.page, 'width-400-tools-image-dark');
  });

  it('fits Metrics and Logs at 400 px, log lines wrapping at spaces', async () => {
    await openTab(wb.page, 'Metrics');
    await dashboard(wb.page).locator('.uplot').first().waitFor({ timeout: 15_000 });
    await wb.page.waitForTimeout(1500);
    await assertFits(wb.page, 'Metrics');
    await screenshot(wb.page, 'width-400-metrics-dark');

    await openTab(wb.page, 'Logs');
    const lines = dashboard(wb.page).locator('.log-lines .log');
    await waitUntil(async () => (await lines.count()) > 3, 15_000, 'log lines');
    await assertFits(wb.page, 'Logs');
    // No word is split across lines: a line of a message ends at a space (or a hyphen, a slash), unless the token is
    // longer than a whole log line. A message squeezed beside its time, level and scope breaks tokens that would fit.
    const split = await dashboard(wb.page)
      .locator('.log-lines')
      .evaluate((box: any) => {
        const doc = (globalThis as any).document;
        const broken: string[] = [];
        for (const msg of (Array.from(box.querySelectorAll('.log-msg')) as any[]).slice(-40)) {
          const text: string = msg.textContent ?? '';
          const node = msg.firstChild;
          if (!node || text.length < 2) continue;
          const range = doc.createRange();
          let lastTop: number | undefined;
          for (let i = 0; i < text.length; i++) {
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const top = range.getBoundingClientRect().top;
            if (lastTop !== undefined && top > lastTop + 2 && i > 0) {
              const before = text[i - 1]!;
              // Letters or digits on both sides: the line broke inside a word (after a hyphen or a slash is a normal break).
              const word = /\w/.test(before) && /\w/.test(text[i]!);
              const token = (text.slice(0, i).split(/\s/).pop() ?? '') + (text.slice(i).split(/\s/)[0] ?? '');
              // The token's own width in the message's font, against the width of a whole log line.
              const probe = doc.createElement('span');
              probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre';
              probe.textContent = token;
              msg.appendChild(probe);
              const fits = probe.getBoundingClientRect().width <= msg.parentElement.clientWidth;
              probe.remove();
              if (word && fits) broken.push(`${token} in "${text.slice(0, 60)}"`);
            }
            lastTop = top;
          }
        }
        return broken;
      });
    assert.deepEqual(split, [], 'words broken across lines although they fit on one');
    await screenshot(wb.page, 'width-400-logs-dark');
  });

  it('shows the panel tab icon in the theme\'s own colour, and fits every tab in the light theme', async () => {
    assert.match(await tabIcon(wb.page), /tunnel-dark\.svg/, 'the dark variant in a dark theme');
    await switchTheme(wb.page, 'Light Modern', 'vs', 'vscode-light');
    assert.match(await tabIcon(wb.page), /tunnel-light\.svg/, 'the light variant in a light theme');
    for (const tab of TABS) {
      await openTab(wb.page, tab);
      await wb.page.waitForTimeout(300);
      await assertFits(wb.page, `${tab} (light)`);
      await screenshot(wb.page, `width-400-${tab.toLowerCase()}-light`);
    }
  });

  it('shows the dark icon variant in High Contrast, and the charts fit there too', async () => {
    await switchTheme(wb.page, 'Dark High Contrast', 'hc-black', 'vscode-high-contrast');
    assert.match(await tabIcon(wb.page), /tunnel-dark\.svg/);
    await openTab(wb.page, 'Metrics');
    await dashboard(wb.page).locator('.uplot').first().waitFor({ timeout: 15_000 });
    await wb.page.waitForTimeout(500);
    await assertFits(wb.page, 'Metrics (High Contrast)');
    await screenshot(wb.page, 'width-400-metrics-hc');
    await switchTheme(wb.page, 'Light Modern', 'vs', 'vscode-light');
  });

  it("opens Doctor's report as a page: the running tunnel's real health port checked, fixes as links that run their command", async () => {
    await wb.page.setViewportSize({ width: 1000, height: 860 });
    await clearNotifications(wb.page);
    await runCommand(wb.page, 'MCP Tunnel: Run Doctor');
    await quickPick(wb.page).pick('files');
    const report = webview(wb.page);
    await report.locator('h1', { hasText: 'Doctor: profile “files”' }).waitFor({ timeout: 30_000 });
    assert.equal(await wb.page.locator('.tab', { hasText: 'Doctor: files' }).count(), 1, 'an editor tab of its own');
    const health = (await report.locator('[data-check="health"]').textContent()) ?? '';
    assert.match(health, /The running tunnel's health server answers at http:\/\/127\.0\.0\.1:\d+ \(\/healthz: 200\)/);
    assert.doesNotMatch(health, /8080/);
    assert.match((await report.locator('.summary').textContent()) ?? '', /checks passed|passed\./);
    await screenshot(wb.page, 'doctor-report-light');

    await runCommand(wb.page, 'MCP Tunnel: Run Doctor');
    await quickPick(wb.page).pick('keyless');
    const keyless = webview(wb.page);
    await keyless.locator('h1', { hasText: 'Doctor: profile “keyless”' }).waitFor({ timeout: 30_000 });
    const problem = keyless.locator('[data-check="api-key"]');
    assert.match((await problem.textContent()) ?? '', /Failed: API key[\s\S]*No API key is stored for the profile "keyless"[\s\S]*What to do:/);
    assert.equal(await keyless.locator('#h-problems').count(), 1, 'problems come first, under their own heading');
    // Not running, no address in its settings: the editor will give it a free port, and that is what is checked.
    assert.match((await keyless.locator('[data-check="health"]').textContent()) ?? '', /127\.0\.0\.1:0: a free port on 127\.0\.0\.1 is taken when the tunnel starts/);
    await screenshot(wb.page, 'doctor-report-fix-light');
    // The fix is a link: it asks for the key of this profile.
    await problem.getByRole('link', { name: 'Set API Key…' }).click();
    await wb.page.locator('.quick-input-widget', { hasText: 'API key for "keyless"' }).waitFor({ timeout: 10_000 });
    await wb.page.keyboard.press('Escape');
  });

  it('offers to save Export Diagnostics… outside the workspace folder', async () => {
    await runCommand(wb.page, 'MCP Tunnel: Export Diagnostics…');
    // code-server's save dialog is a quick input holding the proposed path.
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 10_000 });
    await waitUntil(async () => /mcp-tunnel-diagnostics-.*\.zip$/.test(await input.inputValue()), 10_000, 'the proposed file name');
    const proposed = await input.inputValue();
    await screenshot(wb.page, 'export-diagnostics-dialog');
    await wb.page.keyboard.press('Escape');
    assert.ok(!proposed.startsWith(workspace), `proposed inside the workspace: ${proposed}`);
    const home = os.homedir();
    const folder = path.dirname(proposed.replace(/^~(?=\/)/, home));
    assert.ok([path.join(home, 'Downloads'), home, os.tmpdir()].includes(folder), `proposed in ${folder}`);
  });

  it('logged no extension error and broke no content security rule', () => {
    const csp = wb.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));
    assert.deepEqual(csp, []);
    const errors = extensionHostLogErrors(server, EXTENSION_ID, ['mcp-tunnel']);
    assert.deepEqual(errors, [], `extension host errors:\n${errors.join('\n')}`);
  });
});

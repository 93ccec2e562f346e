/**
 * The daemon's web UI in a real browser (Debian Chromium via playwright-core,
 * no editor): a relay, `mcp-tunnel run` on a YAML profile serving
 * server-everything over stdio, and an operator's path through /ui. Open the
 * token URL, see the tunnel ready, watch calls made through the relay by an
 * MCP SDK client reach the trace and the charts, switch the log level and
 * see debug lines, download the log export and the trace export and read
 * them, with no secret of the run in any file. A page of another origin on
 * the same machine cannot use the UI's session.
 */
import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { strFromU8, unzipSync } from 'fflate';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startCli, type CliProcess } from '../helpers/cli';
import { EVERYTHING } from '../helpers/everything';
import { waitUntil } from './harness/util';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './harness/workbench';

const HEADER_SECRET = `team-e2e-${Date.now().toString(36)}-header-value`;

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
  await page.locator(`.panel-${name.toLowerCase()}`).waitFor({ timeout: 10_000 });
}

/** "N calls in the last S seconds" of the Calls per second chart. */
async function callsInWindow(page: Page): Promise<number> {
  const text = (await page.locator('section[aria-label="Calls per second"] .sr-only').textContent({ timeout: 5_000 }).catch(() => '')) ?? '';
  return Number(/(\d+) calls in the last/.exec(text)?.[1] ?? -1);
}

describe('web UI of mcp-tunnel run in a real browser', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-webui-e2e-'));
  let relay: CliProcess;
  let run: CliProcess;
  let info: { mcp_url?: string; control_plane_base_url?: string; tunnel_id?: string; api_key?: string; front_door_token?: string };
  let browser: Browser;
  let page: Page;
  let uiUrl: string;
  let token: string;
  let foreign: Server | undefined;
  const failedResponses: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    relay = startCli(['relay', '--print-json']);
    info = await relay.json();
    const profile = join(dir, 'webui.yaml');
    const urlFile = join(dir, 'health.url');
    writeFileSync(
      profile,
      [
        'control_plane:',
        `  base_url: ${info.control_plane_base_url}`,
        `  tunnel_id: ${info.tunnel_id}`,
        '  api_key: env:CONTROL_PLANE_API_KEY',
        '  extra_headers:',
        `    X-Team: ${HEADER_SECRET}`,
        'mcp:',
        '  commands:',
        `    - command: node ${EVERYTHING}`,
        'health:',
        '  listen_addr: 127.0.0.1:0',
        `  url_file: ${urlFile}`,
        'log:',
        '  level: info',
        'trace:',
        '  capture_payloads: true',
        '',
      ].join('\n'),
    );
    run = startCli(['run', '--config', profile], { CONTROL_PLANE_API_KEY: info.api_key });
    await run.waitForLog(/tunnel ready/, 60_000);
    uiUrl = readFileSync(`${urlFile}.ui`, 'utf8').trim();
    token = new URL(uiUrl).searchParams.get('token')!;

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('response', (r) => {
      if (r.status() >= 400) failedResponses.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    foreign?.close();
    for (const p of [run, relay]) {
      if (!p || p.child.exitCode !== null) continue;
      p.child.kill('SIGTERM');
      await p.exited();
    }
  });

  it('opens from the token URL without the token in the address bar, shows the tunnel ready with its icons, and offers no Start/Stop', async () => {
    const fontLoaded = page.waitForResponse((r) => r.url().endsWith('/ui/codicons/codicon.ttf') || r.url().includes('/ui/codicons/codicon.ttf?'), { timeout: 15_000 });
    await page.goto(uiUrl);
    assert.equal(new URL(page.url()).pathname, '/ui');
    assert.equal(new URL(page.url()).search, '', 'the token is dropped from the address bar');
    await waitUntil(async () => ((await page.locator('.header .badge').textContent({ timeout: 2_000 }).catch(() => '')) ?? '').trim() === 'ready', 30_000, 'the badge to say ready');
    assert.equal((await fontLoaded).status(), 200, 'the codicon font is served');
    const iconFont = await page.locator('.tabs .codicon').first().evaluate((el) => getComputedStyle(el).fontFamily);
    assert.match(iconFont, /codicon/);
    assert.equal(await page.locator('.header-actions').count(), 0, 'no Start/Stop: the process is the tunnel');
    const health = (await page.locator('.panel-health').textContent()) ?? '';
    assert.match(health, new RegExp(info.tunnel_id!));
    assert.ok(!(await page.content()).includes(token), 'the token is not in the page');
  });

  it('shows calls made through the relay in the trace and moves the calls chart', async () => {
    await openTab(page, 'Metrics');
    await waitUntil(async () => (await callsInWindow(page)) >= 0, 15_000, 'the calls chart');
    const before = await callsInWindow(page);

    const client = new Client({ name: 'e2e-webui', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(info.mcp_url!), { requestInit: { headers: { Authorization: `Bearer ${info.front_door_token}` } } }));
    for (let i = 0; i < 3; i++) {
      const echo = await client.callTool({ name: 'echo', arguments: { message: `through the tunnel ${i}` } });
      assert.match(JSON.stringify(echo), new RegExp(`through the tunnel ${i}`));
    }
    await client.close();

    await waitUntil(async () => (await callsInWindow(page)) >= before + 3, 20_000, `the calls chart to count 3 more calls than ${before}`);

    await openTab(page, 'Trace');
    const rows = page.locator('.tbody .tr', { hasText: 'echo' });
    await waitUntil(async () => (await rows.count()) >= 3, 15_000, 'three echo rows in the trace');
    await rows.first().click();
    await waitUntil(async () => /through the tunnel/.test((await page.locator('.details').textContent()) ?? ''), 10_000, 'the payload in the details');
    assert.equal(await page.getByRole('button', { name: 'Copy as curl' }).count(), 0, 'no curl button without a loopback front door');

    // Export as JSON: a download of the shown rows.
    const download = page.waitForEvent('download');
    await page.getByLabel('Export the shown rows as JSON').click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^mcp-tunnel-trace-.+\.json$/);
    const exported = JSON.parse(readFileSync((await file.path())!, 'utf8')) as { entries: { method?: string; request?: unknown }[] };
    assert.ok(exported.entries.filter((e) => e.method === 'tools/call').length >= 3);
    assert.match(JSON.stringify(exported), /through the tunnel 2/);
  });

  it('switches the log level to debug from the Logs tab, and debug lines appear', async () => {
    await openTab(page, 'Logs');
    assert.equal(await page.locator('.log-lines .log.lvl-debug').count(), 0, 'no debug lines at info');
    await page.getByTestId('log-level').selectOption('debug');
    await waitUntil(async () => (await page.locator('.log-lines .log.lvl-debug').count()) > 0, 20_000, 'debug lines in the Logs tab');
    const level = await (await fetch(new URL('/api/log-level', uiUrl), { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.equal((level as { level: string }).level, 'debug', 'the daemon runs at debug now');
    assert.match((await page.locator('.log-lines').textContent()) ?? '', /runtime log level updated|log level/);
  });

  it('downloads the log export: every part of the bundle, the debug lines in it, and no secret of the run in any file', async () => {
    await openTab(page, 'Logs');
    const download = page.waitForEvent('download');
    await page.getByTestId('export-logs').click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^mcp-tunnel-diagnostics-\d{8}T\d{6}Z\.zip$/);
    await run.waitForLog(/diagnostics bundle exported/);
    const files = unzipSync(readFileSync((await file.path())!));
    assert.deepEqual(Object.keys(files).sort(), ['config.json', 'logs.ndjson', 'manifest.json', 'metrics.prom', 'profile.yaml', 'status.json', 'system.json']);
    const text = (name: string) => strFromU8(files[name]!);
    const logs = text('logs.ndjson').trim().split('\n').map((l) => JSON.parse(l) as { level: string });
    assert.ok(logs.some((r) => r.level === 'debug'), 'the debug lines are in the export');
    assert.match(text('metrics.prom'), /^# TYPE /m);
    assert.match(text('status.json'), new RegExp(info.tunnel_id!));
    assert.match(text('profile.yaml'), /X-Team: "<hidden/);
    assert.match(text('profile.yaml'), /api_key: env:CONTROL_PLANE_API_KEY/);
    const config = JSON.parse(text('config.json')) as { argv: string[]; environment: Record<string, string> };
    assert.ok(config.argv.includes('--config'));
    assert.equal(config.environment.CONTROL_PLANE_API_KEY, '[REDACTED]');
    for (const [name, data] of Object.entries(files)) {
      const body = strFromU8(data);
      for (const [what, secret] of [['API key', info.api_key!], ['web UI token', token], ['header value', HEADER_SECRET]] as const) {
        assert.ok(!body.includes(secret), `${name} holds the ${what}`);
      }
    }
  });

  it('--open-web-ui hands the browser a private page (not the token in argv) that opens the dashboard signed in', async () => {
    // A stand-in for xdg-open that records what it was asked to open.
    const bin = join(dir, 'bin');
    const opened = join(dir, 'opened.txt');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const second = startCli(['run', '--open-web-ui'], {
      PATH: `${bin}:${process.env.PATH}`,
      CONTROL_PLANE_BASE_URL: info.control_plane_base_url,
      CONTROL_PLANE_TUNNEL_ID: info.tunnel_id,
      CONTROL_PLANE_API_KEY: info.api_key,
      MCP_COMMAND: `node ${EVERYTHING}`,
      HEALTH_LISTEN_ADDR: '127.0.0.1:0',
    });
    try {
      await waitUntil(async () => existsSync(opened), 30_000, 'the browser to be asked to open the UI');
      const file = readFileSync(opened, 'utf8');
      assert.ok(!file.includes('token='), 'the browser is given a file, not the URL with its token');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const tab = await page.context().browser()!.newPage();
      await tab.goto(`file://${file}`);
      await waitUntil(async () => ((await tab.locator('.header .badge').textContent({ timeout: 2_000 }).catch(() => '')) ?? '').trim() === 'ready', 30_000, 'the dashboard opened from the forwarding page');
      assert.equal(new URL(tab.url()).search, '', 'the token is dropped from the address bar');
      await tab.close();
    } finally {
      second.child.kill('SIGTERM');
      await second.exited();
    }
  });

  it('refuses a page of another origin on this machine, even though the browser holds the session cookie', async () => {
    foreign = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => foreign!.listen(0, '127.0.0.1', resolve));
    const other = await page.context().newPage();
    await other.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    const ui = new URL(uiUrl).origin;
    const exports = () => run.stderr.filter((l) => l.includes('diagnostics bundle exported')).length;
    const exportsBefore = exports();
    // A simple request the browser sends without a preflight, with the cookie: the daemon answers 403 and does nothing.
    await other.evaluate(async (target) => {
      await fetch(`${target}/api/message`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ type: 'setLogLevel', level: 'error' }) }).catch(() => undefined);
      await fetch(`${target}/api/log-level`, { method: 'PUT', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{"level":"error"}' }).catch(() => undefined);
    }, ui);
    // A GET the browser sends without Origin (no-cors), with the cookie (another port is the same site): refused too.
    await other.evaluate(async (target) => {
      await fetch(`${target}/api/logs/export`, { mode: 'no-cors', credentials: 'include' }).catch(() => undefined);
    }, ui);
    await new Promise((r) => setTimeout(r, 1500));
    const read = await other.evaluate(async (target) => fetch(`${target}/api/logs`, { credentials: 'include' }).then((r) => `read ${r.status}`, (e: Error) => `blocked: ${e.message}`), ui);
    assert.match(read, /^blocked/, 'the other origin cannot read the logs');
    await other.close();
    const level = (await (await fetch(`${ui}/api/log-level`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { level: string };
    assert.equal(level.level, 'debug', 'the level the other page tried to set did not take');
    assert.ok(run.stderr.every((l) => !/runtime log level updated.*new_level=error/.test(l)));
    assert.equal(exports(), exportsBefore, 'no export was built for the other origin (its request was refused before any work)');
    assert.deepEqual(pageErrors.filter((e) => !/Failed to load resource/.test(e)), [], 'the UI itself logged no errors');
    assert.deepEqual(failedResponses, [], 'the UI itself had no failed requests');
  });
});

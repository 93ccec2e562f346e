/**
 * MCP Tunnel in a real VS Code (code-server 4.100.3): the packaged .vsix is
 * installed, a workspace profile points at a relay started by the test and at
 * server-everything over stdio, and everything is driven as a user would.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startCli, type CliProcess } from '../helpers/cli';
import { EVERYTHING } from '../helpers/everything';
import { running } from '../helpers/processes';
import {
  clearNotifications,
  descendantPids,
  notificationDetails,
  extensionHostLogErrors,
  openWorkbench,
  packageProduct,
  processesMatching,
  PRODUCT_VSIX,
  quickPick,
  RESULTS_DIR,
  runCommand,
  screenshot,
  startCodeServer,
  treeRowText,
  waitForNotification,
  viewWelcome,
  webview,
  waitUntil,
  type CodeServer,
  type Workbench,
} from './harness';

const EXTENSION_ID = 'mcp-tunnel.mcp-tunnel';
const VIEW = 'MCP Tunnels';
/** The worker of the installed extension (not the repository's dist/). */
const WORKER = path.join('mcp-tunnel.mcp-tunnel-0.1.0', 'dist', 'worker.js');
const RELAY_KEY = `relay-e2e-${Date.now().toString(36)}-secret`;

/** Gone, or a zombie waiting for a reaper that this container does not have. */
const gone = (pid: number) => !running(pid);

function workspaceDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mcp-tunnel-e2e-${name}-`));
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  return dir;
}

function everythingProfile(relay: Record<string, string>) {
  return {
    name: 'everything',
    controlPlane: { baseUrl: relay.control_plane_base_url, tunnelId: relay.tunnel_id, apiKey: 'env:E2E_RELAY_KEY' },
    mcp: { servers: [{ command: process.execPath, args: [EVERYTHING, 'stdio'] }] },
  };
}

let lastRows = '';
async function rows(page: Workbench['page']): Promise<string> {
  lastRows = (await treeRowText(page, VIEW, 2_000).catch(() => [] as string[])).join('\n');
  return lastRows;
}

/** On failure: a screenshot and the last tree seen, so a person can tell what the editor showed. */
async function recordFailure(ctx: Mocha.Context, wb: Workbench | undefined): Promise<void> {
  if (ctx.currentTest?.state !== 'failed' || !wb) return;
  const name = `failed-${ctx.currentTest.title.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`;
  await screenshot(wb.page, name).catch(() => undefined);
  console.log(`last tree rows:\n${lastRows}`);
}

/** For the calling describe block: a screenshot of each failed test, then the editor closed and its server stopped. */
function editorHooks(current: () => { server: CodeServer | undefined; wb: Workbench | undefined }): void {
  afterEach(async function () {
    await recordFailure(this, current().wb);
  });
  after(async () => {
    const { server, wb } = current();
    await wb?.close();
    await server?.stop();
  });
}

function assertNoExtensionErrors(server: CodeServer): void {
  const errors = extensionHostLogErrors(server, EXTENSION_ID, ['mcp-tunnel']);
  assert.deepEqual(errors, [], `extension host errors:\n${errors.join('\n')}`);
}

describe('MCP Tunnel extension in VS Code', function () {
  this.timeout(240_000);
  let relay: CliProcess;
  let relayInfo: Record<string, string>;

  /** code-server on `workspace` with these profiles (default: the everything profile) in its settings, and the Tunnels view open. */
  async function openEditor(name: string, workspace: string, trust: boolean, profiles: unknown[] = [everythingProfile(relayInfo)]): Promise<{ server: CodeServer; wb: Workbench }> {
    const server = await startCodeServer({
      name,
      workspace,
      vsixPath: PRODUCT_VSIX,
      trust,
      env: { E2E_RELAY_KEY: RELAY_KEY },
      workspaceSettings: { 'mcpTunnel.profiles': profiles },
    });
    const wb = await openWorkbench(server);
    await runCommand(wb.page, 'View: Show MCP Tunnels');
    return { server, wb };
  }

  before(async () => {
    packageProduct();
    relay = startCli(['relay', '--print-json', '--api-key', 'env:E2E_RELAY_KEY'], { E2E_RELAY_KEY: RELAY_KEY });
    relayInfo = await relay.json();
  });

  after(() => {
    relay?.child.kill('SIGTERM');
  });

  describe('a trusted workspace with a stdio profile', () => {
    let server: CodeServer;
    let wb: Workbench;
    let workspace: string;

    before(async () => {
      workspace = workspaceDir('trusted');
      fs.writeFileSync(
        path.join(workspace, '.vscode', 'mcp.json'),
        `{
  // A server VS Code knows; Add Profile can reference it.
  "servers": {
    "fixture-server": { "type": "stdio", "command": "${process.execPath}", "args": ["${EVERYTHING}", "stdio"], },
  },
  "inputs": [],
}
`,
      );
      ({ server, wb } = await openEditor('extension-trusted', workspace, true));
    });

    editorHooks(() => ({ server, wb }));

    it('shows the profile as stopped in the Tunnels view', async () => {
      await waitUntil(async () => /everything\s+stopped/.test(await rows(wb.page)), 30_000, 'profile row');
      await screenshot(wb.page, 'tree-stopped');
    });

    it('starts from the palette, turns ready, serves MCP calls through the relay, counts them, and stops with its processes gone', async () => {
      await runCommand(wb.page, 'MCP Tunnel: Start Tunnel');
      await waitUntil(async () => /everything\s+ready/.test(await rows(wb.page)), 60_000, 'ready in the tree');
      const workers = processesMatching(WORKER);
      assert.equal(workers.length, 1, 'one worker process runs');
      const servers = descendantPids(workers[0]!);
      assert.ok(servers.length >= 1, 'the MCP server runs under the worker');

      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(relayInfo.mcp_url!), { requestInit: { headers: { Authorization: `Bearer ${relayInfo.front_door_token}` } } }),
      );
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'echo'));
      const echo = await client.callTool({ name: 'echo', arguments: { message: 'through VS Code' } });
      assert.match(JSON.stringify(echo), /Echo: through VS Code/);
      await client.close();

      // initialize, initialized, tools/list, tools/call (+ session close) all counted as ok.
      await waitUntil(async () => /Calls\s+[3-9] ok · 0 failed/.test(await rows(wb.page)), 15_000, 'counters in the tree');
      const tree = await rows(wb.page);
      assert.match(tree, /Control plane\s+http:\/\/127\.0\.0\.1:\d+/);
      assert.match(tree, /MCP server\s+stdio · pid \d+/);
      assert.match(tree, /p50 [\d.]+ ms/);
      await screenshot(wb.page, 'tree-ready');
      // The README's picture: the view and the status bar item.
      await wb.page.screenshot({ path: path.join(RESULTS_DIR, 'tunnels-view.png'), clip: { x: 0, y: 0, width: 760, height: 220 } });

      await runCommand(wb.page, 'MCP Tunnel: Stop Tunnel');
      await waitUntil(async () => /everything\s+stopped/.test(await rows(wb.page)), 15_000, 'stopped in the tree');
      await waitUntil(async () => workers.concat(servers).every(gone), 10_000, 'worker and MCP server gone');
      assert.deepEqual(processesMatching(WORKER), []);
    });

    it('counts a tool result with isError as failed, and keeps the last poll time current while calls flow', async () => {
      await runCommand(wb.page, 'MCP Tunnel: Start Tunnel');
      await waitUntil(async () => /everything\s+ready/.test(await rows(wb.page)), 60_000, 'ready in the tree');
      const client = new Client({ name: 'e2e-outcomes', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(relayInfo.mcp_url!), { requestInit: { headers: { Authorization: `Bearer ${relayInfo.front_door_token}` } } }),
      );
      try {
        const bad = await client.callTool({ name: 'get-sum', arguments: { a: 'not a number' } });
        assert.equal(bad.isError, true);
        await waitUntil(async () => /Calls\s+\d+ ok · 1 failed/.test(await rows(wb.page)), 15_000, 'the tool error counted as failed');
        // Calls keep polls short; the tree must show a recent poll, not the first one.
        for (let i = 0; i < 5; i++) {
          await client.callTool({ name: 'echo', arguments: { message: `tick ${i}` } });
          await new Promise((r) => setTimeout(r, 1000));
        }
        await waitUntil(async () => /Last poll\s+[0-2]s ago/.test(await rows(wb.page)), 5_000, 'a current last poll time');
      } finally {
        await client.close();
      }
      await runCommand(wb.page, 'MCP Tunnel: Stop Tunnel');
      await waitUntil(async () => /everything\s+stopped/.test(await rows(wb.page)), 15_000, 'stopped in the tree');
    });

    it('keeps an API key set from the palette out of every settings file', async () => {
      const key = `sk-e2e-${Date.now().toString(36)}-never-in-settings`;
      await runCommand(wb.page, 'MCP Tunnel: Set API Key…');
      await quickPick(wb.page).fill(key, { password: true });
      await waitForNotification(wb.page, /API key for "everything" saved/);
      const files = [path.join(server.userDataDir, 'User', 'settings.json'), path.join(workspace, '.vscode', 'settings.json')];
      for (const file of files) {
        if (fs.existsSync(file)) assert.ok(!fs.readFileSync(file, 'utf8').includes(key), `${file} must not hold the key`);
      }
      const logs = fs.readdirSync(server.logsDir, { recursive: true }).map(String);
      for (const rel of logs) {
        const file = path.join(server.logsDir, rel);
        if (fs.statSync(file).isFile()) assert.ok(!fs.readFileSync(file, 'utf8').includes(key), `${rel} must not hold the key`);
      }
      await clearNotifications(wb.page);
    });

    it('adds a profile that references a server of .vscode/mcp.json', async () => {
      await runCommand(wb.page, 'MCP Tunnel: Add Profile…');
      const qp = quickPick(wb.page);
      await qp.pick('Hosted control plane');
      await qp.pick('From .vscode/mcp.json');
      await qp.pick('fixture-server');
      await qp.fill('fixture');
      await qp.fill(relayInfo.tunnel_id!);
      await qp.fill('');
      await qp.pick('Workspace settings');
      await waitForNotification(wb.page, /Profile "fixture" added to workspace settings/);
      const file = path.join(workspace, '.vscode', 'settings.json');
      const settings = fs.readFileSync(file, 'utf8');
      assert.match(settings, /"mcpServer": "fixture-server"/);
      // Pointed at the test's relay, as a user with a relay of their own would edit it.
      const parsed = JSON.parse(settings) as { 'mcpTunnel.profiles': { name: string; controlPlane?: Record<string, string> }[] };
      for (const p of parsed['mcpTunnel.profiles']) if (p.name === 'fixture') p.controlPlane = { ...p.controlPlane, baseUrl: relayInfo.control_plane_base_url! };
      fs.writeFileSync(file, `${JSON.stringify(parsed, null, 2)}\n`);
      await waitUntil(async () => /fixture\s+stopped/.test(await rows(wb.page)), 15_000, 'new profile in the tree');
      await screenshot(wb.page, 'tree-added-profile');
      await clearNotifications(wb.page);
    });

    it('starts a loopback for a profile with no API key stored, and it turns ready without asking for one', async () => {
      await runCommand(wb.page, 'MCP Tunnel: Start Loopback');
      await quickPick(wb.page).pick('fixture');
      await waitForNotification(wb.page, /Loopback tunnel "fixture" is ready at http:\/\/127\.0\.0\.1:\d+/, 90_000);
      await waitUntil(async () => /fixture\s+ready/.test(await rows(wb.page)), 30_000, 'fixture ready in the tree');
      await clearNotifications(wb.page);
      await runCommand(wb.page, 'MCP Tunnel: Stop Tunnel');
      await waitUntil(async () => /fixture\s+stopped/.test(await rows(wb.page)), 15_000, 'fixture stopped');
    });

    it('runs Doctor for a profile whose key is in secret storage, and Doctor finds that key', async () => {
      await runCommand(wb.page, 'MCP Tunnel: Set API Key…');
      await quickPick(wb.page).pick('fixture');
      await quickPick(wb.page).fill(RELAY_KEY, { password: true });
      await waitForNotification(wb.page, /API key for "fixture" saved/);
      await clearNotifications(wb.page);
      await runCommand(wb.page, 'MCP Tunnel: Run Doctor');
      await quickPick(wb.page).pick('fixture');
      await waitForNotification(wb.page, /Doctor: "fixture" looks good/, 30_000);
      // The report opens as a page of its own (a webview), each check a section.
      const apiKeyCheck = webview(wb.page).locator('[data-check="api-key"]');
      await apiKeyCheck.waitFor({ timeout: 10_000 });
      const report = (await webview(wb.page).locator('body').textContent()) ?? '';
      assert.match((await apiKeyCheck.textContent()) ?? '', /The key stored for the profile "fixture" in the editor's secret storage/);
      assert.doesNotMatch(report, /No API key/);
      assert.ok(!report.includes(RELAY_KEY), 'the report never shows the key');
      await screenshot(wb.page, 'doctor-stored-key');
      await clearNotifications(wb.page);
    });

    it('logged no error from the extension in the extension host', () => {
      assertNoExtensionErrors(server);
    });
  });

  describe('a workspace whose MCP server exits at start', () => {
    let server: CodeServer;
    let wb: Workbench;

    before(async () => {
      ({ server, wb } = await openEditor('extension-crashloop', workspaceDir('crashloop'), true, [
        {
          ...everythingProfile(relayInfo),
          name: 'crashloop',
          mcp: { servers: [{ command: process.execPath, args: ['-e', "console.error('Error: cannot open database /nowhere/db.sqlite'); process.exit(1)"] }] },
        },
      ]));
    });

    editorHooks(() => ({ server, wb }));

    it('says once that the server keeps exiting, with its last stderr, and offers its output and Doctor', async () => {
      await waitUntil(async () => /crashloop\s+stopped/.test(await rows(wb.page)), 30_000, 'the profile');
      await runCommand(wb.page, 'MCP Tunnel: Start Tunnel');
      const toast = await waitForNotification(wb.page, /MCP server of "crashloop" keeps exiting \(exited with code 1; restart attempt \d+ in .*last stderr: Error: cannot open database/, 30_000);
      const details = (await notificationDetails(wb.page)).find((n) => n.message === toast);
      assert.equal(details?.severity, 'error');
      assert.deepEqual(details?.buttons, ['Show MCP Server Output', 'Run Doctor']);
      await waitUntil(async () => /Problem MCP server "main" restarting: exited with code 1/.test(await rows(wb.page)), 15_000, 'the reason in the tree');
      await screenshot(wb.page, 'tree-crashloop');
      await clearNotifications(wb.page);
      await runCommand(wb.page, 'MCP Tunnel: Stop Tunnel');
      await waitUntil(async () => /crashloop\s+stopped/.test(await rows(wb.page)), 15_000, 'stopped');
    });
  });

  describe('a workspace with invalid and duplicate profiles', () => {
    let server: CodeServer;
    let wb: Workbench;

    before(async () => {
      ({ server, wb } = await openEditor('extension-invalid', workspaceDir('invalid'), true, [
        { name: 'broken', controlPlane: { tunnelId: 'tunnel_SHORT' }, mcp: { servers: [] } },
        everythingProfile(relayInfo),
        { ...everythingProfile(relayInfo), name: 'everything' },
      ]));
    });

    editorHooks(() => ({ server, wb }));

    it('shows every problem of an invalid profile as a child row, and flags a second profile of the same name', async () => {
      await waitUntil(async () => /broken\s+invalid/.test(await rows(wb.page)), 30_000, 'the invalid profile');
      const tree = await rows(wb.page);
      const broken = tree.split('\n');
      const at = broken.findIndex((l) => /^broken\s+invalid/.test(l));
      const children = broken.slice(at + 1).filter((l) => l.startsWith('  ')).slice(0, 2);
      assert.equal(children.length, 2, tree);
      assert.match(children.join('\n'), /Error .*tunnelId/);
      assert.match(children.join('\n'), /Error .*servers/);
      assert.match(tree, /^everything\s+stopped$/m);
      assert.match(tree, /^everything\s+invalid$/m);
      assert.match(tree, /Error Another profile in workspace settings is already named "everything", so this one is not used/);
      await screenshot(wb.page, 'tree-invalid-profiles');
      assertNoExtensionErrors(server);
    });
  });

  describe('a workspace with no profiles', () => {
    for (const trust of [true, false]) {
      it(`shows the ${trust ? 'getting-started' : 'Restricted Mode'} welcome in ${trust ? 'a trusted' : 'an untrusted'} folder`, async () => {
        const { server, wb } = await openEditor(`extension-empty-${trust}`, workspaceDir(`empty-${trust}`), trust, []);
        try {
          let welcome: Awaited<ReturnType<typeof viewWelcome>>;
          await waitUntil(async () => (welcome = await viewWelcome(wb.page, VIEW)) !== undefined, 30_000, 'the welcome content');
          if (trust) {
            assert.match(welcome!.text, /^No tunnel profiles yet\./);
            assert.doesNotMatch(welcome!.text, /Restricted Mode/);
            assert.deepEqual(welcome!.buttons, ['Add Profile…', 'Import from .vscode/mcp.json', 'Import from Codex Config', 'Edit Profiles']);
          } else {
            assert.match(welcome!.text, /Restricted Mode/);
            assert.deepEqual(welcome!.buttons, ['Manage Workspace Trust', 'Add Profile…']);
          }
          await screenshot(wb.page, `welcome-${trust ? 'trusted' : 'restricted'}`);
        } finally {
          await wb.close();
          await server.stop();
        }
      });
    }
  });

  describe('an untrusted workspace', () => {
    let server: CodeServer;
    let wb: Workbench;

    before(async () => {
      ({ server, wb } = await openEditor('extension-untrusted', workspaceDir('untrusted'), false));
    });

    editorHooks(() => ({ server, wb }));

    it('does not start a workspace profile that runs a command, and says why', async () => {
      await waitUntil(async () => /everything\s+blocked \(Restricted Mode\)/.test(await rows(wb.page)), 30_000, 'blocked profile');
      await runCommand(wb.page, 'MCP Tunnel: Start Tunnel');
      await waitForNotification(wb.page, /Restricted Mode/);
      assert.deepEqual(processesMatching(WORKER), [], 'no tunnel worker was started');
      await screenshot(wb.page, 'tree-untrusted');
      assertNoExtensionErrors(server);
    });
  });
});

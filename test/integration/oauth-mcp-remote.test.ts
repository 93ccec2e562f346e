import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ROOT } from '../helpers/everything';
import { freePort } from '../helpers/net';
import { startOAuthMcpServer, type OAuthMcpServer } from '../helpers/oauthServer';
import { httpTarget, startTestTunnel, textOf, type TestTunnel } from '../helpers/tunnel';

const MCP_REMOTE = join(ROOT, 'node_modules', 'mcp-remote', 'dist', 'proxy.js');

/**
 * mcp-remote (npm), an OAuth-capable stdio-to-HTTP MCP proxy with its own
 * copy of the SDK, in front of the loopback front door. It opens a browser
 * for the sign-in: BROWSER=true makes that browser a no-op (its opener,
 * xdg-open, runs $BROWSER when there is no desktop), and the test plays the
 * user by GETting the authorization URL mcp-remote prints, following the
 * redirect to mcp-remote's own callback server. Its config and tokens go to
 * a temporary MCP_REMOTE_CONFIG_DIR (and HOME), never the user's home.
 */
describe('mcp-remote through the loopback relay to an OAuth-protected MCP server', function () {
  this.timeout(90_000);
  let server: OAuthMcpServer;
  let t: TestTunnel;
  let configDir: string;
  let transport: StdioClientTransport | undefined;

  beforeEach(async () => {
    server = await startOAuthMcpServer();
    t = await startTestTunnel({ target: httpTarget(server.mcpUrl), relay: { commandTimeoutMs: 15_000 } });
    configDir = mkdtempSync(join(tmpdir(), 'mcp-remote-'));
  });

  afterEach(async () => {
    const pid = transport?.pid;
    await transport?.close();
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    transport = undefined;
    await t?.stop();
    await server?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('signs in with a no-op browser and serves tools/list and tools/call over stdio', async () => {
    const callbackPort = await freePort();
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [MCP_REMOTE, t.info.mcpUrl, String(callbackPort), '--host', '127.0.0.1', '--transport', 'http-only'],
      env: { PATH: process.env.PATH ?? '', HOME: configDir, MCP_REMOTE_CONFIG_DIR: configDir, BROWSER: 'true' },
      stderr: 'pipe',
    });
    let stderr = '';
    let approval: Promise<Response> | undefined;
    transport.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const printed = /Please authorize this client by visiting:\s*(\S+)/.exec(stderr);
      // The user: open the printed URL once the callback listens (it may be printed first);
      // the authorization server redirects to mcp-remote's callback.
      if (printed && /OAuth callback server running/.test(stderr) && !approval) approval = fetch(printed[1]);
    });
    const client = new Client({ name: 'oauth-mcp-remote-test', version: '1.0.0' });
    try {
      await client.connect(transport);
    } catch (err) {
      throw new Error(`mcp-remote did not connect: ${(err as Error).message}\n${stderr.slice(-4000)}`);
    }
    assert.ok(approval, 'mcp-remote printed an authorization URL');
    assert.equal((await approval).status, 200, 'its callback took the code');
    assert.match(stderr, /Browser opened automatically/, 'the no-op browser was "opened"');

    const authorizationUrl = new URL(/Please authorize this client by visiting:\s*(\S+)/.exec(stderr)![1]);
    assert.equal(authorizationUrl.origin, new URL(server.issuerUrl).origin);
    assert.equal(authorizationUrl.searchParams.get('resource'), t.info.mcpUrl, 'the resource mcp-remote asked for is the front-door URL');

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['echo', 'whoami']);
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });
    assert.equal(textOf(whoami), authorizationUrl.searchParams.get('client_id'), 'the token of the client mcp-remote registered');
    assert.ok(server.authorized.length >= 2);
    await client.close();

    assert.ok(readdirSync(configDir).length > 0, 'mcp-remote kept its state in the temporary config dir');
    const token = t.info.frontDoorToken!;
    for (const r of server.requests) assert.ok(!JSON.stringify(r).includes(token), 'the front-door token never reached the MCP server');
  });
});

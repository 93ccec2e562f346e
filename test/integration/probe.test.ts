/**
 * "Ready" is earned: the engine sends each MCP server its own initialize and
 * reports the tunnel ready only once it is answered.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { getOAuthProtectedResourceMetadataUrl, mcpAuthMetadataRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { everythingStdioTarget, startEverythingHttp, type RunningServer } from '../helpers/everything';
import { freePort } from '../helpers/net';
import { waitFor } from '../helpers/wait';
import { httpTarget, readyz, startTestTunnel, type TestTunnel } from '../helpers/tunnel';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'sidecar-test', version: '1.0.0' } },
};

describe('the MCP startup probe', function () {
  this.timeout(60_000);
  let t: TestTunnel | undefined;
  let server: RunningServer | undefined;
  let oauth: Server | undefined;
  afterEach(async () => {
    await t?.stop();
    await server?.stop();
    await new Promise((r) => (oauth ? oauth.close(r) : r(undefined)));
    t = server = oauth = undefined;
  });

  it('a stdio server is ready once it answered the engine’s initialize, which later sessions are served from', async () => {
    t = await startTestTunnel({ target: everythingStdioTarget() });
    assert.deepEqual(await readyz(t), { status: 200, text: 'ready' });
    assert.ok(t.logs.some((l) => /MCP server "main" answered initialize/.test(l.msg)));
    const { client } = await t.client();
    assert.ok(client.getServerVersion()?.name, 'the remote session gets the server identity');
    assert.ok((await client.listTools()).tools.length > 0);
  });

  it('an HTTP URL with nothing listening is "MCP probe failed" (503), then ready by itself once a server starts there', async () => {
    const port = await freePort();
    t = await startTestTunnel({ target: httpTarget(`http://127.0.0.1:${port}/mcp`), waitReady: false });
    await waitFor(async () => (await readyz(t!)).text.startsWith('MCP probe failed'), 10_000, 'the failed probe');
    const failed = await readyz(t);
    assert.equal(failed.status, 503);
    assert.match(failed.text, /^MCP probe failed: cannot connect \(\w+\)$/);
    assert.notEqual(t.engine.status().state, 'ready');
    server = await startEverythingHttp(port);
    await waitFor(async () => (await readyz(t!)).status === 200, 20_000, 'ready after the server started');
    assert.equal((await readyz(t)).text, 'ready');
  });

  /**
   * An MCP endpoint behind the SDK's bearer-token middleware, answering 401 to
   * a request without a token, with the protected-resource metadata its
   * challenge names (the SDK's metadata router); its port.
   */
  async function startOAuthProtected(port?: number): Promise<number> {
    const listenOn = port ?? (await freePort());
    const base = `http://127.0.0.1:${listenOn}`;
    const app = express();
    app.use(mcpAuthMetadataRouter({ oauthMetadata: { issuer: `${base}/`, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, response_types_supported: ['code'] }, resourceServerUrl: new URL(`${base}/mcp`) }));
    const verifier = { verifyAccessToken: async (): Promise<never> => { throw new InvalidTokenError('no token'); } };
    app.use('/mcp', requireBearerAuth({ verifier, resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(new URL(`${base}/mcp`)) }));
    oauth = createServer(app);
    await new Promise<void>((resolve) => oauth!.listen(listenOn, '127.0.0.1', resolve));
    return listenOn;
  }

  it('an OAuth-protected server that answers 401 is ready, with the auth note', async () => {
    const port = await startOAuthProtected();
    t = await startTestTunnel({ target: httpTarget(`http://127.0.0.1:${port}/mcp`) });
    const ready = await readyz(t);
    assert.equal(ready.status, 200);
    assert.match(ready.text, /^ready \(MCP initialize requires auth: HTTP 401/);
  });

  it('an HTTP server that goes away leaves "ready" at the first call that cannot reach it, and comes back by itself', async () => {
    const port = await freePort();
    server = await startEverythingHttp(port);
    t = await startTestTunnel({ target: httpTarget(`http://127.0.0.1:${port}/mcp`) });
    assert.equal((await readyz(t)).status, 200);
    await server.stop();
    const answer = await t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 1, method: 'tools/list' } }).terminal;
    assert.equal((answer.resp_json as { error: { data: { tunnel_failure: { source: string } } } }).error.data.tunnel_failure.source, 'connect');
    await waitFor(() => t!.engine.status().state === 'degraded', 5000, 'degraded');
    assert.match((await readyz(t)).text, /^MCP probe failed: cannot connect/);
    server = await startEverythingHttp(port);
    await waitFor(async () => (await readyz(t!)).status === 200, 20_000, 'ready again');
  });

  /**
   * The startup wait (`mcp.startup_wait_timeout` / `MCP_STARTUP_WAIT_TIMEOUT`):
   * a tunnel started beside its HTTP MCP server (a sidecar) holds its first
   * poll until the server accepts connections, so no command is polled only to
   * fail with a connect error.
   */
  describe('with a startup wait', () => {
    it('holds the first poll until the HTTP server listens, says so in /readyz, and the waiting command gets a real answer', async () => {
      const port = await freePort();
      t = await startTestTunnel({ target: httpTarget(`http://127.0.0.1:${port}/mcp`), waitReady: false, config: (c) => (c.mcp.startupWaitMs = 30_000) });
      const waiting = t.relay.enqueue({ jsonrpc: INITIALIZE });
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(t.relay.stats().polls, 0, 'no poll while the server is not listening');
      const held = await readyz(t);
      assert.equal(held.status, 503);
      assert.equal(held.text, 'waiting for MCP server "main" to accept connections (startup wait, up to 30 s)');
      assert.equal(t.engine.status().state, 'starting');

      server = await startEverythingHttp(port);
      const answer = await waiting.terminal;
      assert.equal(answer.resp_code, 200);
      assert.ok((answer.resp_json as { result: { serverInfo: { name: string } } }).result.serverInfo.name, 'the held command was answered by the server');
      await waitFor(async () => (await readyz(t!)).text === 'ready', 10_000, 'ready');
      assert.ok(!t.relay.responseLog().some((r) => r.status === 502), 'no command was answered with an early 502');
    });

    it('when the wait runs out, polls anyway and stays not ready with the reason, then is ready once the server starts', async () => {
      const port = await freePort();
      t = await startTestTunnel({ target: httpTarget(`http://127.0.0.1:${port}/mcp`), waitReady: false, config: (c) => (c.mcp.startupWaitMs = 800) });
      await waitFor(() => t!.relay.stats().polls > 0, 10_000, 'polling after the wait ran out');
      const failed = await readyz(t);
      assert.equal(failed.status, 503);
      assert.match(failed.text, /^MCP startup wait failed: the MCP server "main" did not accept a connection within 800 ms \(cannot connect \(connection_refused\)\)$/);
      assert.ok(t.logs.some((l) => l.level === 'error' && /MCP startup wait ran out/.test(l.msg)));
      server = await startEverythingHttp(port);
      await waitFor(async () => (await readyz(t!)).status === 200, 20_000, 'ready after the server started');
      assert.equal((await readyz(t)).text, 'ready');
    });

    it('ends the wait at the first HTTP answer, even a 401 from an OAuth-protected server', async () => {
      const port = await startOAuthProtected();
      t = await startTestTunnel({ target: httpTarget(`http://127.0.0.1:${port}/mcp`), waitReady: false, config: (c) => (c.mcp.startupWaitMs = 30_000) });
      await t.engine.whenReady();
      assert.match((await readyz(t)).text, /^ready \(MCP initialize requires auth: HTTP 401/);
      assert.ok(t.relay.stats().polls > 0);
      assert.ok(!t.logs.some((l) => /MCP startup wait ran out/.test(l.msg)), 'the 401 ended the wait; it did not run out');
    });

    it('does not hold a stdio main channel: its commands wait for the child anyway', async () => {
      t = await startTestTunnel({ target: everythingStdioTarget(), waitReady: false, config: (c) => (c.mcp.startupWaitMs = 30_000) });
      await t.engine.whenReady();
      assert.ok(t.relay.stats().polls > 0);
      assert.ok(!t.logs.some((l) => /waiting up to/.test(l.msg)));
    });
  });
});

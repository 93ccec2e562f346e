/**
 * "Ready" is earned: the engine sends each MCP server its own initialize and
 * reports the tunnel ready only once it is answered.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { everythingStdioTarget, freePort, startEverythingHttp, waitFor, type RunningServer } from '../helpers/everything';
import { startTestTunnel, type TestTunnel } from '../helpers/tunnel';

async function readyz(t: TestTunnel): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.engine.healthUrl}/readyz`);
  return { status: res.status, text: (await res.text()).trim() };
}

const httpTarget = (url: string) => ({ kind: 'http' as const, channel: 'main', url, headers: {}, tls: {} });

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

  it('an OAuth-protected server that answers 401 is ready, with the auth note', async () => {
    const app = express();
    app.use('/mcp', requireBearerAuth({ verifier: { verifyAccessToken: async () => { throw new InvalidTokenError('no token'); } }, resourceMetadataUrl: 'http://127.0.0.1/.well-known/oauth-protected-resource' }));
    oauth = createServer(app);
    await new Promise<void>((r) => oauth!.listen(0, '127.0.0.1', r));
    const port = (oauth.address() as AddressInfo).port;
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
});

/**
 * OAuth-protected MCP servers, engine side: what the connector gets when the
 * server asks for a token, the `oauth_discovery` command, header precedence,
 * and OAuth discovery at startup feeding the status and readiness. A real
 * relay plays the control plane; the servers are real HTTP on loopback (the
 * MCP SDK's own auth router where a real one can show the behaviour, a
 * hand-written one for faults it cannot produce on demand: a 500 metadata
 * answer, a slow one).
 */
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { mcpAuthRouter, getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import type { TunnelResponsePayload } from '../../src/protocol/wire';
import { validateResponsePayload } from '../helpers/openapi';
import { everythingStdioTarget, startEverythingHttp } from '../helpers/everything';
import { httpTarget, readyz, withTestTunnel, type TestTunnel } from '../helpers/tunnel';
import { waitFor } from '../helpers/wait';

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A hand-written server: `handler` answers, every request is recorded. */
async function handServer(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The one terminal payload the relay accepted for `requestId`, checked against the contract. */
async function terminalOf(t: TestTunnel, requestId: string, terminal: Promise<TunnelResponsePayload>): Promise<TunnelResponsePayload> {
  const payload = await terminal;
  const accepted = t.relay.responseLog().filter((r) => r.requestId === requestId && r.status === 200 && r.respType !== 'jsonrpc_notify');
  assert.equal(accepted.length, 1, 'exactly one terminal answer');
  const body = JSON.parse(accepted[0]!.body.toString());
  assert.deepEqual(validateResponsePayload(body), []);
  assert.deepEqual(t.relay.violations(), []);
  return payload;
}

/** A JSON-RPC answer to whatever was posted: an empty result for a request, 202 for anything else. */
function answerOk(res: http.ServerResponse, body: string): void {
  let id: unknown;
  try {
    id = (JSON.parse(body) as { id?: unknown }).id;
  } catch {
    id = undefined;
  }
  if (id === undefined) return void res.writeHead(202).end();
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: {} }));
}

function initialize(id: string): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'connector', version: '1' } } };
}

const CHALLENGE = 'Bearer error="invalid_token", error_description="No token", resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp"';

/** An express app with the MCP SDK's auth router (demo provider, DCR) and a bearer-protected /mcp that echoes who called. */
async function sdkOAuthServer(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mcpUrl = new URL(`${base}/mcp`);
  const provider = new DemoInMemoryAuthProvider();
  app.use(mcpAuthRouter({ provider, issuerUrl: new URL(base), resourceServerUrl: mcpUrl }));
  app.post('/mcp', requireBearerAuth({ verifier: provider, resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl) }), (_req, res) => {
    res.json({ jsonrpc: '2.0', id: 1, result: {} });
  });
  return { url: mcpUrl.href, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('OAuth-protected MCP servers through the engine', function () {
  this.timeout(60_000);

  it('a 401 whose body is not JSON-RPC reaches the connector with its status and its WWW-Authenticate challenge', async () => {
    const server = await handServer((req, res) => {
      if (req.url?.startsWith('/.well-known')) return void res.writeHead(404).end();
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': CHALLENGE }).end('{"error":"invalid_token"}');
    });
    try {
      // Not ready on purpose: it wants a token and its metadata cannot be fetched.
      await withTestTunnel({ target: httpTarget(server.url), waitReady: false }, async (t) => {
        const command = t.relay.enqueue({ jsonrpc: initialize('init-1') });
        const answer = await terminalOf(t, command.requestId, command.terminal);
        assert.equal(answer.resp_code, 401);
        assert.deepEqual(answer.resp_headers?.['WWW-Authenticate'], [CHALLENGE]);
        const error = (answer.resp_json as { error: { code: number; data: { tunnel_failure: Record<string, unknown> } } }).error;
        assert.equal(error.code, -32603);
        assert.deepEqual(error.data.tunnel_failure, { version: 1, source: 'target_http', transport_error_kind: 'http_status', upstream_response_received: true, upstream_status: 401 });
      });
    } finally {
      await server.close();
    }
  });

  it('a 403 with a JSON-RPC error body passes through untouched, challenge included', async () => {
    const error = { jsonrpc: '2.0', id: 'init-2', error: { code: -32001, message: 'insufficient scope', data: { scope: 'tools' } } };
    const challenge = 'Bearer error="insufficient_scope", scope="tools"';
    const server = await handServer((req, res) => {
      if (req.url?.startsWith('/.well-known')) return void res.writeHead(404).end();
      res.writeHead(403, { 'Content-Type': 'application/json', 'WWW-Authenticate': challenge }).end(JSON.stringify(error));
    });
    try {
      await withTestTunnel({ target: httpTarget(server.url) }, async (t) => {
        const command = t.relay.enqueue({ jsonrpc: initialize('init-2') });
        const answer = await terminalOf(t, command.requestId, command.terminal);
        assert.equal(answer.resp_code, 403);
        assert.deepEqual(answer.resp_json, error);
        assert.deepEqual(answer.resp_headers?.['WWW-Authenticate'], [challenge]);
      });
    } finally {
      await server.close();
    }
  });

  it('the connector’s Authorization wins over one configured for the MCP hop; other configured headers still go', async () => {
    const server = await handServer((req, res, body) => {
      if (req.url?.startsWith('/.well-known')) return void res.writeHead(404).end();
      answerOk(res, body);
    });
    try {
      const target = httpTarget(server.url, { headers: { Authorization: 'Bearer operator-configured', 'X-Env': 'prod' } });
      await withTestTunnel({ target }, async (t) => {
        const command = t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 'call-1', method: 'tools/list' }, headers: { Authorization: ['Bearer user-oauth-token'] } });
        await terminalOf(t, command.requestId, command.terminal);
        const call = server.seen.filter((s) => s.method === 'POST').pop()!;
        assert.equal(call.headers.authorization, 'Bearer user-oauth-token');
        assert.equal(call.headers['x-env'], 'prod');
      });
    } finally {
      await server.close();
    }
  });

  it('an oauth_discovery command is answered once with the protected-resource metadata of a real SDK OAuth server, and the status shows its endpoints', async () => {
    const server = await sdkOAuthServer();
    try {
      await withTestTunnel({ target: httpTarget(server.url) }, async (t) => {
        const command = t.relay.enqueue({ command_type: 'oauth_discovery' });
        const answer = await terminalOf(t, command.requestId, command.terminal);
        assert.equal(answer.resp_type, 'oauth_discovery_response');
        assert.equal(answer.resp_code, 200);
        const metadata = answer.resp_json as { resource: string; authorization_servers: string[] };
        assert.equal(metadata.resource, server.url);
        assert.deepEqual(metadata.authorization_servers, [new URL(server.url).origin + '/']);

        await waitFor(() => t.engine.status().oauth?.state === 'found', 10_000, 'startup discovery found the metadata');
        const oauth = t.engine.status().oauth!;
        assert.equal(oauth.metadataUrl, getOAuthProtectedResourceMetadataUrl(new URL(server.url)));
        const roles = new Map(oauth.urls.map((u) => [u.role, u.url]));
        assert.equal(roles.get('token_endpoint'), new URL('/token', server.url).href);
        assert.equal(roles.get('registration_endpoint'), new URL('/register', server.url).href);
        // A server that wants a token is ready: the connector brings one.
        assert.match((await readyz(t)).text, /^ready \(MCP initialize requires auth: HTTP 401/);
        assert.ok(t.logs.some((l) => l.msg.startsWith('OAuth discovery: protected-resource metadata found at')));
      });
    } finally {
      await server.close();
    }
  });

  it('discovery headers go to the OAuth discovery requests only, after the configured ones, never to an MCP call', async () => {
    const metadata = { resource: 'http://x/mcp', authorization_servers: [] };
    const server = await handServer((req, res, body) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(metadata));
      if (req.url?.startsWith('/.well-known')) return void res.writeHead(404).end();
      answerOk(res, body);
    });
    try {
      const target = httpTarget(server.url, { headers: { 'X-Shared': 'configured', 'X-Both': 'configured' }, discoveryHeaders: { 'X-Discovery': 'disc-secret', 'X-Both': 'discovery' } });
      await withTestTunnel({ target }, async (t) => {
        const command = t.relay.enqueue({ command_type: 'oauth_discovery' });
        assert.deepEqual((await terminalOf(t, command.requestId, command.terminal)).resp_json, metadata);
        const call = t.relay.enqueue({ jsonrpc: { jsonrpc: '2.0', id: 'c', method: 'tools/list' } });
        await terminalOf(t, call.requestId, call.terminal);
        const discovery = server.seen.filter((s) => s.method === 'GET' && s.path.startsWith('/.well-known'));
        assert.ok(discovery.length > 0);
        for (const d of discovery) {
          assert.equal(d.headers['x-discovery'], 'disc-secret');
          assert.equal(d.headers['x-both'], 'discovery');
          assert.equal(d.headers['x-shared'], 'configured');
        }
        const mcpCalls = server.seen.filter((s) => s.method === 'POST' && s.headers['content-length'] !== '0');
        assert.ok(mcpCalls.length > 0);
        for (const c of mcpCalls) assert.equal(c.headers['x-discovery'], undefined);
        assert.ok(!t.logs.some((l) => JSON.stringify(l).includes('disc-secret')), 'the discovery header value never reaches a log');
      });
    } finally {
      await server.close();
    }
  });

  it('a plain server without metadata gets a 404 oauth_discovery_response saying so, and stays ready', async () => {
    const everything = await startEverythingHttp();
    try {
      await withTestTunnel({ target: httpTarget(everything.url) }, async (t) => {
        const command = t.relay.enqueue({ command_type: 'oauth_discovery' });
        const answer = await terminalOf(t, command.requestId, command.terminal);
        assert.equal(answer.resp_type, 'oauth_discovery_response');
        assert.equal(answer.resp_code, 404);
        assert.equal((answer.resp_json as { error: { code: string } }).error.code, 'oauth_metadata_not_found');
        await waitFor(() => t.engine.status().oauth?.state === 'not_advertised', 10_000, 'not advertised');
        assert.equal((await readyz(t)).text, 'ready');
      });
    } finally {
      await everything.stop();
    }
  });

  it('oauth_discovery on a stdio main channel or on another channel is refused as an unsupported channel (400)', async () => {
    await withTestTunnel({ target: everythingStdioTarget() }, async (t) => {
      assert.equal(t.engine.status().oauth, undefined, 'no OAuth discovery for a stdio server');
      for (const channel of ['main', 'elsewhere']) {
        const command = t.relay.enqueue({ command_type: 'oauth_discovery', channel });
        const answer = await terminalOf(t, command.requestId, command.terminal);
        assert.equal(answer.resp_type, 'oauth_discovery_response');
        assert.equal(answer.resp_code, 400);
        assert.deepEqual(answer.resp_json, { error: { message: `unsupported channel "${channel}"`, type: 'invalid_request_error', code: 'unsupported_channel' } });
      }
      const metrics = await (await fetch(`${t.engine.healthUrl}/metrics`)).text();
      assert.match(metrics, /command_unsupported_channel_total\{command_type="oauth_discovery"\} 2/);
    });
  });

  it('while startup discovery runs /readyz says "oauth discovery pending"; a token-wanting server whose metadata fails is not ready until discovery succeeds', async () => {
    let metadataStatus = 500;
    let delayMs = 600;
    const server = await handServer((req, res) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp') {
        setTimeout(() => {
          if (metadataStatus !== 200) return void res.writeHead(metadataStatus, { 'Content-Type': 'text/plain' }).end('metadata store down');
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ resource: 'http://x/mcp' }));
        }, delayMs);
        return;
      }
      if (req.url?.startsWith('/.well-known')) return void res.writeHead(503).end();
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' }).end('{"error":"invalid_token"}');
    });
    try {
      await withTestTunnel({ target: httpTarget(server.url), waitReady: false }, async (t) => {
        await waitFor(async () => (await readyz(t)).text === 'oauth discovery pending', 10_000, 'oauth discovery pending');
        assert.equal((await readyz(t)).status, 503);
        await waitFor(async () => (await readyz(t)).text.startsWith('oauth discovery failed: '), 10_000, 'oauth discovery failed');
        assert.equal((await readyz(t)).status, 503);
        assert.equal(t.engine.status().oauth?.state, 'failed');
        delayMs = 0;
        metadataStatus = 200;
        await waitFor(async () => (await readyz(t)).status === 200, 15_000, 'ready once discovery is retried and succeeds');
        assert.equal(t.engine.status().oauth?.state, 'found');
      });
    } finally {
      await server.close();
    }
  });
});

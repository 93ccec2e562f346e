import { strict as assert } from 'node:assert';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Request, Response, NextFunction } from 'express';
import { defaultHarpoonConfig } from '../../src/engine/harpoon/config';
import { authorizationCode, MemoryOAuthProvider } from '../helpers/oauthClient';
import { startOAuthMcpServer, type OAuthMcpServer } from '../helpers/oauthServer';
import { httpTarget, startTestTunnel, textOf, type TestTunnel } from '../helpers/tunnel';
import { waitFor } from '../helpers/wait';

/**
 * An MCP server whose authorization server the MCP client cannot reach for
 * registration and tokens: only the browser's authorize hop goes there
 * directly. Discovery registers the private authorization server as Harpoon
 * targets, the tunnel names it harpoon://…, and the relay's OAuth shim
 * carries metadata, registration and token requests through channel harpoon.
 */
describe('OAuth with a private authorization server, through Harpoon', function () {
  this.timeout(60_000);
  let server: OAuthMcpServer;
  let t: TestTunnel;
  let asHits: { method: string; path: string; userAgent: string }[];

  beforeEach(async () => {
    asHits = [];
    server = await startOAuthMcpServer({
      authMiddleware: (req: Request, _res: Response, next: NextFunction) => {
        asHits.push({ method: req.method, path: req.path, userAgent: String(req.headers['user-agent'] ?? '') });
        next();
      },
    });
    t = await startTestTunnel({
      target: httpTarget(server.mcpUrl),
      relay: { commandTimeoutMs: 15_000 },
      config: (c) => {
        c.harpoon = { ...defaultHarpoonConfig(), allowPlaintextHttp: true };
      },
    });
    await waitFor(() => t.engine.harpoon?.channel.registry.list().some((x) => x.tags.includes('token-endpoint')) === true, 10_000, 'discovery registered the token endpoint');
  });

  afterEach(async () => {
    await t?.stop();
    await server?.stop();
  });

  it('completes the SDK client OAuth flow with registration and tokens carried by Harpoon', async () => {
    const asOrigin = new URL(server.issuerUrl).origin;
    const refusedDirect: string[] = [];
    // The MCP client's network: the authorization server is not reachable from it.
    const clientFetch: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.origin === asOrigin) {
        refusedDirect.push(url.pathname);
        throw new TypeError(`fetch failed: ${url.origin} is not reachable from the MCP client`);
      }
      return fetch(input, init);
    };
    const provider = new MemoryOAuthProvider();
    const first = new Client({ name: 'harpoon-oauth-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(t.info.mcpUrl), { authProvider: provider, fetch: clientFetch });
    await assert.rejects(first.connect(transport), UnauthorizedError);
    assert.deepEqual(refusedDirect, [], 'the client never needed the private server directly');

    const authorizationUrl = provider.authorizationUrls[0];
    assert.equal(authorizationUrl.origin, asOrigin, 'the browser goes to the authorization server directly');
    assert.ok(provider.client?.client_id, 'registered through Harpoon');
    // The browser's hop (a plain fetch, not the MCP client's network).
    await transport.finishAuth(await authorizationCode(authorizationUrl));
    assert.ok(provider.savedTokens?.access_token, 'tokens through Harpoon');

    const client = new Client({ name: 'harpoon-oauth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(t.info.mcpUrl), { authProvider: provider, fetch: clientFetch }));
    try {
      assert.equal(textOf(await client.callTool({ name: 'whoami', arguments: {} })), provider.client.client_id);
    } finally {
      await client.close();
    }
    assert.deepEqual(refusedDirect, []);

    // What the authorization server saw: metadata, registration and token from the tunnel client, authorize from the browser.
    const fromTunnel = asHits.filter((h) => h.userAgent.startsWith('mcp-tunnel/')).map((h) => `${h.method} ${h.path}`);
    assert.ok(fromTunnel.includes('POST /register'), JSON.stringify(asHits));
    assert.ok(fromTunnel.includes('POST /token'), JSON.stringify(asHits));
    assert.ok(asHits.some((h) => h.path === '/authorize' && !h.userAgent.startsWith('mcp-tunnel/')));
    assert.deepEqual(t.relay.violations(), []);
  });

  it('names the private authorization server harpoon:// in the metadata the tunnel posts, and a relay route in the front door', async () => {
    const posted = await t.relay.enqueue({ command_type: 'oauth_discovery' }).terminal;
    assert.deepEqual((posted.resp_json as { authorization_servers: string[] }).authorization_servers, ['harpoon://oauth-issuer-0']);
    const res = await fetch(`${t.info.url}/.well-known/oauth-protected-resource${new URL(t.info.mcpUrl).pathname}`);
    const document = (await res.json()) as { authorization_servers: string[] };
    assert.deepEqual(document.authorization_servers, [`${t.info.url}/v1/oauth/${t.info.tunnelId}/harpoon/oauth-issuer-0`]);
    const meta = (await (await fetch(`${t.info.url}/.well-known/oauth-authorization-server/v1/oauth/${t.info.tunnelId}/harpoon/oauth-issuer-0`)).json()) as Record<string, string>;
    assert.equal(meta.token_endpoint, `${t.info.url}/v1/oauth/${t.info.tunnelId}/harpoon/oauth-token-endpoint-0`);
    assert.equal(meta.registration_endpoint, `${t.info.url}/v1/oauth/${t.info.tunnelId}/harpoon/oauth-registration-endpoint-0`);
    assert.equal(new URL(meta.authorization_endpoint).origin, new URL(server.issuerUrl).origin, 'the authorize endpoint stays direct');
    const audience = (await (await fetch(`${t.info.url}/v1/oauth/${t.info.tunnelId}/harpoon/oauth-token-endpoint-0`)).json()) as { audience: string };
    assert.equal(audience.audience, new URL('/token', server.issuerUrl).href);
  });

  it('refuses to carry a request to a target that is not a registration, token or revocation endpoint', async () => {
    const res = await fetch(`${t.info.url}/v1/oauth/${t.info.tunnelId}/harpoon/oauth-auth-server-metadata-0`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'oauth_shim_target_not_found');
  });
});

/**
 * OAuth discovery against real HTTP servers on 127.0.0.1 through a real
 * undici Agent: the challenge probe, the metadata candidates and what makes
 * one win, redirects, where the operator's headers go, the timeout retry
 * pass, authorization-server metadata, the startup status and the answer to
 * an oauth_discovery command that found nothing.
 */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import express from 'express';
import { Agent } from 'undici';
import { mcpAuthMetadataRouter, mcpAuthRouter, createOAuthMetadata, getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import { bearerResourceMetadata, parseChallenges } from '../../src/engine/oauth/challenge';
import {
  discoverProtectedResource,
  discoveryFailureAnswer,
  displayUrl,
  fetchAuthServerMetadata,
  runStartupDiscovery,
  type DiscoveryOptions,
  type ProtectedResourceFound,
  type ProtectedResourceMissing,
} from '../../src/engine/oauth/discovery';
import { authServerCandidates, wellKnownCandidates } from '../../src/engine/oauth/urls';
import { freePort, listenLoopback } from '../helpers/net';

const UA = 'mcp-tunnel-test/1.0';
const PRM_ROOT = '/.well-known/oauth-protected-resource';

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  origin: string;
  port: number;
  seen: Seen[];
  paths(): string[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];

/** A server answering `routes` by exact path (no query), 404 elsewhere; it records every request. */
async function startServer(routes: Record<string, Handler> = {}): Promise<TestServer> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    seen.push({ method: req.method ?? '', path, headers: req.headers });
    req.resume();
    const handler = routes[path];
    if (handler) handler(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  const port = await listenLoopback(server);
  const s: TestServer = {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    paths: () => seen.map((r) => `${r.method} ${r.path}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(s);
  return s;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

function text(status: number, body: string, contentType = 'text/html'): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  };
}

function challenge(value: string): Handler {
  return (_req, res) => {
    res.writeHead(401, { 'www-authenticate': value, 'content-type': 'application/json' });
    res.end('{"error":"unauthorized"}');
  };
}

function redirect(status: number, location: string): Handler {
  return (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };
}

/** Answers after `ms` (or never, when the connection is cut first). */
function slow(ms: number, then: Handler): Handler {
  return (req, res) => {
    const timer = setTimeout(() => then(req, res), ms);
    res.on('close', () => clearTimeout(timer));
  };
}

const never: Handler = () => undefined;

const metadata = (resource: string, extra: Record<string, unknown> = {}) => ({ resource, ...extra });

let agent: Agent;

function options(serverUrl: string, extra: Partial<DiscoveryOptions> = {}): DiscoveryOptions {
  return { serverUrl, dispatcher: agent, userAgent: UA, signal: new AbortController().signal, ...extra };
}

function found(result: ProtectedResourceFound | ProtectedResourceMissing): ProtectedResourceFound {
  assert.equal(result.ok, true, `expected metadata, got: ${result.ok ? '' : result.error}`);
  return result as ProtectedResourceFound;
}

function missing(result: ProtectedResourceFound | ProtectedResourceMissing): ProtectedResourceMissing {
  assert.equal(result.ok, false, 'expected no metadata');
  return result as ProtectedResourceMissing;
}

describe('OAuth discovery', function () {
  this.timeout(20_000);

  before(() => {
    agent = new Agent();
  });
  after(async () => {
    await agent.close();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('reading a WWW-Authenticate challenge', () => {
    it('finds resource_metadata quoted or bare, whatever the case of its name and scheme', () => {
      assert.deepEqual(bearerResourceMetadata('Bearer realm="demo", resource_metadata="https://a.example/prm"'), ['https://a.example/prm']);
      assert.deepEqual(bearerResourceMetadata('Bearer resource_metadata=https://a.example/prm'), ['https://a.example/prm']);
      assert.deepEqual(bearerResourceMetadata('bearer RESOURCE_METADATA = "https://a.example/prm"'), ['https://a.example/prm']);
    });

    it('takes it only from a Bearer challenge, among several schemes in one header or several header lines', () => {
      assert.deepEqual(bearerResourceMetadata('Basic realm="legacy", Bearer realm="demo", resource_metadata="https://a.example/prm"'), ['https://a.example/prm']);
      assert.deepEqual(bearerResourceMetadata('Basic realm="legacy", resource_metadata="https://evil.example/prm"'), []);
      assert.deepEqual(bearerResourceMetadata(['Basic realm="x"', 'Negotiate abc/def==', 'Bearer error="invalid_token", resource_metadata="https://a.example/prm"']), ['https://a.example/prm']);
      assert.deepEqual(bearerResourceMetadata('Bearer realm="demo"'), []);
      assert.deepEqual(bearerResourceMetadata(undefined), []);
    });

    it('keeps commas and escaped quotes inside quoted values, and never reads a parameter out of another one’s value', () => {
      const challenges = parseChallenges('Bearer realm="a, b", error_description="say \\"hi\\", resource_metadata=https://evil.example/x", resource_metadata="https://a.example/prm"');
      assert.deepEqual(challenges, [
        {
          scheme: 'bearer',
          params: [
            ['realm', 'a, b'],
            ['error_description', 'say "hi", resource_metadata=https://evil.example/x'],
            ['resource_metadata', 'https://a.example/prm'],
          ],
        },
      ]);
      assert.deepEqual(bearerResourceMetadata('Bearer error_description="resource_metadata=https://evil.example/x"'), []);
    });
  });

  describe('the candidates', () => {
    it('are the path-based well-known URL, then the root one, keeping only scheme and host of the server URL', () => {
      const shown = (url: string) => wellKnownCandidates(new URL(url)).map((c) => `${c.source} ${c.url.href}`);
      assert.deepEqual(shown('https://user:pw@example.com/public/mcp/?token=x#f'), [
        'well_known_path https://example.com/.well-known/oauth-protected-resource/public/mcp',
        'well_known_root https://example.com/.well-known/oauth-protected-resource',
      ]);
      assert.deepEqual(shown('https://example.com/'), ['well_known_root https://example.com/.well-known/oauth-protected-resource']);
      assert.deepEqual(shown('https://example.com/.well-known/oauth-protected-resource/public/mcp'), [
        'well_known_path https://example.com/.well-known/oauth-protected-resource/public/mcp',
        'well_known_root https://example.com/.well-known/oauth-protected-resource',
      ]);
    });

    it('are tried in order, and every one is listed with what it answered', async () => {
      const s = await startServer({ [PRM_ROOT]: json(200, metadata('https://r.example/mcp')) });
      const result = found(await discoverProtectedResource(options(`${s.origin}/public/mcp`)));
      assert.deepEqual(s.paths(), ['POST /public/mcp', 'GET /public/mcp', `GET ${PRM_ROOT}/public/mcp`, `GET ${PRM_ROOT}`]);
      assert.deepEqual(result.candidates, [
        { role: 'metadata_candidate', url: `${s.origin}${PRM_ROOT}/public/mcp`, source: 'well_known_path', status: 404, error: 'HTTP 404' },
        { role: 'metadata_candidate', url: `${s.origin}${PRM_ROOT}`, source: 'well_known_root', status: 200, selected: true },
      ]);
      assert.equal(result.metadataUrl, `${s.origin}${PRM_ROOT}`);
      assert.deepEqual(result.challenge, { attempted: true, error: 'POST: HTTP 404, not a 401 challenge; GET: HTTP 404, not a 401 challenge' });
      const prm = s.seen.find((r) => r.path === PRM_ROOT)!;
      assert.equal(prm.headers.accept, 'application/json');
      assert.equal(prm.headers['user-agent'], UA);
    });

    it('start with the URL a 401 Bearer challenge names (asked with GET when the POST draws none), which wins over the well-known ones', async () => {
      let origin = '';
      const s = await startServer({
        '/mcp': (req, res) => (req.method === 'GET' ? challenge(`Bearer resource_metadata="${origin}/custom/prm?x=1"`) : json(405, {}))(req, res),
        '/custom/prm': json(200, metadata('https://r.example/custom')),
        [`${PRM_ROOT}/mcp`]: json(200, metadata('https://r.example/well-known')),
      });
      origin = s.origin;
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.equal(result.metadata.resource, 'https://r.example/custom');
      assert.deepEqual(result.challenge, { attempted: true, url: `${origin}/custom/prm` });
      assert.deepEqual(result.candidates[0], { role: 'metadata_candidate', url: `${origin}/custom/prm`, source: 'www_authenticate', status: 200, selected: true }, 'shown without its query');
      assert.deepEqual(s.paths(), ['POST /mcp', 'GET /mcp', 'GET /custom/prm']);
      assert.equal(s.seen[2].headers.host, `127.0.0.1:${s.port}`);
    });

    it('list a challenge URL that is also a well-known URL once, under the challenge', async () => {
      let origin = '';
      const s = await startServer({
        '/mcp': (req, res) => challenge(`Basic realm="x", Bearer resource_metadata="${origin}${PRM_ROOT}/mcp"`)(req, res),
        [`${PRM_ROOT}/mcp`]: json(200, metadata('https://r.example/mcp')),
      });
      origin = s.origin;
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.deepEqual(
        result.candidates.map((c) => [c.source, c.url]),
        [
          ['www_authenticate', `${s.origin}${PRM_ROOT}/mcp`],
          ['well_known_root', `${s.origin}${PRM_ROOT}`],
        ],
      );
      assert.deepEqual(s.paths(), ['POST /mcp', `GET ${PRM_ROOT}/mcp`], 'the POST challenge is enough');
    });

    it('ignore a challenge whose resource_metadata is not an absolute http(s) URL', async () => {
      const s = await startServer({ '/mcp': challenge('Bearer resource_metadata="/relative/prm"'), [PRM_ROOT]: json(200, metadata('https://r.example')) });
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.match(result.challenge.error!, /GET: HTTP 401 whose resource_metadata is not an absolute http\(s\) URL$/);
      assert.deepEqual(result.candidates.map((c) => c.source), ['well_known_path', 'well_known_root']);
    });

    it('go on when the challenge probe hangs, after its own short budget', async () => {
      const s = await startServer({ '/mcp': never, [PRM_ROOT]: json(200, metadata('https://r.example')) });
      const started = Date.now();
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`, { challengeTimeoutMs: 150 })));
      assert.ok(Date.now() - started < 2000);
      assert.equal(result.challenge.error, 'POST: timed out after 150 ms; GET: timed out after 150 ms');
    });
  });

  describe('which candidate wins', () => {
    const bigBody = JSON.stringify({ resource: 'https://r.example', pad: 'x'.repeat(1024 * 1024) });
    const chunked: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < bigBody.length; i += 64 * 1024) res.write(bigBody.slice(i, i + 64 * 1024));
      res.end();
    };
    const cases: Array<[string, Handler, RegExp]> = [
      ['a 404', text(404, 'nope'), /^HTTP 404$/],
      ['a 500', json(500, { error: 'boom' }), /^HTTP 500$/],
      ['a 403', json(403, {}), /^HTTP 403$/],
      ['a 200 with an empty body', text(200, '', 'application/json'), /^HTTP 200 with an empty body$/],
      ['200 HTML from an SPA catch-all', text(200, '<!doctype html><html><body>app</body></html>'), /^HTTP 200 with a body that is not JSON$/],
      ['200 with JSON that is not an object', json(200, [1, 2]), /not an object/],
      ['200 with metadata without a resource', json(200, { authorization_servers: ['https://as.example'] }), /names no resource/],
      ['200 with authorization_servers that is not a list', json(200, { resource: 'https://r.example', authorization_servers: 'https://as.example' }), /not a list of URLs/],
      ['200 with an authorization_servers[0] that is not a URL', json(200, { resource: 'https://r.example', authorization_servers: ['not a url'] }), /authorization_servers\[0\] that is not a URL/],
      ['a 200 with a body over 1 MiB (declared)', json(200, bigBody), /larger than 1 MiB/],
      ['a 200 with a body over 1 MiB (chunked)', chunked, /larger than 1 MiB/],
    ];
    for (const [what, handler, problem] of cases) {
      it(`a path-based URL answering ${what} does not hide valid root metadata`, async () => {
        const s = await startServer({ [`${PRM_ROOT}/mcp`]: handler, [PRM_ROOT]: json(200, metadata('https://root.example')) });
        const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`)));
        assert.equal(result.metadata.resource, 'https://root.example');
        assert.equal(result.status, 200);
        assert.match(result.candidates[0].error ?? '', problem);
        assert.equal(result.candidates[0].selected, undefined);
      });
    }

    it('a challenge URL where nothing listens falls through to the well-known URLs', async () => {
      const dead = await freePort();
      const s = await startServer({ '/mcp': challenge(`Bearer resource_metadata="http://127.0.0.1:${dead}/prm"`), [`${PRM_ROOT}/mcp`]: json(200, metadata('https://r.example')) });
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.deepEqual(result.candidates[0], { role: 'metadata_candidate', url: `http://127.0.0.1:${dead}/prm`, source: 'www_authenticate', error: 'connection refused' });
      assert.equal(result.candidates[1].selected, true);
    });

    it('hands back the document untouched, its status and only the allowlisted headers', async () => {
      const doc = { resource: 'https://r.example/mcp', authorization_servers: ['https://as.example/'], scopes_supported: ['a'], custom: { nested: true } };
      const s = await startServer({ [`${PRM_ROOT}/mcp`]: json(203, doc, { 'x-secret-internal': 'no', 'cache-control': 'max-age=60' }) });
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.equal(result.status, 203);
      assert.deepEqual(result.metadata, doc);
      assert.equal(result.headers['X-Secret-Internal'], undefined);
      assert.ok(Object.keys(result.headers).every((h) => h.toLowerCase() !== 'x-secret-internal'));
    });
  });

  describe('redirects', () => {
    it('are followed within the same origin', async () => {
      const s = await startServer({ [`${PRM_ROOT}/mcp`]: redirect(302, '/moved/prm'), '/moved/prm': redirect(308, '/final/prm'), '/final/prm': json(200, metadata('https://r.example')) });
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.equal(result.metadata.resource, 'https://r.example');
      assert.equal(result.metadataUrl, `${s.origin}${PRM_ROOT}/mcp`, 'the candidate is named, not where it led');
      assert.deepEqual(s.paths().slice(2), [`GET ${PRM_ROOT}/mcp`, 'GET /moved/prm', 'GET /final/prm']);
    });

    it('to another origin are refused before that origin is reached', async () => {
      const other = await startServer({ '/prm': json(200, metadata('https://evil.example')) });
      let port = 0;
      const s = await startServer({
        [`${PRM_ROOT}/mcp`]: redirect(302, `${other.origin}/prm`),
        // Another host name for the same server is another origin too.
        [PRM_ROOT]: (req, res) => redirect(307, `http://localhost:${port}/prm`)(req, res),
        '/prm': json(200, metadata('https://evil.example')),
      });
      port = s.port;
      const result = missing(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.equal(other.seen.length, 0, 'the other origin was never asked');
      assert.ok(!s.paths().includes('GET /prm'));
      assert.match(result.candidates[0].error!, /^HTTP 302 redirect to another origin, refused/);
      assert.match(result.candidates[1].error!, /^HTTP 307 redirect to another origin, refused/);
      assert.equal(result.notAdvertised, false);
    });

    it('stop after 10', async () => {
      const s = await startServer({ [`${PRM_ROOT}/mcp`]: redirect(302, `${PRM_ROOT}/mcp`), [PRM_ROOT]: json(200, metadata('https://r.example')) });
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.equal(result.candidates[0].error, 'stopped after 10 redirects');
      assert.equal(s.seen.filter((r) => r.path === `${PRM_ROOT}/mcp`).length, 11, 'the request and 10 redirects');
    });
  });

  describe('the operator’s headers', () => {
    it('go to every request to the MCP server’s origin and never to another origin', async () => {
      const as = await startServer();
      const mcp = await startServer({
        '/mcp': challenge('Bearer realm="x"'),
        [`${PRM_ROOT}/mcp`]: redirect(302, '/prm'),
        '/prm': (req, res) => json(200, metadata('https://r.example', { authorization_servers: [`${as.origin}/tenant`] }))(req, res),
      });
      const status = await runStartupDiscovery({ serverUrl: `${mcp.origin}/mcp`, dispatcher: agent, userAgent: UA, originHeaders: { Authorization: 'Bearer discovery-secret', 'X-Tenant': 'one', 'X-Tenant-Override': 'a' } });
      assert.equal(status.state, 'found');
      assert.ok(mcp.seen.length >= 4);
      for (const r of mcp.seen) {
        assert.equal(r.headers.authorization, 'Bearer discovery-secret', `${r.method} ${r.path}`);
        assert.equal(r.headers['x-tenant'], 'one');
      }
      assert.ok(as.seen.length >= 4, 'the authorization server was asked');
      for (const r of as.seen) {
        assert.equal(r.headers.authorization, undefined, `${r.method} ${r.path}`);
        assert.equal(r.headers['x-tenant'], undefined);
        assert.equal(r.headers['user-agent'], UA);
        assert.equal(r.headers.accept, 'application/json');
      }
    });
  });

  describe('“not advertised”', () => {
    it('is a server where every candidate answered 404 and no challenge named a URL', async () => {
      const s = await startServer({ '/mcp': json(200, {}) });
      const result = missing(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.equal(result.notAdvertised, true);
      assert.equal(result.error, 'every candidate answered 404');
      assert.equal(result.lastStatus, 404);
      assert.deepEqual(result.candidates.map((c) => c.status), [404, 404]);
    });

    it('is not a server whose challenge named a URL that answered 404', async () => {
      let origin = '';
      const s = await startServer({ '/mcp': (req, res) => challenge(`Bearer resource_metadata="${origin}/prm"`)(req, res) });
      origin = s.origin;
      const result = missing(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.equal(result.notAdvertised, false);
      assert.deepEqual(result.candidates.map((c) => c.status), [404, 404, 404]);
      assert.equal(result.error, `${s.origin}${PRM_ROOT}: HTTP 404`);
    });

    it('is not a server where one candidate failed some other way', async () => {
      const s = await startServer({ [PRM_ROOT]: json(500, {}) });
      const result = missing(await discoverProtectedResource(options(`${s.origin}/mcp`)));
      assert.equal(result.notAdvertised, false);
      assert.equal(result.lastStatus, 500);
      assert.equal(result.error, `${s.origin}${PRM_ROOT}: HTTP 500`);
    });
  });

  describe('the timeout retry pass', () => {
    it('tries every candidate again with growing deadlines when each one only timed out', async () => {
      const s = await startServer({ '/mcp': json(200, {}), [`${PRM_ROOT}/mcp`]: slow(300, json(200, metadata('https://slow.example'))), [PRM_ROOT]: slow(300, json(404, {})) });
      const result = found(await discoverProtectedResource(options(`${s.origin}/mcp`, { requestTimeoutMs: 100, retryBaseTimeoutMs: 100 })));
      assert.equal(result.metadata.resource, 'https://slow.example');
      // First pass: each candidate once (100 ms). Retry pass: 100, 200 and 400 ms for the first, which answers at the third.
      assert.deepEqual(s.paths().slice(2), [`GET ${PRM_ROOT}/mcp`, `GET ${PRM_ROOT}`, `GET ${PRM_ROOT}/mcp`, `GET ${PRM_ROOT}/mcp`, `GET ${PRM_ROOT}/mcp`]);
      assert.deepEqual(result.candidates.map((c) => [c.status, c.error]), [
        [200, undefined],
        [undefined, 'timed out after 100 ms'],
      ]);
    });

    it('is not run when any candidate answered', async () => {
      const s = await startServer({ '/mcp': json(200, {}), [`${PRM_ROOT}/mcp`]: slow(300, json(200, metadata('https://slow.example'))) });
      const result = missing(await discoverProtectedResource(options(`${s.origin}/mcp`, { requestTimeoutMs: 100, retryBaseTimeoutMs: 100 })));
      assert.deepEqual(s.paths().slice(2), [`GET ${PRM_ROOT}/mcp`, `GET ${PRM_ROOT}`]);
      assert.equal(result.candidates[0].error, 'timed out after 100 ms');
      assert.equal(result.notAdvertised, false, 'a timeout is not a 404');
    });

    it('is bounded by the caller’s signal', async () => {
      const s = await startServer({ '/mcp': json(200, {}), [`${PRM_ROOT}/mcp`]: never, [PRM_ROOT]: never });
      const started = Date.now();
      const result = missing(await discoverProtectedResource(options(`${s.origin}/mcp`, { requestTimeoutMs: 50, retryBaseTimeoutMs: 2000, signal: AbortSignal.timeout(600) })));
      assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
      assert.match(result.error, /^discovery ran out of time/);
    });
  });

  describe('authorization-server metadata', () => {
    const asDoc = (issuer: string, extra: Record<string, unknown> = {}) => ({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, ...extra });

    it('of an issuer with a path is looked for at the append form first, then the prepend form, per document', async () => {
      const as = await startServer();
      const result = await fetchAuthServerMetadata(`${as.origin}/tenant/one`, options('http://127.0.0.1:1/mcp'));
      assert.deepEqual(as.paths(), [
        'GET /tenant/one/.well-known/oauth-authorization-server',
        'GET /.well-known/oauth-authorization-server/tenant/one',
        'GET /tenant/one/.well-known/openid-configuration',
        'GET /.well-known/openid-configuration/tenant/one',
      ]);
      assert.match(result.error!, /^no authorization-server metadata for http:\/\/127\.0\.0\.1:\d+\/tenant\/one: .*oauth-authorization-server: HTTP 404; /);
    });

    it('of an issuer without a path is looked for at each document’s root URL once', () => {
      assert.deepEqual(
        authServerCandidates(new URL('https://as.example')).map((c) => c.url.href),
        ['https://as.example/.well-known/oauth-authorization-server', 'https://as.example/.well-known/openid-configuration'],
      );
    });

    it('falls back to the OpenID configuration, and reads the endpoints', async () => {
      let origin = '';
      const as = await startServer({ '/.well-known/openid-configuration': (req, res) => json(200, asDoc(origin, { registration_endpoint: `${origin}/register`, jwks_uri: `${origin}/jwks`, revocation_endpoint: `${origin}/revoke` }))(req, res) });
      origin = as.origin;
      const result = await fetchAuthServerMetadata(origin, options('http://127.0.0.1:1/mcp'));
      assert.equal(result.error, undefined);
      assert.equal(result.selectedUrl, `${origin}/.well-known/openid-configuration`);
      assert.deepEqual(result.metadata, { issuer: origin, authorization_endpoint: `${origin}/authorize`, token_endpoint: `${origin}/token`, registration_endpoint: `${origin}/register`, revocation_endpoint: `${origin}/revoke`, jwks_uri: `${origin}/jwks` });
    });

    it('prefers a document naming the issuer over an earlier one naming another, and takes a mismatched one when none matches', async () => {
      let origin = '';
      const as = await startServer({
        '/t/.well-known/oauth-authorization-server': (req, res) => json(200, asDoc('https://someone-else.example'))(req, res),
        '/.well-known/oauth-authorization-server/t': (req, res) => json(200, asDoc(`${origin}/t`))(req, res),
      });
      origin = as.origin;
      const matched = await fetchAuthServerMetadata(`${origin}/t`, options('http://127.0.0.1:1/mcp'));
      assert.equal(matched.issuerMismatch, undefined);
      assert.equal(matched.selectedUrl, `${origin}/.well-known/oauth-authorization-server/t`);

      const only = await startServer({ '/u/.well-known/openid-configuration': json(200, asDoc('https://someone-else.example')) });
      const mismatched = await fetchAuthServerMetadata(`${only.origin}/u`, options('http://127.0.0.1:1/mcp'));
      assert.equal(mismatched.issuerMismatch, true);
      assert.equal(mismatched.selectedUrl, `${only.origin}/u/.well-known/openid-configuration`);
      assert.equal(mismatched.metadata?.issuer, 'https://someone-else.example');
      assert.equal(only.seen.length, 4, 'every candidate was tried looking for a match');
    });

    it('is only a 200 served as application/json', async () => {
      let origin = '';
      const as = await startServer({
        '/.well-known/oauth-authorization-server': (req, res) => text(200, JSON.stringify(asDoc(origin)), 'text/plain')(req, res),
        '/.well-known/openid-configuration': (req, res) => json(201, asDoc(origin))(req, res),
      });
      origin = as.origin;
      const result = await fetchAuthServerMetadata(origin, options('http://127.0.0.1:1/mcp'));
      assert.equal(result.metadata, undefined);
      assert.match(result.error!, /oauth-authorization-server: HTTP 200 with content type "text\/plain", not application\/json; .*openid-configuration: HTTP 201$/);

      const charset = await startServer({ '/.well-known/oauth-authorization-server': (req, res) => json(200, asDoc(charset.origin), { 'content-type': 'Application/JSON; charset=utf-8' })(req, res) });
      assert.equal((await fetchAuthServerMetadata(charset.origin, options('http://127.0.0.1:1/mcp'))).metadata?.issuer, charset.origin);
    });

    it('is tried again with growing deadlines when every candidate only timed out', async () => {
      let origin = '';
      // 350 ms answers: past the first pass (50 ms) and the first retry (300 ms), well inside the second (600 ms) even on a loaded machine.
      const as = await startServer({ '/.well-known/oauth-authorization-server': slow(350, (req, res) => json(200, asDoc(origin))(req, res)), '/.well-known/openid-configuration': never });
      origin = as.origin;
      const result = await fetchAuthServerMetadata(origin, options('http://127.0.0.1:1/mcp', { requestTimeoutMs: 50, retryBaseTimeoutMs: 300 }));
      assert.equal(result.metadata?.issuer, origin);
      assert.deepEqual(as.paths(), [
        'GET /.well-known/oauth-authorization-server',
        'GET /.well-known/openid-configuration',
        'GET /.well-known/oauth-authorization-server',
        'GET /.well-known/oauth-authorization-server',
      ]);
    });
  });

  describe('startup discovery', () => {
    it('reports the candidates, then the resource, the authorization server, its metadata URL and each endpoint with its role', async () => {
      let asOrigin = '';
      const as = await startServer({
        '/.well-known/oauth-authorization-server': (req, res) =>
          json(200, {
            issuer: asOrigin,
            authorization_endpoint: `${asOrigin}/authorize`,
            token_endpoint: `${asOrigin}/token`,
            registration_endpoint: `${asOrigin}/register`,
            revocation_endpoint: `${asOrigin}/revoke`,
            introspection_endpoint: `${asOrigin}/introspect`,
            jwks_uri: `${asOrigin}/jwks?key=abc`,
          })(req, res),
      });
      asOrigin = as.origin;
      const mcp = await startServer({ [PRM_ROOT]: (req, res) => json(200, metadata(`${mcp.origin}/mcp`, { authorization_servers: [asOrigin] }))(req, res) });
      const status = await runStartupDiscovery({ serverUrl: `${mcp.origin}/mcp`, dispatcher: agent, userAgent: UA });
      assert.equal(status.state, 'found');
      assert.equal(status.error, undefined);
      assert.equal(status.metadataUrl, `${mcp.origin}${PRM_ROOT}`);
      assert.equal(status.resource, `${mcp.origin}/mcp`);
      assert.equal(status.authorizationServer, `${asOrigin}/`);
      assert.equal(typeof status.finishedAt, 'number');
      assert.deepEqual(
        status.urls.map((u) => [u.role, u.url]),
        [
          ['metadata_candidate', `${mcp.origin}${PRM_ROOT}/mcp`],
          ['metadata_candidate', `${mcp.origin}${PRM_ROOT}`],
          ['resource', `${mcp.origin}/mcp`],
          ['authorization_server', `${asOrigin}/`],
          ['authorization_server_metadata', `${asOrigin}/.well-known/oauth-authorization-server`],
          ['authorization_endpoint', `${asOrigin}/authorize`],
          ['token_endpoint', `${asOrigin}/token`],
          ['registration_endpoint', `${asOrigin}/register`],
          ['revocation_endpoint', `${asOrigin}/revoke`],
          ['introspection_endpoint', `${asOrigin}/introspect`],
          ['jwks_uri', `${asOrigin}/jwks`],
        ],
      );
    });

    it('stays “found” when the authorization server’s metadata cannot be read, saying why', async () => {
      const dead = await freePort();
      const mcp = await startServer({ [PRM_ROOT]: json(200, metadata('https://r.example', { authorization_servers: [`http://127.0.0.1:${dead}`] })) });
      const status = await runStartupDiscovery({ serverUrl: `${mcp.origin}/mcp`, dispatcher: agent, userAgent: UA });
      assert.equal(status.state, 'found');
      assert.match(status.error!, /^no authorization-server metadata for http:\/\/127\.0\.0\.1:\d+\/: .*connection refused/);
      assert.deepEqual(status.urls.map((u) => u.role).slice(-1), ['authorization_server']);
    });

    it('is “not_advertised” for a plain MCP server and “failed” otherwise', async () => {
      const plain = await startServer();
      const notAdvertised = await runStartupDiscovery({ serverUrl: `${plain.origin}/mcp`, dispatcher: agent, userAgent: UA });
      assert.equal(notAdvertised.state, 'not_advertised');
      assert.equal(notAdvertised.error, 'every candidate answered 404');
      assert.equal(notAdvertised.urls.length, 2);

      const broken = await startServer({ [PRM_ROOT]: json(502, {}) });
      const failed = await runStartupDiscovery({ serverUrl: `${broken.origin}/mcp`, dispatcher: agent, userAgent: UA });
      assert.equal(failed.state, 'failed');
      assert.equal(failed.error, `${broken.origin}${PRM_ROOT}: HTTP 502`);
    });

    it('gives up within its budget when the server never answers', async () => {
      const s = await startServer({ '/mcp': never, [`${PRM_ROOT}/mcp`]: never, [PRM_ROOT]: never });
      const started = Date.now();
      const status = await runStartupDiscovery({ serverUrl: `${s.origin}/mcp`, dispatcher: agent, userAgent: UA, timeoutMs: 400, challengeTimeoutMs: 100 });
      const took = Date.now() - started;
      assert.ok(took >= 380 && took < 1500, `took ${took} ms`);
      assert.equal(status.state, 'failed');
      assert.match(status.error!, /^discovery ran out of time \(last: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp: timed out after 400 ms\)$/);
      assert.equal(status.urls[1].error, 'not tried: discovery stopped');
    });

    it('shows no credentials or query strings of the URLs it reports', async () => {
      let origin = '';
      const s = await startServer({
        '/mcp': (req, res) => challenge(`Bearer resource_metadata="http://prm-user:prm-pass@127.0.0.1:${s.port}/prm?sig=prm-query-secret"`)(req, res),
        '/prm': (req, res) =>
          json(200, metadata(`http://r-user:r-pass@127.0.0.1/mcp?token=resource-query-secret`, { authorization_servers: [`http://as-user:as-pass@127.0.0.1:${s.port}/?k=as-query-secret`] }))(req, res),
      });
      origin = s.origin;
      const status = await runStartupDiscovery({ serverUrl: `http://mcp-user:mcp-pass@127.0.0.1:${s.port}/mcp?key=mcp-query-secret`, dispatcher: agent, userAgent: UA });
      assert.equal(status.state, 'found');
      assert.equal(status.metadataUrl, `${origin}/prm`);
      const shown = JSON.stringify(status);
      for (const secret of ['user', 'pass', 'query-secret']) assert.ok(!shown.includes(secret), `${secret} in ${shown}`);
      for (const r of s.seen) assert.equal(r.headers.authorization, undefined, 'credentials in a URL are never sent');
      assert.ok(s.seen.some((r) => r.path === '/prm'), 'the challenge URL was fetched');
    });
  });

  describe('the answer to an oauth_discovery command that found nothing', () => {
    it('is 404 oauth_metadata_not_found when the server advertises nothing, 502 oauth_discovery_failed otherwise, naming no URL', async () => {
      const plain = await startServer();
      const none = discoveryFailureAnswer(missing(await discoverProtectedResource(options(`${plain.origin}/mcp`))));
      assert.equal(none.status, 404);
      assert.deepEqual(none.json, {
        error: { message: 'The MCP server publishes no OAuth protected-resource metadata: every well-known URL answered 404.', type: 'server_error', code: 'oauth_metadata_not_found' },
      });

      const broken = await startServer({ [PRM_ROOT]: json(500, {}) });
      const failed = discoveryFailureAnswer(missing(await discoverProtectedResource(options(`${broken.origin}/mcp`))));
      assert.equal(failed.status, 502);
      const error = (failed.json as { error: { message: string; code: string } }).error;
      assert.equal(error.code, 'oauth_discovery_failed');
      assert.equal(error.message, "The tunnel could not fetch the MCP server's OAuth protected-resource metadata (last attempt: HTTP 500).");
      assert.ok(!/127\.0\.0\.1|http:/.test(error.message));
    });
  });

  describe('against an MCP SDK server protected by OAuth', () => {
    it('finds its metadata through its 401 challenge, and its authorization server’s endpoints', async () => {
      const provider = new DemoInMemoryAuthProvider();
      const asServer = createServer();
      const asPort = await listenLoopback(asServer);
      const issuerUrl = new URL(`http://127.0.0.1:${asPort}/`);
      const asApp = express();
      asApp.use(mcpAuthRouter({ provider, issuerUrl, scopesSupported: ['mcp:tools'] }));
      asServer.on('request', asApp);

      const mcpServer = createServer();
      const mcpPort = await listenLoopback(mcpServer);
      const mcpUrl = new URL(`http://127.0.0.1:${mcpPort}/mcp`);
      const mcpApp = express();
      mcpApp.use(mcpAuthMetadataRouter({ oauthMetadata: createOAuthMetadata({ provider, issuerUrl, scopesSupported: ['mcp:tools'] }), resourceServerUrl: mcpUrl }));
      mcpApp.use('/mcp', requireBearerAuth({ verifier: provider, resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl) }), (_req, res) => {
        res.status(500).end();
      });
      mcpServer.on('request', mcpApp);
      const closeAll = (s: Server) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())));
      try {
        const result = found(await discoverProtectedResource(options(mcpUrl.href)));
        assert.equal(result.challenge.url, `http://127.0.0.1:${mcpPort}${PRM_ROOT}/mcp`);
        assert.deepEqual(result.candidates.find((c) => c.selected), { role: 'metadata_candidate', url: `http://127.0.0.1:${mcpPort}${PRM_ROOT}/mcp`, source: 'www_authenticate', status: 200, selected: true });
        assert.equal(result.metadata.resource, mcpUrl.href);
        assert.deepEqual(result.metadata.authorization_servers, [issuerUrl.href]);

        const status = await runStartupDiscovery({ serverUrl: mcpUrl.href, dispatcher: agent, userAgent: UA });
        assert.equal(status.state, 'found');
        assert.equal(status.error, undefined);
        const byRole = Object.fromEntries(status.urls.filter((u) => u.role !== 'metadata_candidate').map((u) => [u.role, u.url]));
        assert.deepEqual(byRole, {
          resource: mcpUrl.href,
          authorization_server: issuerUrl.href,
          authorization_server_metadata: `${issuerUrl.origin}/.well-known/oauth-authorization-server`,
          authorization_endpoint: `${issuerUrl.origin}/authorize`,
          token_endpoint: `${issuerUrl.origin}/token`,
          registration_endpoint: `${issuerUrl.origin}/register`,
        });
      } finally {
        await Promise.all([closeAll(asServer), closeAll(mcpServer)]);
      }
    });
  });

  it('displayUrl drops credentials, query and fragment', () => {
    assert.equal(displayUrl('https://u:p@h.example:8443/a/b?token=x#frag'), 'https://h.example:8443/a/b');
    assert.equal(displayUrl('urn:ietf:params:oauth'), 'urn:ietf:params:oauth');
    assert.equal(displayUrl('not a url ?secret=1'), 'not a url ');
  });
});

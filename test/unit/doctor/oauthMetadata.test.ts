import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { formatDoctor, runDoctor, toReferenceReport, type DoctorReport } from '../../../src/doctor';
import { listenLoopback } from '../../helpers/net';
import { API_KEY, TUNNEL_ID } from '../profiles/support';

const PRM = '/.well-known/oauth-protected-resource';

interface Running {
  origin: string;
  seen: Array<{ path: string; headers: IncomingHttpHeaders }>;
  server: Server;
}

const running: Running[] = [];

async function serve(routes: Record<string, { status: number; body?: unknown }>): Promise<Running> {
  const seen: Running['seen'] = [];
  const listener: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    seen.push({ path, headers: req.headers });
    const route = routes[path];
    res.writeHead(route?.status ?? 404, { 'content-type': 'application/json' });
    res.end(route?.body === undefined ? '{}' : JSON.stringify(route.body));
  };
  const server = createServer(listener);
  const port = await listenLoopback(server);
  const r = { origin: `http://127.0.0.1:${port}`, seen, server };
  running.push(r);
  return r;
}

function profile(url: string, extra: Record<string, unknown> = {}) {
  return { name: 'oauth', controlPlane: { tunnelId: TUNNEL_ID, apiKey: 'env:CONTROL_PLANE_API_KEY' }, mcp: { servers: [{ url, ...extra }] }, health: { listenAddr: '' } };
}

const env = { PATH: process.env.PATH, CONTROL_PLANE_API_KEY: API_KEY, MCP_TOKEN: 'mcp-token-value' };

function oauthCheck(report: DoctorReport) {
  const found = report.checks.find((c) => c.id === 'oauth-metadata');
  assert.ok(found, `no oauth-metadata check in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('mcp-tunnel doctor: OAuth metadata', function () {
  this.timeout(15_000);
  afterEach(async () => {
    for (const r of running.splice(0)) {
      r.server.closeAllConnections();
      await new Promise((resolve) => r.server.close(resolve));
    }
  });

  it('passes an OAuth server, showing where the metadata came from and the authorization server’s endpoints', async () => {
    const asRoutes: Record<string, { status: number; body?: unknown }> = {};
    const as = await serve(asRoutes);
    asRoutes['/.well-known/oauth-authorization-server'] = { status: 200, body: { issuer: as.origin, token_endpoint: `${as.origin}/token`, registration_endpoint: `${as.origin}/register` } };
    const mcp = await serve({ [`${PRM}/mcp`]: { status: 200, body: { resource: 'https://mcp.example/mcp', authorization_servers: [as.origin] } } });
    const report = await runDoctor({ profile: profile(`${mcp.origin}/mcp`), env });
    const check = oauthCheck(report);
    assert.equal(check.status, 'ok', check.detail);
    assert.deepEqual(check.detail.split('\n'), [
      `HTTP 200 from ${mcp.origin}${PRM}/mcp`,
      `authorization server: ${as.origin}/`,
      `authorization-server metadata: ${as.origin}/.well-known/oauth-authorization-server`,
      `token endpoint: ${as.origin}/token`,
      `registration endpoint: ${as.origin}/register`,
    ]);
    assert.deepEqual(report.checks.map((c) => c.id), ['config', 'tunnel-id', 'api-key', 'api-key-kind', 'mcp:main', 'oauth-metadata', 'health']);
    const reference = toReferenceReport(report, { profileName: 'oauth' }).checks.find((c) => c.id === 'oauth_metadata');
    assert.equal(reference?.status, 'PASS');
    assert.equal(reference?.summary, `HTTP 200 from ${mcp.origin}${PRM}/mcp`);
    assert.equal(reference?.evidence?.length, 5);
  });

  it('passes a plain MCP server that publishes no metadata', async () => {
    const mcp = await serve({});
    const report = await runDoctor({ profile: profile(`${mcp.origin}/mcp`), env });
    const check = oauthCheck(report);
    assert.equal(check.status, 'ok');
    assert.equal(check.detail, 'OAuth metadata not advertised; all candidates returned HTTP 404');
    assert.equal(report.exitCode, 0, formatDoctor(report));
  });

  it('fails a server whose metadata cannot be fetched, saying where to publish it, and sends the profile’s headers to it', async () => {
    const mcp = await serve({ [`${PRM}/team/mcp`]: { status: 500 } });
    const report = await runDoctor({ profile: profile(`${mcp.origin}/team/mcp?k=v`, { headers: { Authorization: 'Bearer ${env:MCP_TOKEN}' } }), env });
    const check = oauthCheck(report);
    assert.equal(check.status, 'fail');
    assert.equal(check.detail.split('\n')[0], `${mcp.origin}${PRM}: HTTP 404`);
    assert.ok(check.detail.includes(`${mcp.origin}${PRM}/team/mcp: HTTP 500`), check.detail);
    assert.match(check.fix!, /GET \/\.well-known\/oauth-protected-resource\/team\/mcp/);
    assert.match(check.fix!, /\/\.well-known\/oauth-authorization-server/);
    assert.match(check.fix!, /\/readyz/);
    assert.ok(check.why);
    assert.equal(report.exitCode, 2);
    assert.ok(mcp.seen.length >= 3);
    for (const r of mcp.seen) assert.equal(r.headers.authorization, 'Bearer mcp-token-value', r.path);
    const reference = toReferenceReport(report, { profileName: 'oauth' });
    assert.deepEqual(reference.failed_checks, ['oauth_metadata']);
    assert.ok(!formatDoctor(report, { explain: true }).includes('mcp-token-value'));
  });

  it('warns when the authorization server publishes no metadata', async () => {
    const as = await serve({});
    const mcp = await serve({ [PRM]: { status: 200, body: { resource: 'https://mcp.example/mcp', authorization_servers: [`${as.origin}/tenant`] } } });
    const report = await runDoctor({ profile: profile(`${mcp.origin}/mcp`), env });
    const check = oauthCheck(report);
    assert.equal(check.status, 'warn');
    assert.match(check.detail, /no authorization-server metadata for http:\/\/127\.0\.0\.1:\d+\/tenant: /);
    assert.match(check.fix!, /\/\.well-known\/oauth-authorization-server/);
    assert.equal(as.seen.length, 4);
  });

  it('does not check a stdio main channel', async () => {
    const report = await runDoctor({ profile: { ...profile('unused'), mcp: { servers: [{ command: 'node' }] } }, env });
    assert.equal(report.checks.find((c) => c.id === 'oauth-metadata'), undefined);
  });
});

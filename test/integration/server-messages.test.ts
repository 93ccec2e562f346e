/**
 * Server messages outside any call (notifications after logging/setLevel,
 * resources/updated after a subscription, roots/list requested by the
 * server), through a real relay and engine to server-everything, each
 * compared with a DIRECT connection to the same server in the same test.
 * Real clients: the SDK client (which opens the session's standalone GET
 * stream), raw POSTs (a client with no GET stream: messages wait for the
 * session's next request) and an mcp-remote bridge.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ROOT, everythingStdioTarget, startEverythingHttp } from '../helpers/everything';
import { direct, open, perSession, postAll, type Opened } from '../helpers/sessions';
import { httpTarget, textOf, withTestTunnel, type TestTunnel } from '../helpers/tunnel';
import { sleep, waitFor } from '../helpers/wait';

interface Watched extends Opened {
  logs: string[];
  updates: string[];
}

/** Opens a client and records the logging messages and resource updates it receives. */
async function watched(opening: Promise<Opened>): Promise<Watched> {
  const opened = await opening;
  const w: Watched = { ...opened, logs: [], updates: [] };
  opened.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void w.logs.push(String(n.params.data)));
  opened.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void w.updates.push(n.params.uri));
  return w;
}

function frontDoor(t: TestTunnel): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(t.info.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${t.info.frontDoorToken}` } } });
}

async function serverMessagesMetric(t: TestTunnel): Promise<string> {
  return (await t.engine.metrics.registry.getSingleMetricAsString('mcp_tunnel_server_messages_total')) + (await t.engine.metrics.registry.getSingleMetricAsString('mcp_tunnel_server_messages_dropped_total'));
}

const ROOTS = [{ uri: 'file:///work/project-a', name: 'project-a' }];

describe('server messages outside a call: tunnelled = direct', function () {
  this.timeout(120_000);
  const closing: Client[] = [];
  afterEach(async () => {
    await Promise.allSettled(closing.splice(0).map((c) => c.close()));
  });
  function keep<T extends Opened>(o: T): T {
    closing.push(o.client);
    return o;
  }

  it('answers the roots/list a stdio server sends outside any call, as a direct client does (SDK client, standalone stream)', async () => {
    await withTestTunnel({ target: perSession() }, async (t) => {
      const d = keep(await watched(direct({ roots: ROOTS })));
      const s = keep(await watched(open(frontDoor(t), { roots: ROOTS })));
      // server-everything asks for the roots 350 ms after initialized, outside any call, then logs what it got.
      await waitFor(() => d.logs.some((l) => /Roots updated: 1 root/.test(l)), 10_000, 'the direct client to be asked for its roots');
      await waitFor(() => s.logs.some((l) => /Roots updated: 1 root/.test(l)), 10_000, 'the tunnelled client to be asked for its roots');
      const viaTunnel = textOf(await s.client.callTool({ name: 'get-roots-list', arguments: {} }));
      const directly = textOf(await d.client.callTool({ name: 'get-roots-list', arguments: {} }));
      assert.match(viaTunnel ?? '', /file:\/\/\/work\/project-a/);
      assert.equal(viaTunnel, directly);
      assert.match(await serverMessagesMetric(t), /route="stream"/);
    });
  });

  it('delivers logging after logging/setLevel, and resource updates after a subscription, to that session only', async () => {
    await withTestTunnel({ target: perSession() }, async (t) => {
      const d = keep(await watched(direct()));
      const a = keep(await watched(open(frontDoor(t), { name: 'a' })));
      const b = keep(await watched(open(frontDoor(t), { name: 'b' })));
      for (const c of [d, a]) {
        await c.client.setLoggingLevel('debug');
        await c.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
        await c.client.subscribeResource({ uri: 'demo://resource/static/document/architecture.md' });
        await c.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      }
      // server-everything logs every 5 s and sends updates every 5 s, outside any call.
      await waitFor(() => d.logs.length >= 2 && d.updates.length >= 1, 15_000, 'the direct client’s logs and updates');
      await waitFor(() => a.logs.length >= 2 && a.updates.length >= 1, 15_000, 'the tunnelled session’s logs and updates');
      assert.deepEqual([...new Set(a.updates)], [...new Set(d.updates)]);
      assert.deepEqual(b.logs, [], 'the other session hears none of them');
      assert.deepEqual(b.updates, []);
    });
  });

  it('holds messages for a client with no standalone stream and delivers them before its next answer', async () => {
    await withTestTunnel({ target: perSession() }, async (t) => {
      const init = await postAll(t, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      const session = init.sessionId!;
      await postAll(t, { jsonrpc: '2.0', method: 'notifications/initialized' }, session);
      await postAll(t, { jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'debug' } }, session);
      await postAll(t, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'toggle-simulated-logging', arguments: {} } }, session);
      await sleep(5600);
      const ping = await postAll(t, { jsonrpc: '2.0', id: 4, method: 'ping' }, session);
      assert.equal(ping.status, 200);
      const last = ping.messages.at(-1)!;
      assert.equal(last.id, 4, 'the answer comes last');
      const held = ping.messages.slice(0, -1);
      assert.ok(held.length >= 1, `the log message sent while no call was in flight comes before the answer (got ${JSON.stringify(ping.messages)})`);
      assert.ok(held.every((m) => m.method === 'notifications/message'));
      assert.match(await serverMessagesMetric(t), /route="held"\} [1-9]/);
    });
  });

  it('answers the roots/list an HTTP server sends outside any call (its standalone stream, opened through the tunnel)', async () => {
    const server = await startEverythingHttp();
    try {
      const d = keep(await watched(open(new StreamableHTTPClientTransport(new URL(server.url)), { roots: ROOTS })));
      await withTestTunnel({ target: httpTarget(server.url) }, async (t) => {
        const s = keep(await watched(open(frontDoor(t), { roots: ROOTS })));
        await waitFor(() => d.logs.some((l) => /Roots updated: 1 root/.test(l)), 10_000, 'the direct client to be asked for its roots');
        await waitFor(() => s.logs.some((l) => /Roots updated: 1 root/.test(l)), 10_000, 'the tunnelled client to be asked for its roots');
        const viaTunnel = textOf(await s.client.callTool({ name: 'get-roots-list', arguments: {} }));
        assert.match(viaTunnel ?? '', /file:\/\/\/work\/project-a/);
        assert.equal(viaTunnel, textOf(await d.client.callTool({ name: 'get-roots-list', arguments: {} })));
      });
    } finally {
      await server.stop();
    }
  });

  it('ends the client’s stream when an HTTP server ends its own, instead of asking the server again and again', async () => {
    let gets = 0;
    const upstream = createServer((req, res) => {
      // The standalone stream; other GETs are startup OAuth discovery probing the MCP URL and well-known paths.
      if (req.method === 'GET' && req.url === '/mcp' && req.headers.accept === 'text/event-stream') {
        gets++;
        res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end();
        return;
      }
      if (req.method === 'GET') return void res.writeHead(404).end(); // OAuth discovery: not protected
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const msg = JSON.parse(body || '{}');
        if (msg.id === undefined) return void res.writeHead(202).end();
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'short-stream', version: '1' } } }),
        );
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = upstream.address() as AddressInfo;
      await withTestTunnel({ target: httpTarget(`http://127.0.0.1:${port}/mcp`) }, async (t) => {
        const res = await fetch(t.info.mcpUrl, { headers: { Authorization: `Bearer ${t.info.frontDoorToken}`, Accept: 'text/event-stream' }, signal: AbortSignal.timeout(10_000) });
        assert.equal(res.status, 200);
        await res.text(); // ends: the relay closes it once the server's stream ended
        await sleep(500);
        assert.equal(gets, 1, 'the server was asked for its stream once');
      });
    } finally {
      upstream.close();
    }
  });

  it('serves the standalone stream in shared mode too (one child, stateless clients)', async () => {
    await withTestTunnel({ target: everythingStdioTarget() }, async (t) => {
      const s = keep(await watched(open(frontDoor(t))));
      await s.client.setLoggingLevel('debug');
      await s.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
      const during = s.logs.length;
      // The next message comes 5 s later, with no call in flight: only the stream can carry it at once.
      await waitFor(() => s.logs.length > during, 8000, 'a log message outside any call');
    });
  });

  it('refuses a standalone stream for an unknown session (404) and a second one for the same session (409)', async () => {
    await withTestTunnel({ target: perSession() }, async (t) => {
      const get = (session: string) =>
        fetch(t.info.mcpUrl, { headers: { Authorization: `Bearer ${t.info.frontDoorToken}`, Accept: 'text/event-stream', 'Mcp-Session-Id': session } });
      const unknown = await get('no-such-session');
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /session not found/i);
      const s = keep(await watched(open(frontDoor(t))));
      await waitFor(() => t.relay.stats().frontDoor.sessionStreams >= 2, 5000, 'the SDK client’s own stream to open');
      const second = await get((s.transport as StreamableHTTPClientTransport).sessionId!);
      assert.equal(second.status, 409);
      await second.body?.cancel();
    });
  });

  it('carries logging outside a call to an mcp-remote bridge’s client', async function () {
    const config = mkdtempSync(join(tmpdir(), 'mcp-remote-'));
    try {
      await withTestTunnel({ target: perSession() }, async (t) => {
        const transport = new StdioClientTransport({
          command: join(ROOT, 'node_modules', '.bin', 'mcp-remote'),
          args: [t.info.mcpUrl, '--transport', 'http-only', '--header', `Authorization:Bearer ${t.info.frontDoorToken}`],
          env: { ...(process.env as Record<string, string>), MCP_REMOTE_CONFIG_DIR: config },
          stderr: 'ignore',
        });
        const bridged = keep(await watched(open(transport)));
        await bridged.client.setLoggingLevel('debug');
        await bridged.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
        await waitFor(() => bridged.logs.length >= 2, 15_000, 'two simulated log messages through mcp-remote');
      });
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});

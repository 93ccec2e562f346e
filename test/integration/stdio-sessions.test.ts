/**
 * Session isolation for a stdio server (`session_mode: per_session`), through
 * a real relay and engine to server-everything, each check compared with a
 * DIRECT connection (the SDK's StdioClientTransport to the same server) in
 * the same test: what a session sees tunnelled is what it would see directly.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ROOT, everythingStdioTarget } from '../helpers/everything';
import { SAMPLING_AND_ELICITATION, direct, open, perSession, pidOf, poolOf, post, toolNames, tunnelled, type ClientWish, type Opened } from '../helpers/sessions';
import { running } from '../helpers/processes';
import { textOf, withTestTunnel } from '../helpers/tunnel';
import { sleep, waitFor } from '../helpers/wait';

describe('stdio session isolation (per_session): tunnelled = direct', function () {
  this.timeout(90_000);
  const directs: Opened[] = [];
  afterEach(async () => {
    await Promise.allSettled(directs.splice(0).map((d) => d.client.close()));
  });
  async function directly(wish: ClientWish = {}): Promise<Opened> {
    const d = await direct(wish);
    directs.push(d);
    return d;
  }

  it('gives two sessions with different capabilities the tool list each would get directly, each from a child of its own', async () => {
    await withTestTunnel({ target: perSession() }, async (t) => {
      // The startup probe opened a throwaway session and closed it again.
      assert.equal(poolOf(t).sessions.size, 0);
      const plain = await tunnelled(t, { name: 'plain' });
      const rich = await tunnelled(t, { name: 'rich', capabilities: SAMPLING_AND_ELICITATION });
      const plainDirect = await directly({ name: 'plain' });
      const richDirect = await directly({ name: 'rich', capabilities: SAMPLING_AND_ELICITATION });

      const richTools = await toolNames(rich.client);
      assert.deepEqual(richTools, await toolNames(richDirect.client));
      assert.deepEqual(await toolNames(plain.client), await toolNames(plainDirect.client));
      assert.ok(richTools.includes('trigger-sampling-request') && richTools.includes('trigger-elicitation-request'), richTools.join(', '));
      assert.ok(!(await toolNames(plain.client)).includes('trigger-sampling-request'));

      // The tool works too: the child's sampling request reaches this session's client.
      const sampled = await rich.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });
      assert.match(textOf(sampled) ?? '', /sampled/);

      const a = pidOf(t, plain.transport.sessionId);
      const b = pidOf(t, rich.transport.sessionId);
      assert.ok(a && b && a !== b, `two children: ${a}, ${b}`);
      const status = t.engine.status().channels[0]!;
      assert.equal(status.sessionMode, 'per_session');
      assert.equal(status.sessions, 2);
      const metrics = await t.engine.metrics.registry.getSingleMetricAsString('mcp_tunnel_stdio_sessions');
      assert.match(metrics, /mcp_tunnel_stdio_sessions\{channel="main"\} 2/);
    });
  });

  it('answers a session asking protocol 2025-03-26 as a direct connection does', async () => {
    await withTestTunnel({ target: perSession() }, async (t) => {
      const old = await tunnelled(t, { protocolVersion: '2025-03-26' });
      const latest = await tunnelled(t);
      const oldDirect = await directly({ protocolVersion: '2025-03-26' });
      assert.equal(oldDirect.protocol(), '2025-03-26');
      assert.equal(old.protocol(), oldDirect.protocol());
      assert.equal(latest.protocol(), (await directly()).protocol());
    });
  });

  it('keeps one session’s state (roots, simulated logging, log level) out of the other’s child', async () => {
    await withTestTunnel({ target: perSession() }, async (t) => {
      const rootsA = [{ uri: 'file:///alpha', name: 'alpha' }];
      const rootsB = [{ uri: 'file:///beta', name: 'beta' }];
      const a = await tunnelled(t, { roots: rootsA });
      const b = await tunnelled(t, { roots: rootsB });
      const aDirect = await directly({ roots: rootsA });
      const bDirect = await directly({ roots: rootsB });

      await a.client.setLoggingLevel('emergency');
      await aDirect.client.setLoggingLevel('emergency');
      const toggleA = textOf(await a.client.callTool({ name: 'toggle-simulated-logging', arguments: {} }));
      const toggleB = textOf(await b.client.callTool({ name: 'toggle-simulated-logging', arguments: {} }));
      assert.match(textOf(await aDirect.client.callTool({ name: 'toggle-simulated-logging', arguments: {} })) ?? '', /^Started/);
      assert.match(textOf(await bDirect.client.callTool({ name: 'toggle-simulated-logging', arguments: {} })) ?? '', /^Started/);
      assert.match(toggleA ?? '', /^Started/);
      assert.match(toggleB ?? '', /^Started/, 'session b must not see session a’s logging state');

      const seenA = textOf(await a.client.callTool({ name: 'get-roots-list', arguments: {} })) ?? '';
      const seenB = textOf(await b.client.callTool({ name: 'get-roots-list', arguments: {} })) ?? '';
      assert.equal(seenA, textOf(await aDirect.client.callTool({ name: 'get-roots-list', arguments: {} })));
      assert.equal(seenB, textOf(await bDirect.client.callTool({ name: 'get-roots-list', arguments: {} })));
      assert.match(seenA, /alpha/);
      assert.match(seenB, /beta/);
      assert.doesNotMatch(seenB, /alpha/);
    });
  });

  it('evicts the least recently used session at max_sessions 2, and tells it to reconnect', async () => {
    await withTestTunnel({ target: perSession({ maxSessions: 2 }) }, async (t) => {
      const first = await tunnelled(t, { name: 'first' });
      const second = await tunnelled(t, { name: 'second' });
      await first.client.listTools();
      await sleep(5);
      await second.client.listTools();
      const firstPid = pidOf(t, first.transport.sessionId)!;
      const third = await tunnelled(t, { name: 'third' });
      await waitFor(() => !running(firstPid), 10_000, 'the evicted session’s child to exit');
      await assert.rejects(first.client.listTools(), (err: Error) => {
        assert.match(err.message, /least recently used of 2 sessions \(max_sessions\)/);
        assert.match(err.message, /Reconnect/);
        return true;
      });
      assert.ok((await second.client.listTools()).tools.length > 0);
      assert.ok((await third.client.listTools()).tools.length > 0);
      assert.equal(poolOf(t).sessions.size, 2);
      const status = t.engine.status().channels[0]!;
      assert.equal(status.evictions, 1);
      const metrics = await t.engine.metrics.registry.getSingleMetricAsString('mcp_tunnel_stdio_sessions_closed_total');
      assert.match(metrics, /reason="lru"\} 1/);
      // A reconnect works: a new session, a new child.
      const again = await tunnelled(t, { name: 'first-again' });
      assert.ok((await again.client.listTools()).tools.length > 0);
    });
  });

  it('closes a session’s child once it has been idle for session_idle_timeout (no request, no open stream)', async () => {
    await withTestTunnel({ target: perSession({ idleTimeoutMs: 600 }) }, async (t) => {
      // Raw POSTs: a client that holds no standalone GET stream open.
      const init = await post(t, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      const sessionId = init.sessionId!;
      assert.equal((await post(t, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, sessionId)).status, 200);
      const pid = pidOf(t, sessionId)!;
      assert.ok(running(pid));
      await waitFor(() => !running(pid), 10_000, 'the idle child to exit');
      assert.equal(poolOf(t).sessions.size, 0);
      const after = await post(t, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, sessionId);
      assert.equal(after.status, 404);
      assert.match(after.json.error?.message ?? '', /idle for 600 ms \(session_idle_timeout\).*Reconnect/);
      assert.equal(t.engine.status().channels[0]!.idleClosed, 1);
    });
  });

  it('keeps a session whose client holds its standalone stream open: a connected client is not idle', async () => {
    await withTestTunnel({ target: perSession({ idleTimeoutMs: 600 }) }, async (t) => {
      const s = await tunnelled(t);
      await s.client.listTools();
      const pid = pidOf(t, s.transport.sessionId)!;
      await sleep(2000);
      assert.ok(running(pid), 'the child of a session with an open GET stream still runs after 3× the idle timeout');
      assert.ok((await s.client.listTools()).tools.length > 0);
      assert.equal(t.engine.status().channels[0]!.idleClosed, 0);
    });
  });

  it('stops a session’s child when the client terminates the session (204), and answers 404 for it afterwards', async () => {
    await withTestTunnel({ target: perSession() }, async (t) => {
      const s = await tunnelled(t);
      const other = await tunnelled(t);
      const sessionId = s.transport.sessionId!;
      const pid = pidOf(t, sessionId)!;
      await s.transport.terminateSession();
      await waitFor(() => !running(pid), 10_000, 'the terminated session’s child to exit');
      assert.equal(poolOf(t).sessions.size, 1);
      assert.ok((await other.client.listTools()).tools.length > 0);
      const after = await post(t, { jsonrpc: '2.0', id: 7, method: 'tools/list' }, sessionId);
      assert.equal(after.status, 404);
      assert.equal(after.json.error?.code, -32001);
      assert.match(after.json.error?.message ?? '', /session not found.*Reconnect/i);
      const res = await fetch(t.info.mcpUrl, { method: 'DELETE', headers: { Authorization: `Bearer ${t.info.frontDoorToken}`, 'Mcp-Session-Id': sessionId } });
      assert.equal(res.status, 404);
    });
  });

  it('serves stateless calls (no Mcp-Session-Id) from one sessionless child the engine initialized, closed when idle', async () => {
    await withTestTunnel({ target: perSession({ idleTimeoutMs: 1500 }) }, async (t) => {
      const init = await post(t, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      assert.equal(init.status, 200);
      assert.match(init.sessionId ?? '', /^[0-9a-f-]{36}$/, 'an initialize without a session id opens one, minted by the engine');
      // A client that ignores the session id: served by the sessionless child.
      const one = await post(t, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      const two = await post(t, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } });
      assert.equal(one.status, 200);
      assert.equal(textOf(two.json.result), 'Echo: hi');
      // Read before anything slow: both children are closed once idle for 1.5 s.
      const pid = t.engine.status().channels[0]!.pid;
      assert.ok(pid && running(pid), 'the sessionless child runs');
      assert.equal(t.engine.status().channels[0]!.children, 2);
      const plainDirect = await directly();
      const tools = (one.json.result as { tools: { name: string }[] }).tools.map((tool) => tool.name).sort();
      assert.deepEqual(tools, await toolNames(plainDirect.client));
      await waitFor(() => !running(pid), 10_000, 'the idle sessionless child to exit');
      assert.equal(t.engine.status().channels[0]!.pid, undefined);
    });
  });

  it('gives an mcp-remote bridge’s session a child of its own, initialized with its client’s capabilities', async function () {
    const config = mkdtempSync(join(tmpdir(), 'mcp-remote-'));
    try {
      await withTestTunnel({ target: perSession() }, async (t) => {
        const plain = await tunnelled(t);
        const transport = new StdioClientTransport({
          command: join(ROOT, 'node_modules', '.bin', 'mcp-remote'),
          args: [t.info.mcpUrl, '--transport', 'http-only', '--header', `Authorization:Bearer ${t.info.frontDoorToken}`],
          env: { ...(process.env as Record<string, string>), MCP_REMOTE_CONFIG_DIR: config },
          stderr: 'ignore',
        });
        const bridged = await open(transport, { capabilities: SAMPLING_AND_ELICITATION });
        directs.push(bridged);
        const richDirect = await directly({ capabilities: SAMPLING_AND_ELICITATION });
        assert.deepEqual(await toolNames(bridged.client), await toolNames(richDirect.client));
        await plain.client.listTools();
        assert.ok(poolOf(t).sessions.size >= 2, `sessions: ${poolOf(t).sessions.size}`);
      });
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});

describe('stdio shared mode: one child, the first session’s view', function () {
  this.timeout(60_000);

  it('serves every session from one child initialized once (the reference daemon’s behaviour)', async () => {
    await withTestTunnel({ target: { ...everythingStdioTarget(), sessions: { mode: 'shared', maxSessions: 8, idleTimeoutMs: 0 } } }, async (t) => {
      const pid = t.engine.status().channels[0]!.pid;
      const plain = await tunnelled(t);
      const rich = await tunnelled(t, { capabilities: SAMPLING_AND_ELICITATION, protocolVersion: '2025-03-26' });
      assert.equal(plain.transport.sessionId, undefined, 'a shared stdio channel mints no session id');
      assert.deepEqual(await toolNames(rich.client), await toolNames(plain.client));
      assert.equal(rich.protocol(), '2025-11-25');
      assert.equal(t.engine.status().channels[0]!.pid, pid);
    });
  });
});

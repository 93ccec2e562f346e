import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { startTunnel, TunnelError, type TunnelHandle, type TunnelOptions, type TunnelStatus, type LogRecord } from '../../src/embed';
import { Relay, type RelayStartInfo } from '../../src/relay/relay';
import { spawnLines, userEnv } from '../helpers/spawn';
import { sleep, waitFor } from '../helpers/wait';
import { textOf } from '../helpers/tunnel';

/** The server a developer embeds: echo, a tool that reports progress, and one that waits until it is cancelled. */
function embeddedServer(seen: { cancelled: number }): McpServer {
  const server = new McpServer({ name: 'embedded-test', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({ content: [{ type: 'text', text: `Echo: ${message}` }] }));
  server.registerTool('count', { inputSchema: { to: z.number() } }, async ({ to }, extra) => {
    const token = extra._meta?.progressToken;
    for (let i = 1; i <= to; i++) if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: to } });
    return { content: [{ type: 'text', text: `counted to ${to}` }] };
  });
  server.registerTool('wait', {}, async (extra) => {
    await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
    seen.cancelled++;
    return { content: [{ type: 'text', text: 'cancelled' }] };
  });
  return server;
}

async function frontDoorClient(info: RelayStartInfo, name = 'agent'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(info.mcpUrl)));
  return client;
}

describe('embedding the tunnel in a Node MCP server (startTunnel)', function () {
  this.timeout(60_000);
  let relay: Relay;
  let info: RelayStartInfo;
  let tunnel: TunnelHandle | undefined;
  let server: McpServer;
  const seen = { cancelled: 0 };
  const statuses: TunnelStatus[] = [];
  const logs: LogRecord[] = [];
  const clients: Client[] = [];

  beforeEach(async () => {
    relay = new Relay({ frontDoorAuth: 'none' });
    info = await relay.start();
    statuses.length = 0;
    logs.length = 0;
    seen.cancelled = 0;
    server = embeddedServer(seen);
  });

  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    await tunnel?.stop();
    tunnel = undefined;
    await server.close();
    await relay.close();
  });

  /** The embedded server on one end of an in-memory pair, the tunnel on the other, every status and log line kept. */
  async function start(extra: Partial<TunnelOptions> = {}): Promise<TunnelHandle> {
    const [tunnelSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    tunnel = startTunnel({ tunnelId: info.tunnelId, apiKey: info.apiKey, controlPlaneUrl: info.url, pollTimeoutMs: 1000, logLevel: 'debug', log: (r) => logs.push(r), ...extra }, tunnelSide);
    tunnel.on('status', (s) => statuses.push(s));
    return tunnel;
  }

  async function client(name?: string): Promise<Client> {
    const c = await frontDoorClient(info, name);
    clients.push(c);
    return c;
  }

  it('goes starting → ready, and an MCP client calls the in-process tool through the relay front door', async () => {
    const t = await start();
    await t.waitReady(20_000);
    const states = statuses.map((s) => s.state);
    assert.equal(states[0], 'starting');
    assert.equal(states.at(-1), 'ready');
    assert.deepEqual([...new Set(states)], ['starting', 'ready'], `no other state on the way: ${states.join(' → ')}`);
    assert.equal(t.status().channels[0]?.kind, 'transport');
    const c = await client();
    assert.equal(c.getServerVersion()?.name, 'embedded-test');
    const result = await c.callTool({ name: 'echo', arguments: { message: 'hello from the agent' } });
    assert.equal(textOf(result), 'Echo: hello from the agent');
  });

  it('serves several remote sessions from the one server, and carries progress to the call it belongs to', async () => {
    const t = await start();
    await t.ready;
    const [a, b] = await Promise.all([client('a'), client('b')]);
    const progress: { a: number[]; b: number[] } = { a: [], b: [] };
    const [ra, rb] = await Promise.all([
      a.callTool({ name: 'count', arguments: { to: 3 } }, undefined, { onprogress: (p) => progress.a.push(p.progress) }),
      b.callTool({ name: 'count', arguments: { to: 2 } }, undefined, { onprogress: (p) => progress.b.push(p.progress) }),
    ]);
    assert.equal(textOf(ra), 'counted to 3');
    assert.equal(textOf(rb), 'counted to 2');
    assert.deepEqual(progress, { a: [1, 2, 3], b: [1, 2] });
  });

  it("passes a client's cancellation on to the tool running in-process", async () => {
    const t = await start();
    await t.ready;
    const c = await client();
    const abort = new AbortController();
    const call = c.callTool({ name: 'wait', arguments: {} }, undefined, { signal: abort.signal });
    await sleep(300);
    abort.abort('the user gave up');
    await assert.rejects(call);
    await waitFor(() => seen.cancelled === 1, 10_000, 'the tool to see its signal abort');
  });

  it('cancels a tool on the in-process server when its command deadline passes', async () => {
    await relay.close();
    relay = new Relay({ frontDoorAuth: 'none', responseTimeout: '1s', commandTimeoutMs: 3000 });
    info = await relay.start();
    const t = await start();
    await t.ready;
    const c = await client();
    const call = c.callTool({ name: 'wait', arguments: {} }, undefined, { timeout: 20_000 });
    await waitFor(() => seen.cancelled === 1, 10_000, 'the tool to see its signal abort at the deadline');
    await assert.rejects(call);
  });

  it('stop() ends polling: the relay sees no poll after it, and the server sees its transport close', async () => {
    const t = await start();
    await t.ready;
    let serverClosed = false;
    server.server.onclose = () => (serverClosed = true);
    await t.stop();
    assert.equal(statuses.at(-1)?.state, 'stopped');
    assert.ok(serverClosed, 'the embedded server saw the transport close');
    const polls = relay.stats().polls;
    await sleep(1500);
    assert.equal(relay.stats().polls, polls, 'no poll after stop()');
    await t.stop();
  });

  it('reports degraded, with why, when the embedded server closes its transport', async () => {
    const t = await start();
    await t.ready;
    await server.close();
    await waitFor(() => statuses.at(-1)?.state === 'degraded', 5_000, 'a degraded status');
    assert.match(statuses.at(-1)!.reason, /closed its transport/);
  });

  it('rejects ready with code "auth" when the control plane refuses the key, and the key shows up nowhere', async () => {
    const wrongKey = 'sk-wrong-embedded-key-0123456789';
    const t = await start({ apiKey: wrongKey });
    await assert.rejects(t.ready, (err: TunnelError) => err instanceof TunnelError && err.code === 'auth' && /check apiKey/.test(err.message) && !err.message.includes(wrongKey));
    assert.equal(t.status().state, 'auth_error');
    const everything = JSON.stringify({ statuses, logs });
    assert.ok(logs.length > 0 && statuses.length > 0);
    assert.ok(!everything.includes(wrongKey), 'the refused key appears in no event or log line');
  });

  it('puts the API key in no status event and no log line, even at debug level', async () => {
    const t = await start();
    await t.ready;
    const c = await client();
    await c.callTool({ name: 'echo', arguments: { message: 'x' } });
    await t.stop();
    assert.ok(logs.some((r) => r.msg === 'connected to the control plane' && r.fields?.tunnel_id === info.tunnelId), 'log lines flowed to the host');
    const everything = JSON.stringify({ statuses, logs, status: t.status() });
    assert.ok(!everything.includes(info.apiKey), 'the API key appears in no event or log line');
  });

  it('refuses bad options at once, saying what to do, and never echoes the key', () => {
    const [tunnelSide, serverSide] = InMemoryTransport.createLinkedPair();
    const good: TunnelOptions = { tunnelId: info.tunnelId, apiKey: 'sk-secret-never-echoed', controlPlaneUrl: info.url };
    const cases: [string, unknown, unknown, RegExp][] = [
      ['no tunnel id', { ...good, tunnelId: '' }, tunnelSide, /tunnelId is missing: pass the id/],
      ['a malformed tunnel id', { ...good, tunnelId: 'my-tunnel' }, tunnelSide, /"my-tunnel" is not a tunnel id: it is "tunnel_" and 32/],
      ['no API key', { ...good, apiKey: '  ' }, tunnelSide, /apiKey is missing: pass the tunnel's runtime API key/],
      ['plain http to another host', { ...good, controlPlaneUrl: 'http://example.com' }, tunnelSide, /must use https/],
      ['credentials in the URL', { ...good, controlPlaneUrl: 'https://u:p@example.com' }, tunnelSide, /must not contain credentials/],
      ['a misspelt option', { ...good, apikey: 'x' }, tunnelSide, /unknown option "apikey"; the options are tunnelId, apiKey/],
      ['an extra header that replaces auth', { ...good, extraHeaders: { Authorization: 'Bearer x' } }, tunnelSide, /cannot set Authorization/],
      ['no transport', good, undefined, /must be an MCP SDK Transport .* InMemoryTransport.createLinkedPair/],
      ['a queue size out of range', { ...good, maxInflightRequests: 0 }, tunnelSide, /maxInflightRequests must be a whole number from 1 to 10000/],
    ];
    for (const [what, options, transport, message] of cases) {
      assert.throws(
        () => startTunnel(options as TunnelOptions, transport as InMemoryTransport),
        (err: TunnelError) => err instanceof TunnelError && err.code === 'invalid_options' && message.test(err.message) && !err.message.includes('sk-secret-never-echoed'),
        what,
      );
    }
    // The end an McpServer is already connected to is the wrong one.
    const other = new McpServer({ name: 'x', version: '1' });
    return other.connect(serverSide).then(() => {
      assert.throws(() => startTunnel(good, serverSide), /already connected .* pass the other end of the pair/);
      return other.close();
    });
  });
});

describe('examples/embedded-server.ts, run against the built package (mcp-tunnel/embed → dist/embed.js)', function () {
  this.timeout(60_000);
  let relay: Relay;
  let dir: string;

  before(async () => {
    relay = new Relay({ frontDoorAuth: 'none' });
    dir = mkdtempSync(join(tmpdir(), 'embed-example-'));
    // Without the repository's path mapping, `mcp-tunnel/embed` resolves as it does for a project that installed the package.
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'Node16', moduleResolution: 'Node16', strict: true } }));
  });

  after(async () => {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves its echo tool to an MCP client through the relay, and stops polling on SIGTERM', async () => {
    const info = await relay.start();
    const example = spawnLines(process.execPath, ['--require', require.resolve('tsx/cjs'), 'examples/embedded-server.ts'], {
      cwd: join(__dirname, '..', '..'),
      env: userEnv({ TSX_TSCONFIG_PATH: join(dir, 'tsconfig.json'), CONTROL_PLANE_TUNNEL_ID: info.tunnelId, CONTROL_PLANE_API_KEY: info.apiKey, CONTROL_PLANE_BASE_URL: info.url }),
    });
    try {
      await example.until(() => example.stderr.find((l) => l.startsWith('serving echo through tunnel')), 30_000, 'the example to say it serves');
      const states = example.stderr.filter((l) => l.startsWith('tunnel ')).map((l) => l.split(':')[0]);
      assert.equal(states[0], 'tunnel starting');
      assert.equal(states.at(-1), 'tunnel ready');
      const client = await frontDoorClient(info);
      const result = await client.callTool({ name: 'echo', arguments: { message: 'through the tunnel' } });
      assert.equal(textOf(result), 'Echo: through the tunnel');
      await client.close();
      example.child.kill('SIGTERM');
      assert.equal(await example.exited, 0);
      const polls = relay.stats().polls;
      await sleep(1000);
      assert.equal(relay.stats().polls, polls, 'no poll after the process stopped its tunnel');
      assert.ok(!example.stderr.join('\n').includes(info.apiKey) && !example.stdout.join('\n').includes(info.apiKey), 'the key is in none of its output');
    } finally {
      example.child.kill('SIGKILL');
    }
  });
});

describe('mcp-tunnel/embed type declarations (npm run build:types)', function () {
  this.timeout(180_000);

  it('let a TypeScript project that installed the package type-check its use of startTunnel, and catch a misuse', () => {
    const root = join(__dirname, '..', '..');
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.embed.json'], { cwd: root, stdio: 'pipe' });
    const project = mkdtempSync(join(tmpdir(), 'embed-consumer-'));
    try {
      // As npm installs it: the package and its peer, the MCP SDK, under node_modules.
      mkdirSync(join(project, 'node_modules', '@modelcontextprotocol'), { recursive: true });
      symlinkSync(root, join(project, 'node_modules', 'mcp-tunnel'), 'dir');
      symlinkSync(join(root, 'node_modules', '@modelcontextprotocol', 'sdk'), join(project, 'node_modules', '@modelcontextprotocol', 'sdk'), 'dir');
      symlinkSync(join(root, 'node_modules', '@types'), join(project, 'node_modules', '@types'), 'dir');
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'Node16', moduleResolution: 'Node16', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['server.ts'] }));
      const use = (state: string) => `
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { startTunnel, TunnelError, type TunnelState } from 'mcp-tunnel/embed';
const [tunnelSide] = InMemoryTransport.createLinkedPair();
const tunnel = startTunnel({ tunnelId: 'tunnel_0123456789abcdef0123456789abcdef', apiKey: 'key' }, tunnelSide);
tunnel.on('status', (status) => { const state: TunnelState = status.state; if (state === '${state}') void tunnel.stop(); });
tunnel.waitReady(1000).catch((err: TunnelError) => err.code);
`;
      const check = () => execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, stdio: 'pipe' });
      writeFileSync(join(project, 'server.ts'), use('degraded'));
      check();
      writeFileSync(join(project, 'server.ts'), use('broken'));
      assert.throws(check, (err: { stdout: Buffer }) => /TS2367/.test(err.stdout.toString()), 'a state that does not exist is a type error');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

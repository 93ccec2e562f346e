import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { EVERYTHING } from '../helpers/everything';
import { alive } from '../helpers/processes';
import { runCli, startCli, type CliProcess } from '../helpers/cli';

async function connect(mcpUrl: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'cli-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} } }));
  return client;
}

/** Sends `signal` and waits for exit code 0; the time it took, in ms. */
async function stopTime(p: CliProcess, signal: NodeJS.Signals): Promise<number> {
  const started = Date.now();
  p.child.kill(signal);
  const code = await p.exited();
  assert.equal(code, 0, `exit code after ${signal}`);
  return Date.now() - started;
}

const everythingCommand = `'${process.execPath}' '${EVERYTHING}' stdio`;

describe('mcp-tunnel CLI', function () {
  this.timeout(60_000);
  const running: CliProcess[] = [];
  afterEach(() => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });

  it('demo --once runs a sample session through a loopback tunnel and exits 0', async () => {
    const { code, stdout } = await runCli(['demo', '--once']);
    assert.equal(code, 0);
    assert.match(stdout, /MCP URL \(Streamable HTTP\): http:\/\/127\.0\.0\.1:\d+\/v1\/mcp\/tunnel_[a-z0-9]{32}/);
    assert.match(stdout, /tools\/list {2}→ echo, add, countdown/);
    assert.match(stdout, /→ "hello through the tunnel"/);
    assert.match(stdout, /\/readyz/);
  });

  it('loopback --print-json prints where to connect, serves an SDK client, and stops on SIGTERM with its MCP child gone', async () => {
    const p = startCli(['loopback', '--mcp-command', everythingCommand, '--print-json']);
    running.push(p);
    const info = await p.json();
    for (const key of ['mcp_url', 'control_plane_base_url', 'tunnel_id', 'health_url', 'front_door_token']) assert.ok(info[key], `${key} printed`);
    const client = await connect(info.mcp_url!, info.front_door_token);
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'get-sum'));
    const sum = await client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } });
    assert.match(JSON.stringify(sum), /42/);
    await client.close();
    assert.equal((await fetch(`${info.health_url}/readyz`)).status, 200);
    const children = p.childPids();
    assert.ok(children.length >= 1, 'the MCP server runs as a child');
    const ms = await stopTime(p, 'SIGTERM');
    assert.ok(ms < 5000, `stopped in ${ms} ms`);
    for (const pid of children) assert.equal(alive(pid), false, `child ${pid} gone`);
  });

  it('run connects to a relay with the reference env contract, logs one ready line, and stops on SIGINT', async () => {
    const relay = startCli(['relay', '--print-json']);
    running.push(relay);
    const r = await relay.json();
    const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-cli-'));
    const urlFile = join(dir, 'health.url');
    const run = startCli(['run'], {
      CONTROL_PLANE_BASE_URL: r.control_plane_base_url,
      CONTROL_PLANE_TUNNEL_ID: r.tunnel_id,
      CONTROL_PLANE_API_KEY: r.api_key,
      MCP_COMMAND: everythingCommand,
      HEALTH_LISTEN_ADDR: '127.0.0.1:0',
      HEALTH_URL_FILE: urlFile,
      LOG_LEVEL: 'debug',
    });
    running.push(run);
    await run.waitForLog(/tunnel ready/);
    assert.equal(run.stderr.filter((l) => /tunnel ready/.test(l)).length, 1);
    const healthUrl = readFileSync(urlFile, 'utf8').trim();
    assert.equal(statSync(urlFile).mode & 0o777, 0o600);
    assert.equal((await fetch(`${healthUrl}/readyz`)).status, 200);
    const metrics = await (await fetch(`${healthUrl}/metrics`)).text();
    assert.match(metrics, /mcp_tunnel_poll_cycles_total \d+/);
    const client = await connect(r.mcp_url!, r.front_door_token);
    assert.ok((await client.listTools()).tools.length > 0);
    await client.close();
    const children = run.childPids();
    const ms = await stopTime(run, 'SIGINT');
    assert.ok(ms < 5000, `stopped in ${ms} ms`);
    for (const pid of children) assert.equal(alive(pid), false);
    assert.ok(!run.stderr.join('\n').includes(r.api_key!), 'the API key never appears in the logs, even at debug');
  });

  it('run takes its tunnel and MCP server from this client\'s own flags, which win over the environment', async () => {
    const relay = startCli(['relay', '--print-json']);
    running.push(relay);
    const r = await relay.json();
    const run = startCli(['run', '--tunnel-id', r.tunnel_id!, '--base-url', r.control_plane_base_url!, '--mcp-command', everythingCommand, '--health-listen', '127.0.0.1:0'], {
      CONTROL_PLANE_TUNNEL_ID: 'tunnel_00000000000000000000000000000000',
      CONTROL_PLANE_API_KEY: r.api_key,
      MCP_COMMAND: 'mcp-server-that-does-not-exist',
    });
    running.push(run);
    await run.waitForLog(/tunnel ready/);
    const client = await connect(r.mcp_url!, r.front_door_token);
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'echo'), 'the flag\'s server answers');
    await client.close();
  });

  it('refuses an invalid tunnel id with exit code 2 and a message naming the variable and the fix', async () => {
    const { code, stderr } = await runCli(['run'], {
      CONTROL_PLANE_TUNNEL_ID: 'tunnel_SHORT',
      CONTROL_PLANE_API_KEY: 'sk-test-123456',
      MCP_COMMAND: 'node server.js',
    });
    assert.equal(code, 2);
    assert.match(stderr, /CONTROL_PLANE_TUNNEL_ID/);
    assert.match(stderr, /tunnel_/);
    assert.ok(!stderr.includes('sk-test-123456'));
  });

  it('init writes a profile that doctor then checks, failing with exit 2 while the key is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-init-'));
    const init = await runCli(['init', '--sample', 'stdio-local', '--profile', 'demo', '--dir', dir, '--tunnel-id', `tunnel_${'a'.repeat(32)}`, '--mcp-command', 'node --version']);
    assert.equal(init.code, 0, init.stderr);
    const file = join(dir, 'demo.yaml');
    assert.match(readFileSync(file, 'utf8'), /config_version: 1/);
    const doctor = await runCli(['doctor', '--profile-file', file, '--explain'], { CONTROL_PLANE_API_KEY: '' });
    assert.equal(doctor.code, 2);
    assert.match(doctor.stdout, /CONTROL_PLANE_API_KEY/);
    const ok = await runCli(['doctor', '--profile-file', file, '--json', '--health-listen', '127.0.0.1:0'], { CONTROL_PLANE_API_KEY: 'sk-test-abcdef123456' });
    const report = JSON.parse(ok.stdout);
    assert.equal(ok.code, 0, ok.stdout);
    assert.ok(!ok.stdout.includes('sk-test-abcdef123456'));
    assert.ok(report.checks.length >= 5);
  });

  it('rejects an API key given on the command line, since argv is visible to other users', async () => {
    const { code, stderr } = await runCli(['run', '--api-key', 'sk-live-visible']);
    assert.equal(code, 2);
    assert.match(stderr, /env:NAME or file:PATH/);
  });

  it('prints usage and exits 2 for an unknown command', async () => {
    const { code, stderr } = await runCli(['teleport']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command "teleport"/);
  });

  it('keeps the front door closed without the token, and says where the token travels', async () => {
    const p = startCli(['loopback', '--mcp-command', everythingCommand, '--print-json']);
    running.push(p);
    const info = await p.json();
    assert.equal(info.front_door_auth, 'bearer');
    assert.equal(info.front_door_token_in, 'mcp_url');
    assert.equal(info.mcp_url, `${info.mcp_url_without_token}/${info.front_door_token}`);
    const ping = (url: string) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    for (const url of [info.mcp_url_without_token!, `${info.mcp_url_without_token}/wrong-token`]) {
      const res = await ping(url);
      assert.equal(res.status, 401, url);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    assert.equal((await ping(info.mcp_url!)).status, 200, 'the printed mcp_url alone gets in');
  });
});

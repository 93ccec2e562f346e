/**
 * Mistakes a user makes at the command line: each gets a message that names
 * the setting and the fix, the documented exit code, and a process that ends.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:net';
import { EVERYTHING } from '../helpers/everything';
import { runCli, startCli, type CliProcess } from '../helpers/cli';
import { listenLoopback } from '../helpers/net';

const everythingCommand = `'${process.execPath}' '${EVERYTHING}' stdio`;

async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  return { server, port: await listenLoopback(server) };
}

describe('mcp-tunnel CLI: common mistakes', function () {
  this.timeout(60_000);
  const running: CliProcess[] = [];
  const held: Server[] = [];
  afterEach(async () => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('loopback with an MCP command that does not exist fails fast with exit 2, prints no JSON line, and names the command', async () => {
    const started = Date.now();
    const { code, stdout, stderr, timedOut } = await runCli(['loopback', '--mcp-command', 'mcp-server-that-is-not-installed --stdio', '--print-json'], {}, 15_000);
    assert.equal(timedOut, false, 'the process ends by itself');
    assert.equal(code, 2);
    assert.equal(stdout.trim(), '', 'no --print-json line for a tunnel that never became ready');
    assert.match(stderr, /mcp-tunnel: the loopback tunnel cannot start: MCP server "main" could not be started: command "mcp-server-that-is-not-installed" not found/);
    assert.match(stderr, /on PATH/);
    assert.ok(Date.now() - started < 10_000, `ended in ${Date.now() - started} ms`);
  });

  it('a busy health port names the setting, the address and the fix, and exits 1 (run, HEALTH_LISTEN_ADDR)', async () => {
    const relay = startCli(['relay', '--print-json']);
    running.push(relay);
    const r = await relay.json();
    const { server, port } = await holdPort();
    held.push(server);
    const { code, stderr, timedOut } = await runCli(['run'], {
      CONTROL_PLANE_BASE_URL: r.control_plane_base_url,
      CONTROL_PLANE_TUNNEL_ID: r.tunnel_id,
      CONTROL_PLANE_API_KEY: r.api_key,
      MCP_COMMAND: everythingCommand,
      HEALTH_LISTEN_ADDR: `127.0.0.1:${port}`,
    });
    assert.equal(timedOut, false);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`mcp-tunnel: HEALTH_LISTEN_ADDR: 127\\.0\\.0\\.1:${port} is already in use\\. Stop the process that holds it \\(another tunnel\\?\\), or choose another port in HEALTH_LISTEN_ADDR \\(port 0 picks a free one\\)`));
    assert.doesNotMatch(stderr, /listen EADDRINUSE/);
  });

  for (const flag of ['--listen', '--health-listen']) {
    it(`a busy ${flag} port of loopback names ${flag} and the address, and exits 1`, async () => {
      const { server, port } = await holdPort();
      held.push(server);
      const { code, stderr, timedOut } = await runCli(['loopback', '--mcp-command', everythingCommand, flag, `127.0.0.1:${port}`]);
      assert.equal(timedOut, false);
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`mcp-tunnel: ${flag}: 127\\.0\\.0\\.1:${port} is already in use\\..*choose another port in ${flag}`));
    });
  }

  it('loopback usage errors exit 2: no MCP server, both kinds at once, a URL that is not http', async () => {
    const none = await runCli(['loopback']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /loopback needs an MCP server: pass --mcp-command/);
    const both = await runCli(['loopback', '--mcp-command', 'node s.js', '--mcp-server-url', 'http://127.0.0.1:1/mcp']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --mcp-command or --mcp-server-url, not both/);
    const bad = await runCli(['loopback', '--mcp-server-url', 'ftp://example.test/mcp']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /must start with http:\/\/ or https:\/\//);
  });

  it('relay refuses a literal --api-key with exit 2 and never echoes it', async () => {
    const { code, stdout, stderr, timedOut } = await runCli(['relay', '--api-key', 'sk-literal-key-0123456789', '--print-json']);
    assert.equal(timedOut, false);
    assert.equal(code, 2);
    assert.match(stderr, /--api-key takes a reference \(env:NAME or file:PATH\)/);
    assert.ok(!`${stdout}${stderr}`.includes('sk-literal-key-0123456789'));
  });

  it('relay with --api-key env:NAME uses that key, serves an engine with it, and never prints it', async () => {
    const key = 'relay-key-from-the-environment-42';
    const relay = startCli(['relay', '--api-key', 'env:MY_RELAY_KEY', '--print-json', '--log-level', 'debug'], { MY_RELAY_KEY: key });
    running.push(relay);
    const r = await relay.json();
    assert.equal(r.api_key, undefined, 'a key of the user is not printed');
    assert.equal(r.api_key_ref, 'env:MY_RELAY_KEY');
    const denied = await fetch(`${r.control_plane_base_url}/v1/tunnels/${r.tunnel_id}`, { headers: { Authorization: 'Bearer wrong' } });
    assert.equal(denied.status, 401);
    const allowed = await fetch(`${r.control_plane_base_url}/v1/tunnels/${r.tunnel_id}`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(allowed.status, 200);
    assert.ok(![...relay.stdout, ...relay.stderr].join('\n').includes(key));
  });

  it('relay without --api-key generates one and prints it once for the engine', async () => {
    const relay = startCli(['relay', '--print-json']);
    running.push(relay);
    const r = await relay.json();
    assert.match(r.api_key ?? '', /\S{16,}/);
    const allowed = await fetch(`${r.control_plane_base_url}/v1/tunnels/${r.tunnel_id}`, { headers: { Authorization: `Bearer ${r.api_key}` } });
    assert.equal(allowed.status, 200);
  });

  it('a tunnel id with stray whitespace is trimmed, with a warning that says so, and the tunnel runs', async () => {
    const relay = startCli(['relay', '--print-json']);
    running.push(relay);
    const r = await relay.json();
    const run = startCli(['run'], {
      CONTROL_PLANE_BASE_URL: r.control_plane_base_url,
      CONTROL_PLANE_TUNNEL_ID: `  ${r.tunnel_id}\n`,
      CONTROL_PLANE_API_KEY: r.api_key,
      MCP_COMMAND: everythingCommand,
      HEALTH_LISTEN_ADDR: '127.0.0.1:0',
    });
    running.push(run);
    await run.waitForLog(/tunnel ready/);
    const warning = run.stderr.find((l) => /CONTROL_PLANE_TUNNEL_ID has spaces or line breaks around it/.test(l));
    assert.ok(warning, run.stderr.join('\n'));
    assert.ok(warning.includes(`using "${r.tunnel_id}"`));
    assert.doesNotMatch(run.stderr.join('\n'), /does not start with tunnel_/);
  });

  it('a wide health address is bound as asked and the log says so, not a silent 127.0.0.1', async () => {
    const p = startCli(['loopback', '--mcp-command', everythingCommand, '--health-listen', '0.0.0.0:0', '--print-json']);
    running.push(p);
    const info = await p.json();
    const listening = await p.waitForLog(/health server listening/);
    assert.match(listening, /address=0\.0\.0\.0:\d+/);
    const warning = await p.waitForLog(/health server bound to every interface/);
    assert.match(warning, /0\.0\.0\.0:\d+/);
    assert.equal((await fetch(`${info.health_url}/healthz`)).status, 200);
  });

  it('the 401 hints of a local relay speak of commands and flags, not of internal APIs', async () => {
    const p = startCli(['loopback', '--mcp-command', everythingCommand, '--print-json']);
    running.push(p);
    const info = await p.json();
    const frontDoor = await fetch(info.mcp_url_without_token!, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    const controlPlane = await fetch(`${info.control_plane_base_url}/v1/tunnels/${info.tunnel_id}`);
    for (const res of [frontDoor, controlPlane]) {
      assert.equal(res.status, 401);
      const text = await res.text();
      assert.doesNotMatch(text, /Relay\.start|\(\)/);
      assert.match(text, /mcp-tunnel (relay|loopback)/);
    }
  });
});
